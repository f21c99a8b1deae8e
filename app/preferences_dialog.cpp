#include "app/preferences_dialog.h"

#include "app/jobs/settings.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>

namespace segstudio {

PreferencesDialog::PreferencesDialog(const QStringList& devices, QWidget* parent)
    : QDialog(parent)
    , m_device(new QComboBox(this))
    , m_precision(new QComboBox(this))
    , m_tile(new QSpinBox(this))
    , m_overlap(new QSpinBox(this))
    , m_batch(new QSpinBox(this))
    , m_threads(new QSpinBox(this))
    , m_views(new QComboBox(this))
    , m_steps(new QSpinBox(this))
    , m_learningRate(new QDoubleSpinBox(this))
    , m_editedWeight(new QDoubleSpinBox(this))
    , m_allowNetwork(
          new QCheckBox(tr("Let files read from servers (URLs, VRTs with remote sources, WMS)"), this)) {
    setWindowTitle(tr("Preferences"));
    setObjectName(QStringLiteral("preferences"));
    const Settings settings = Settings::load();

    m_device->setObjectName(QStringLiteral("device"));
    m_device->addItem(tr("Automatic (GPU when present)"), QStringLiteral("auto"));
    m_device->addItem(tr("CPU"), QStringLiteral("cpu"));
    for (const QString& device : devices)
        m_device->addItem(device, device);
    m_device->setCurrentIndex(
        std::max(0, m_device->findData(QString::fromStdString(settings.prediction.device))));
    m_precision->setObjectName(QStringLiteral("precision"));
    m_precision->addItem(tr("Automatic (fp16 on GPU; on CPU bf16 where measured faster)"),
                         QStringLiteral("auto"));
    m_precision->addItem(QStringLiteral("fp32"), QStringLiteral("fp32"));
    m_precision->addItem(tr("fp16 (GPU)"), QStringLiteral("fp16"));
    m_precision->addItem(QStringLiteral("bf16"), QStringLiteral("bf16"));
    m_precision->setCurrentIndex(
        std::max(0, m_precision->findData(QString::fromStdString(settings.prediction.precision))));
    m_tile->setRange(128, 2048);
    m_tile->setSingleStep(32);
    m_tile->setSuffix(tr(" px"));
    m_tile->setValue(settings.prediction.tile);
    m_overlap->setRange(0, 512);
    m_overlap->setSingleStep(16);
    m_overlap->setSuffix(tr(" px"));
    m_overlap->setValue(settings.prediction.overlap);
    // Neighbouring windows share at most half a window (what the predictor accepts).
    const auto limitOverlap = [this](int tile) { m_overlap->setMaximum(std::min(512, tile / 2)); };
    limitOverlap(m_tile->value());
    connect(m_tile, &QSpinBox::valueChanged, this, limitOverlap);
    m_batch->setRange(0, 64);
    m_batch->setSpecialValueText(tr("auto (2 on the CPU, 4 on a GPU)"));
    m_batch->setValue(settings.prediction.batch);
    m_threads->setRange(0, 256);
    m_threads->setSpecialValueText(tr("one a physical core"));
    m_threads->setValue(settings.prediction.threads);

    m_views->setObjectName(QStringLiteral("views"));
    m_views->addItem(tr("Off"), 1);
    m_views->addItem(tr("2 views (mirrored; twice the time)"), 2);
    m_views->addItem(tr("4 views (flipped; 4× the time)"), 4);
    m_views->addItem(tr("8 views (flipped and turned; 8× the time)"), 8);
    m_views->setCurrentIndex(std::max(0, m_views->findData(settings.prediction.views)));
    m_views->setToolTip(tr("Also predicts each window mirrored and turned and averages the results: "
                           "slightly more accurate, proportionally slower"));

    m_steps->setObjectName(QStringLiteral("learningSteps"));
    m_steps->setRange(1, 100000);
    m_steps->setValue(settings.learning.steps);
    m_learningRate->setDecimals(5);
    m_learningRate->setRange(1e-6, 1e-1);
    m_learningRate->setSingleStep(1e-4);
    m_learningRate->setValue(settings.learning.learningRate);
    m_editedWeight->setRange(0.1, 100);
    m_editedWeight->setValue(settings.learning.editedWeight);
    m_editedWeight->setToolTip(tr("How much more a pixel you painted counts than one you only reviewed"));

    auto* model = new QGroupBox(tr("Prediction"), this);
    auto* modelForm = new QFormLayout(model);
    modelForm->addRow(tr("Device:"), m_device);
    modelForm->addRow(tr("Precision:"), m_precision);
    modelForm->addRow(tr("Window:"), m_tile);
    modelForm->addRow(tr("Overlap:"), m_overlap);
    modelForm->addRow(tr("Batch:"), m_batch);
    modelForm->addRow(tr("CPU threads:"), m_threads);
    modelForm->addRow(tr("Test-time augmentation:"), m_views);
    auto* learning = new QGroupBox(tr("Learning from corrections"), this);
    auto* learningForm = new QFormLayout(learning);
    learningForm->addRow(tr("Steps:"), m_steps);
    learningForm->addRow(tr("Learning rate:"), m_learningRate);
    learningForm->addRow(tr("Weight of painted pixels:"), m_editedWeight);
    m_allowNetwork->setObjectName(QStringLiteral("allowNetwork"));
    m_allowNetwork->setChecked(settings.allowNetworkSources);
    m_allowNetwork->setToolTip(tr("Off: opening a file never reaches the network, whatever the file names. "
                                  "The status bar shows when an open image reads from a server."));
    auto* sources = new QGroupBox(tr("Sources"), this);
    auto* sourcesLayout = new QVBoxLayout(sources);
    sourcesLayout->addWidget(m_allowNetwork);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(model);
    layout->addWidget(learning);
    layout->addWidget(sources);
    layout->addWidget(buttons);
}

void PreferencesDialog::accept() {
    Settings settings = Settings::load();
    settings.prediction.device = m_device->currentData().toString().toStdString();
    settings.prediction.precision = m_precision->currentData().toString().toStdString();
    settings.prediction.tile = m_tile->value();
    settings.prediction.overlap = m_overlap->value();
    settings.prediction.batch = m_batch->value();
    settings.prediction.threads = m_threads->value();
    settings.prediction.views = m_views->currentData().toInt();
    settings.learning.steps = m_steps->value();
    settings.learning.learningRate = m_learningRate->value();
    settings.learning.editedWeight = m_editedWeight->value();
    settings.allowNetworkSources = m_allowNetwork->isChecked();
    settings.save();
    settings.apply();
    QDialog::accept();
}

} // namespace segstudio

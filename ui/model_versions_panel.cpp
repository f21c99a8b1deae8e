#include "ui/model_versions_panel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLocale>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

namespace segstudio {
namespace {

enum Column { Name, Date, Corrections, Steps, Loss, Miou, ColumnCount };

} // namespace

ModelVersionsPanel::ModelVersionsPanel(QWidget* parent)
    : QWidget(parent)
    , m_table(new QTableWidget(0, ColumnCount, this))
    , m_use(new QPushButton(tr("Use"), this))
    , m_save(new QPushButton(tr("Save…"), this))
    , m_compare(new QPushButton(tr("Compare"), this))
    , m_open(new QPushButton(tr("Open Model…"), this)) {
    m_table->setObjectName(QStringLiteral("modelVersions"));
    m_table->setHorizontalHeaderLabels(
        {tr("Version"), tr("Date"), tr("Corrected px"), tr("Steps"), tr("Final loss"), tr("Held-out mIoU")});
    m_table->horizontalHeaderItem(Miou)->setToolTip(
        tr("Mean IoU on reviewed tiles kept out of this version's training"));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_use->setObjectName(QStringLiteral("useVersion"));
    m_save->setObjectName(QStringLiteral("saveVersion"));
    m_compare->setObjectName(QStringLiteral("compareVersion"));
    m_compare->setToolTip(tr("Predict the image with the selected version into the comparison layer, "
                             "to see and measure what changed between versions"));
    m_open->setObjectName(QStringLiteral("openModel"));
    m_use->setToolTip(tr("Predict with the selected version from now on"));
    m_save->setToolTip(tr("Save the selected version as a model bundle (weights and JSON sidecar)"));
    m_open->setToolTip(tr("Open a model bundle or a TorchScript model with its JSON sidecar"));

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_use);
    buttons->addWidget(m_save);
    buttons->addWidget(m_compare);
    buttons->addStretch();
    buttons->addWidget(m_open);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_table);
    layout->addLayout(buttons);

    connect(m_use, &QPushButton::clicked, this, [this] {
        if (const int id = selectedVersion(); id >= 0)
            Q_EMIT useRequested(id);
    });
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
        if (!m_busy)
            Q_EMIT useRequested(m_table->item(row, Name)->data(Qt::UserRole).toInt());
    });
    connect(m_save, &QPushButton::clicked, this, [this] {
        if (const int id = selectedVersion(); id >= 0)
            Q_EMIT saveRequested(id);
    });
    connect(m_compare, &QPushButton::clicked, this, [this] {
        if (const int id = selectedVersion(); id >= 0)
            Q_EMIT compareRequested(id);
    });
    connect(m_open, &QPushButton::clicked, this, &ModelVersionsPanel::openRequested);
    connect(m_table, &QTableWidget::itemSelectionChanged, this, &ModelVersionsPanel::updateButtons);
    updateButtons();
}

void ModelVersionsPanel::addVersion(const ModelVersionInfo& version) {
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    const QLocale locale;
    auto* name = new QTableWidgetItem(version.name);
    name->setData(Qt::UserRole, version.id);
    name->setToolTip(version.origin);
    m_table->setItem(row, Name, name);
    m_table->setItem(row, Date, new QTableWidgetItem(locale.toString(version.created, QLocale::ShortFormat)));
    auto number = [](const QString& text) {
        auto* item = new QTableWidgetItem(text);
        item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        return item;
    };
    m_table->setItem(
        row, Corrections,
        number(version.correctedPixels > 0 ? locale.toString(version.correctedPixels) : tr("—")));
    m_table->setItem(row, Steps, number(version.steps > 0 ? locale.toString(version.steps) : tr("—")));
    m_table->setItem(
        row, Loss,
        number(std::isnan(version.finalLoss) ? tr("—") : locale.toString(version.finalLoss, 'f', 3)));
    m_table->setItem(
        row, Miou, number(version.heldOutMiou < 0 ? tr("—") : locale.toString(version.heldOutMiou, 'f', 3)));
    updateButtons();
}

void ModelVersionsPanel::setCurrentVersion(int id) {
    m_current = id;
    for (int row = 0; row < m_table->rowCount(); ++row) {
        const bool current = m_table->item(row, Name)->data(Qt::UserRole).toInt() == id;
        for (int column = 0; column < ColumnCount; ++column) {
            QFont font = m_table->item(row, column)->font();
            font.setBold(current);
            m_table->item(row, column)->setFont(font);
        }
        const QString name = m_table->item(row, Name)->text().remove(QStringLiteral("▶ "));
        m_table->item(row, Name)->setText(current ? QStringLiteral("▶ ") + name : name);
    }
    updateButtons();
}

int ModelVersionsPanel::versionCount() const {
    return m_table->rowCount();
}

int ModelVersionsPanel::rowOf(int id) const {
    for (int row = 0; row < m_table->rowCount(); ++row)
        if (m_table->item(row, Name)->data(Qt::UserRole).toInt() == id)
            return row;
    return -1;
}

int ModelVersionsPanel::selectedVersion() const {
    const auto rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : m_table->item(rows.first().row(), Name)->data(Qt::UserRole).toInt();
}

void ModelVersionsPanel::selectVersion(int id) {
    if (const int row = rowOf(id); row >= 0)
        m_table->selectRow(row);
}

void ModelVersionsPanel::setCanCompare(bool can) {
    m_canCompare = can;
    updateButtons();
}

void ModelVersionsPanel::setBusy(bool busy) {
    m_busy = busy;
    updateButtons();
}

void ModelVersionsPanel::updateButtons() {
    const int selected = selectedVersion();
    m_use->setEnabled(!m_busy && selected >= 0 && selected != m_current);
    m_save->setEnabled(selected >= 0);
    m_compare->setEnabled(!m_busy && selected >= 0 && m_canCompare);
    m_open->setEnabled(!m_busy);
}

} // namespace segstudio

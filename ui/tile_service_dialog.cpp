#include "ui/tile_service_dialog.h"

#include "annotation/tile_pyramid.h"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

namespace segstudio {
namespace {

// West, south, east, north from "w,s,e,n"; a null rectangle when it is not four numbers.
QRectF parseArea(const QString& text) {
    const QStringList parts = text.split(QLatin1Char(','));
    if (parts.size() != 4)
        return {};
    double v[4];
    for (int i = 0; i < 4; ++i) {
        bool ok = false;
        v[i] = parts[i].trimmed().toDouble(&ok);
        if (!ok)
            return {};
    }
    return QRectF(QPointF(v[0], v[1]), QPointF(v[2], v[3]));
}

} // namespace

TileServiceDialog::TileServiceDialog(QWidget* parent)
    : QDialog(parent)
    , m_source(new QLineEdit(this))
    , m_zoom(new QSpinBox(this))
    , m_area(new QLineEdit(this))
    , m_attribution(new QLineEdit(this))
    , m_problem(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, this)) {
    setWindowTitle(tr("Open Tile Service"));
    m_source->setObjectName(QStringLiteral("tileSource"));
    m_source->setPlaceholderText(tr("https://host/{z}/{x}/{y}.png, a tile folder or an .mbtiles file"));
    m_source->setMinimumWidth(460);
    m_zoom->setRange(0, 24);
    m_zoom->setValue(17);
    m_area->setPlaceholderText(tr("west,south,east,north in degrees, e.g. 55.270,25.180,55.300,25.210"));
    m_attribution->setPlaceholderText(tr("© the imagery's provider (shown and written into exports)"));
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: #b00020"));
    auto* folder = new QPushButton(tr("Folder…"), this);
    auto* file = new QPushButton(tr("MBTiles…"), this);
    auto* row = new QHBoxLayout;
    row->addWidget(m_source, 1);
    row->addWidget(folder);
    row->addWidget(file);
    auto* form = new QFormLayout;
    form->addRow(tr("Tiles"), row);
    form->addRow(tr("Zoom level"), m_zoom);
    form->addRow(tr("Area"), m_area);
    form->addRow(tr("Attribution"), m_attribution);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    auto* note = new QLabel(tr("A server's tiles are read only when network sources are allowed (Model ▸ "
                               "Preferences), and kept in segstudio's cache folder. A tile folder or MBTiles "
                               "file opens at its finest zoom, where its tiles are."),
                            this);
    note->setWordWrap(true);
    layout->addWidget(note);
    layout->addWidget(m_problem);
    layout->addWidget(m_buttons);
    connect(folder, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getExistingDirectory(this, tr("Tile folder (ZOOM/X/Y.png)"));
        if (!path.isEmpty())
            m_source->setText(path);
    });
    connect(file, &QPushButton::clicked, this, [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("MBTiles file"), QString(), tr("MBTiles (*.mbtiles)"));
        if (!path.isEmpty())
            m_source->setText(path);
    });
    connect(m_source, &QLineEdit::textChanged, this, &TileServiceDialog::updateFields);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &TileServiceDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    updateFields();
}

void TileServiceDialog::updateFields() {
    // Zoom and area choose what to read of a service; a local pyramid knows where its tiles are.
    const bool service = TilePyramid::isServiceTemplate(m_source->text().trimmed());
    m_zoom->setEnabled(service);
    m_area->setEnabled(service);
    m_problem->clear();
}

QString TileServiceDialog::problem() const {
    const QString text = m_source->text().trimmed();
    if (text.isEmpty())
        return tr("Enter a URL template, a tile folder or an MBTiles file.");
    if (TilePyramid::isServiceTemplate(text)) {
        TilePyramid pyramid;
        QString error;
        const QString spec = TilePyramid::serviceTemplate(text, m_zoom->value(), parseArea(m_area->text()),
                                                          m_attribution->text().trimmed());
        return TilePyramid::fromTemplate(spec, QString(), pyramid, &error) ? QString() : error;
    }
    if (text.contains(QLatin1String("://")))
        return tr("A tile service URL needs {z}, {x} and {y} where the zoom, column and row go.");
    if (!QFileInfo::exists(text))
        return tr("%1 does not exist.").arg(text);
    return {};
}

QString TileServiceDialog::source() const {
    const QString text = m_source->text().trimmed();
    if (!problem().isEmpty())
        return {};
    return TilePyramid::isServiceTemplate(text)
               ? TilePyramid::serviceTemplate(text, m_zoom->value(), parseArea(m_area->text()),
                                              m_attribution->text().trimmed())
               : text;
}

void TileServiceDialog::accept() {
    if (const QString why = problem(); !why.isEmpty()) {
        m_problem->setText(why); // stays open: the entry can be fixed
        return;
    }
    QDialog::accept();
}

} // namespace segstudio

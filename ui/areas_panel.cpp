#include "ui/areas_panel.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QStackedBarSeries>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>

namespace segstudio {

AreasPanel::AreasPanel(QWidget* parent)
    : QWidget(parent)
    , m_series(new QStackedBarSeries)
    , m_classes(new QBarCategoryAxis)
    , m_values(new QValueAxis)
    , m_table(new QTableWidget(0, 5, this))
    , m_status(new QLabel(tr("Measure the mask to see the area of each class."), this))
    , m_measure(new QPushButton(tr("Measure"), this))
    , m_region(new QLabel(this))
    , m_chooseRegion(new QPushButton(tr("Region…"), this))
    , m_wholeMask(new QPushButton(tr("Whole Mask"), this)) {
    auto* chart = new QChart;
    chart->addSeries(m_series);
    chart->legend()->hide();
    chart->setMargins(QMargins(2, 2, 2, 2));
    chart->addAxis(m_classes, Qt::AlignBottom);
    chart->addAxis(m_values, Qt::AlignLeft);
    m_series->attachAxis(m_classes);
    m_series->attachAxis(m_values);
    auto* view = new QChartView(chart, this);
    view->setObjectName(QStringLiteral("areasChart"));
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(160);
    m_table->setObjectName(QStringLiteral("areasTable"));
    m_table->setHorizontalHeaderLabels({tr("Class"), tr("Pixels"), tr("m²"), tr("ha"), tr("Share")});
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_status->setObjectName(QStringLiteral("areasStatus"));
    m_status->setWordWrap(true);
    m_measure->setObjectName(QStringLiteral("measureAreas"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(view, 1);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_status);
    m_region->setObjectName(QStringLiteral("areasRegion"));
    m_region->setWordWrap(true);
    m_chooseRegion->setToolTip(tr("Count only inside the polygons of a vector file (GeoPackage, GeoJSON, "
                                  "Shapefile) in any CRS"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_measure);
    buttons->addWidget(m_chooseRegion);
    buttons->addWidget(m_wholeMask);
    layout->addWidget(m_region);
    layout->addLayout(buttons);
    connect(m_measure, &QPushButton::clicked, this, &AreasPanel::measureRequested);
    connect(m_chooseRegion, &QPushButton::clicked, this, [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Area of interest"), QString(),
                                         tr("Vector files (*.gpkg *.geojson *.json *.shp *.kml)"));
        if (!path.isEmpty())
            setRegionPath(path);
    });
    connect(m_wholeMask, &QPushButton::clicked, this, [this] { setRegionPath({}); });
    setRegionPath({});
}

void AreasPanel::setRegionPath(const QString& path) {
    const bool changed = path != m_regionPath;
    m_regionPath = path;
    m_region->setText(path.isEmpty() ? tr("Inside: the whole mask")
                                     : tr("Inside: the polygons of %1").arg(QFileInfo(path).fileName()));
    m_wholeMask->setEnabled(!path.isEmpty());
    if (changed)
        Q_EMIT measureRequested();
}

void AreasPanel::setReport(const AreaReport& report) {
    m_report = report;
    m_series->clear();
    QStringList names;
    double highest = 0;
    // One set per class, stacked, with only its own category non-zero: each class's bar stands
    // centred on its name, in its class's colour.
    for (const ClassArea& c : report.classes)
        names << c.name;
    m_classes->clear();
    m_classes->append(names);
    int column = 0;
    for (const ClassArea& c : report.classes) {
        auto* set = new QBarSet(c.name);
        for (int i = 0; i < report.classes.size(); ++i)
            *set << (i == column ? (report.inSquareMetres ? c.areaM2 / 1e4 : double(c.pixels)) : 0.0);
        set->setColor(c.color);
        m_series->append(set);
        highest = std::max(highest, report.inSquareMetres ? c.areaM2 / 1e4 : double(c.pixels));
        ++column;
    }
    m_series->setBarWidth(0.8);
    m_values->setRange(0, highest > 0 ? highest * 1.05 : 1);
    m_values->applyNiceNumbers();
    m_values->setLabelFormat(report.inSquareMetres ? QStringLiteral("%.1f") : QStringLiteral("%.0f"));
    m_values->setTitleText(report.inSquareMetres ? tr("ha") : tr("pixels"));
    m_table->setRowCount(int(report.classes.size()));
    int row = 0;
    for (const ClassArea& c : report.classes) {
        const auto cell = [&](int col, const QString& text) {
            auto* item = new QTableWidgetItem(text);
            if (col > 0)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_table->setItem(row, col, item);
        };
        cell(0, c.name);
        cell(1, QString::number(c.pixels));
        cell(2, report.inSquareMetres ? QString::number(c.areaM2, 'f', 1) : QStringLiteral("—"));
        cell(3, report.inSquareMetres ? QString::number(c.areaM2 / 1e4, 'f', 3) : QStringLiteral("—"));
        cell(4, QStringLiteral("%1 %").arg(100 * report.shareOf(c), 0, 'f', 1));
        ++row;
    }
    setStatus(report.inSquareMetres
                  ? tr("%1 ha labelled (%2)").arg(report.labelledM2 / 1e4, 0, 'f', 3).arg(report.crs)
                  : tr("%1 px labelled; the image has no georeference, so areas are in pixels")
                        .arg(report.labelledPixels));
}

void AreasPanel::setStatus(const QString& text) {
    m_status->setText(text);
}

} // namespace segstudio

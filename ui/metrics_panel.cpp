#include "ui/metrics_panel.h"

#include "annotation/label_mask.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

namespace segstudio {
namespace {

QString number(double value, int decimals = 3) {
    return std::isfinite(value) ? QString::number(value, 'f', decimals) : QStringLiteral("–");
}

QTableWidgetItem* cell(const QString& text) {
    auto* item = new QTableWidgetItem(text);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

} // namespace

MetricsPanel::MetricsPanel(QWidget* parent)
    : QWidget(parent)
    , m_scopeBox(new QComboBox(this))
    , m_summary(new QLabel(this))
    , m_classes(new QTableWidget(this))
    , m_matrix(new QTableWidget(this))
    , m_worst(new QListWidget(this)) {
    m_summary->setObjectName(QStringLiteral("metricsSummary"));
    m_summary->setWordWrap(true);
    for (QTableWidget* table : {m_classes, m_matrix}) {
        table->setEditTriggers(QAbstractItemView::NoEditTriggers);
        table->verticalHeader()->setDefaultSectionSize(20);
    }
    m_classes->setObjectName(QStringLiteral("metricsClasses"));
    m_matrix->setObjectName(QStringLiteral("confusionMatrix"));
    m_worst->setObjectName(QStringLiteral("worstTiles"));
    m_scopeBox->setObjectName(QStringLiteral("metricsScope"));
    m_scopeBox->addItem(tr("Whole image"));
    m_scopeBox->addItem(tr("Visible area"));
    m_scopeBox->addItem(tr("Selection…"));
    m_scopeBox->setToolTip(
        tr("Which pixels the figures count; a selection is a rectangle dragged on the canvas"));
    connect(m_scopeBox, &QComboBox::activated, this,
            [this](int index) { Q_EMIT scopeChanged(Scope(index)); });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* scopeRow = new QHBoxLayout;
    scopeRow->addWidget(new QLabel(tr("Measure"), this));
    scopeRow->addWidget(m_scopeBox, 1);
    layout->addLayout(scopeRow);
    layout->addWidget(m_summary);
    layout->addWidget(m_classes, 2);
    layout->addWidget(new QLabel(tr("Confusion matrix (rows: comparison, columns: mask)"), this));
    layout->addWidget(m_matrix, 2);
    layout->addWidget(new QLabel(tr("Tiles that differ most"), this));
    layout->addWidget(m_worst, 1);
    connect(m_worst, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { Q_EMIT tileActivated(item->data(Qt::UserRole).toRect()); });
    connect(m_worst, &QListWidget::itemClicked, this,
            [this](QListWidgetItem* item) { Q_EMIT tileActivated(item->data(Qt::UserRole).toRect()); });
    clear(tr("Compare the mask with another (View ▸ Compare With…) to see how they agree."));
}

MetricsPanel::Scope MetricsPanel::scope() const {
    return Scope(m_scopeBox->currentIndex());
}

void MetricsPanel::setScope(Scope scope) {
    m_scopeBox->setCurrentIndex(int(scope));
}

QString MetricsPanel::summaryText() const {
    return m_summary->text();
}

void MetricsPanel::clear(const QString& why) {
    m_summary->setText(why);
    m_classes->clear();
    m_classes->setRowCount(0);
    m_classes->setColumnCount(0);
    m_matrix->clear();
    m_matrix->setRowCount(0);
    m_matrix->setColumnCount(0);
    m_worst->clear();
}

void MetricsPanel::setAgreement(const MaskAgreement& agreement, const ClassPalette& palette,
                                const QString& where) {
    const QList<LabelClass>& classes = palette.classes();
    QString summary = tr("mIoU %1 · pixel accuracy %2 · %3 px compared")
                          .arg(number(agreement.meanIoU()), number(agreement.pixelAccuracy()))
                          .arg(agreement.total());
    if (agreement.hasAreas()) {
        double m2 = 0;
        for (double area : agreement.referenceM2)
            m2 += area;
        summary += tr(" (%1 ha)").arg(number(m2 / 1e4, 2));
    }
    m_summary->setText(where + QStringLiteral(": ") + summary);
    const bool hectares = agreement.hasAreas();
    QStringList headers{tr("IoU"), tr("Precision"),     tr("Recall"),
                        tr("F1"),  tr("Comparison px"), tr("Mask px")};
    if (hectares)
        headers << tr("Comparison ha") << tr("Mask ha");
    m_classes->clear();
    m_classes->setColumnCount(int(headers.size()));
    m_classes->setHorizontalHeaderLabels(headers);
    m_classes->setRowCount(int(classes.size()));
    QStringList names;
    for (int row = 0; row < classes.size(); ++row) {
        const LabelClass& c = classes[row];
        names.append(c.name);
        if (c.id >= agreement.classes)
            continue;
        const double values[] = {agreement.iou(c.id), agreement.precision(c.id), agreement.recall(c.id),
                                 agreement.f1(c.id)};
        for (int column = 0; column < 4; ++column)
            m_classes->setItem(row, column, cell(number(values[column])));
        m_classes->setItem(row, 4, cell(QString::number(agreement.referencePixels(c.id))));
        m_classes->setItem(row, 5, cell(QString::number(agreement.predictedPixels(c.id))));
        if (hectares) {
            m_classes->setItem(row, 6, cell(number(agreement.referenceM2[size_t(c.id)] / 1e4, 2)));
            m_classes->setItem(row, 7, cell(number(agreement.predictedM2[size_t(c.id)] / 1e4, 2)));
        }
    }
    m_classes->setVerticalHeaderLabels(names);
    m_classes->resizeColumnsToContents();

    // The heat map: each cell's share of its row (of the comparison's pixels of that class).
    m_matrix->clear();
    m_matrix->setRowCount(int(classes.size()));
    m_matrix->setColumnCount(int(classes.size()));
    m_matrix->setVerticalHeaderLabels(names);
    m_matrix->setHorizontalHeaderLabels(names);
    for (int row = 0; row < classes.size(); ++row) {
        const int reference = classes[row].id;
        const qint64 rowTotal = reference < agreement.classes ? agreement.referencePixels(reference) : 0;
        for (int column = 0; column < classes.size(); ++column) {
            const int predicted = classes[column].id;
            const qint64 count = reference < agreement.classes && predicted < agreement.classes
                                     ? agreement.count(reference, predicted)
                                     : 0;
            const double share = rowTotal > 0 ? double(count) / double(rowTotal) : 0;
            auto* item = cell(QStringLiteral("%1\n%2 %").arg(count).arg(share * 100, 0, 'f', 1));
            const QColor heat = row == column ? QColor(40, 150, 60) : QColor(200, 40, 40);
            item->setBackground(QColor(255 - int((255 - heat.red()) * share),
                                       255 - int((255 - heat.green()) * share),
                                       255 - int((255 - heat.blue()) * share)));
            item->setToolTip(tr("%1 px of the comparison's %2 are %3 in the mask")
                                 .arg(count)
                                 .arg(classes[row].name, classes[column].name));
            m_matrix->setItem(row, column, item);
        }
    }
    m_matrix->verticalHeader()->setDefaultSectionSize(34);

    m_worst->clear();
    for (const MaskAgreement::Tile& tile : agreement.worstTiles(50)) {
        auto* item = new QListWidgetItem(tr("Tile %1, %2: %3 of %4 px differ")
                                             .arg(tile.tile.x())
                                             .arg(tile.tile.y())
                                             .arg(tile.differing)
                                             .arg(tile.compared),
                                         m_worst);
        item->setData(Qt::UserRole,
                      QRect(tile.tile.x() * LabelMask::TileSize, tile.tile.y() * LabelMask::TileSize,
                            LabelMask::TileSize, LabelMask::TileSize));
    }
}

} // namespace segstudio

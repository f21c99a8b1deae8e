#pragma once

#include "annotation/class_areas.h"

#include <QWidget>

class QStackedBarSeries;
class QBarCategoryAxis;
class QLabel;
class QPushButton;
class QTableWidget;
class QValueAxis;

namespace segstudio {

// The Areas dock: how much of the mask each class covers, as a bar chart (Qt Charts, in hectares
// when the image is georeferenced, else pixels) and a table (pixels, m², ha, share). It shows a
// report; who computes it (on a worker) is the window's business. A region (the polygons of a
// vector file) limits the count to the area of interest.
class AreasPanel : public QWidget {
    Q_OBJECT
public:
    explicit AreasPanel(QWidget* parent = nullptr);

    void setReport(const AreaReport& report);
    void setStatus(const QString& text);
    const AreaReport& report() const { return m_report; }
    // The vector file whose polygons bound the count; empty: the whole mask. Asks to measure.
    void setRegionPath(const QString& path);
    QString regionPath() const { return m_regionPath; }

Q_SIGNALS:
    void measureRequested();

private:
    AreaReport m_report;
    QStackedBarSeries* m_series;
    QBarCategoryAxis* m_classes;
    QValueAxis* m_values;
    QTableWidget* m_table;
    QLabel* m_status;
    QPushButton* m_measure;
    QLabel* m_region;
    QPushButton* m_chooseRegion;
    QPushButton* m_wholeMask;
    QString m_regionPath;
};

} // namespace segstudio

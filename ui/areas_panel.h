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
// report; who computes it (on a worker) is the window's business.
class AreasPanel : public QWidget {
    Q_OBJECT
public:
    explicit AreasPanel(QWidget* parent = nullptr);

    void setReport(const AreaReport& report);
    void setStatus(const QString& text);
    const AreaReport& report() const { return m_report; }

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
};

} // namespace segstudio

#pragma once

#include <QChartView>
#include <QList>
#include <QPointF>

class QLineSeries;
class QValueAxis;

namespace segstudio {

class DatasetProject;

// The correction effort of a project, as a chart: for each reviewed image, in the order the
// images were reviewed, the share of its pixels the person changed from the prediction they were
// given. Falling, it shows the model learning; flat and high, a budget to plan for.
class CorrectionEffortChart : public QChartView {
    Q_OBJECT
public:
    explicit CorrectionEffortChart(QWidget* parent = nullptr);

    void setProject(const DatasetProject* project);
    void refresh();
    // (review order, percent changed) of every reviewed image that has a figure.
    const QList<QPointF>& points() const { return m_points; }

private:
    const DatasetProject* m_project = nullptr;
    QLineSeries* m_series;
    QValueAxis* m_order;
    QValueAxis* m_percent;
    QList<QPointF> m_points;
};

} // namespace segstudio

#include "ui/correction_effort_chart.h"

#include "annotation/dataset_project.h"

#include <QChart>
#include <QLineSeries>
#include <QValueAxis>
#include <algorithm>

namespace segstudio {

CorrectionEffortChart::CorrectionEffortChart(QWidget* parent)
    : QChartView(parent)
    , m_series(new QLineSeries)
    , m_order(new QValueAxis)
    , m_percent(new QValueAxis) {
    auto* chart = new QChart;
    chart->addSeries(m_series);
    chart->legend()->hide();
    chart->setMargins(QMargins(2, 2, 2, 2));
    chart->setTitle(tr("Pixels changed per reviewed image (%)"));
    m_series->setPointsVisible(true);
    m_order->setLabelFormat(QStringLiteral("%d"));
    m_order->setTitleText(tr("reviewed image"));
    m_percent->setLabelFormat(QStringLiteral("%.0f"));
    chart->addAxis(m_order, Qt::AlignBottom);
    chart->addAxis(m_percent, Qt::AlignLeft);
    m_series->attachAxis(m_order);
    m_series->attachAxis(m_percent);
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setObjectName(QStringLiteral("correctionEffort"));
    setMinimumHeight(170);
    refresh();
}

void CorrectionEffortChart::setProject(const DatasetProject* project) {
    m_project = project;
    refresh();
}

void CorrectionEffortChart::refresh() {
    QList<std::pair<int, double>> reviewed;
    if (m_project)
        for (const ProjectImage& image : m_project->images())
            if (image.status == ImageStatus::Reviewed && image.reviewOrder > 0 && image.changedShare >= 0)
                reviewed.append({image.reviewOrder, image.changedShare});
    std::sort(reviewed.begin(), reviewed.end());
    QList<QPointF> points;
    double highest = 1;
    for (qsizetype i = 0; i < reviewed.size(); ++i) {
        points.append(QPointF(double(i + 1), reviewed[i].second * 100));
        highest = std::max(highest, reviewed[i].second * 100);
    }
    if (points == m_points && !points.isEmpty())
        return;
    m_points = points;
    m_series->replace(points);
    m_order->setRange(1, std::max<double>(2, double(points.size())));
    m_order->setTickCount(std::clamp(int(points.size()), 2, 6));
    // At least 0-5 %, so a few small figures do not fill the chart with noise.
    m_percent->setRange(0, std::min(100.0, std::max(5.0, highest * 1.1)));
    m_percent->setTickCount(3);
}

} // namespace segstudio

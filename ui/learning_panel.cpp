#include "ui/learning_panel.h"

#include <QChart>
#include <QChartView>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>
#include <QValueAxis>

namespace segstudio {

LearningPanel::LearningPanel(QWidget* parent)
    : QWidget(parent)
    , m_series(new QLineSeries)
    , m_steps(new QValueAxis)
    , m_loss(new QValueAxis)
    , m_progress(new QProgressBar(this))
    , m_status(new QLabel(tr("Correct some pixels, then Model ▸ Learn from Corrections."), this))
    , m_cancel(new QPushButton(tr("Cancel"), this)) {
    auto* chart = new QChart;
    chart->addSeries(m_series);
    chart->legend()->hide();
    chart->setMargins(QMargins(2, 2, 2, 2));
    m_steps->setTitleText(tr("step"));
    m_steps->setLabelFormat(QStringLiteral("%d"));
    m_loss->setTitleText(tr("loss"));
    m_loss->setLabelFormat(QStringLiteral("%.2f"));
    chart->addAxis(m_steps, Qt::AlignBottom);
    chart->addAxis(m_loss, Qt::AlignLeft);
    m_series->attachAxis(m_steps);
    m_series->attachAxis(m_loss);
    m_series->setName(tr("training loss"));
    m_view = new QChartView(chart, this);
    m_view->setObjectName(QStringLiteral("lossChart"));
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMinimumHeight(160);
    m_progress->setObjectName(QStringLiteral("learningProgress"));
    m_status->setObjectName(QStringLiteral("learningStatus"));
    m_status->setWordWrap(true);
    m_cancel->setObjectName(QStringLiteral("cancelLearning"));
    m_cancel->setEnabled(false);

    auto* row = new QHBoxLayout;
    row->addWidget(m_progress, 1);
    row->addWidget(m_cancel);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_view, 1);
    layout->addLayout(row);
    layout->addWidget(m_status);
    connect(m_cancel, &QPushButton::clicked, this, &LearningPanel::cancelRequested);
    start(1);
    m_cancel->setEnabled(false);
}

void LearningPanel::start(int steps) {
    m_series->clear();
    m_maxLoss = 0;
    m_steps->setRange(0, std::max(1, steps));
    m_loss->setRange(0, 1);
    m_progress->setRange(0, std::max(1, steps));
    m_progress->setValue(0);
    m_cancel->setEnabled(true);
    m_status->setText(tr("Learning from corrections…"));
}

void LearningPanel::addStep(int step, int steps, double loss) {
    m_series->append(step, loss);
    m_maxLoss = std::max(m_maxLoss, loss);
    m_steps->setRange(0, std::max(1, steps));
    m_loss->setRange(0, m_maxLoss * 1.1);
    m_progress->setRange(0, steps);
    m_progress->setValue(step);
    m_status->setText(tr("Step %1 of %2 · loss %3").arg(step).arg(steps).arg(loss, 0, 'f', 3));
}

void LearningPanel::finish(const QString& outcome) {
    m_cancel->setEnabled(false);
    m_status->setText(outcome);
}

int LearningPanel::pointCount() const {
    return int(m_series->count());
}

double LearningPanel::lastLoss() const {
    return m_series->count() ? m_series->at(m_series->count() - 1).y() : -1.0;
}

} // namespace segstudio

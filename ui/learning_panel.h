#pragma once

#include <QWidget>

class QChartView;
class QLabel;
class QLineSeries;
class QProgressBar;
class QPushButton;
class QValueAxis;

namespace segstudio {

// The Learning dock: the loss of the fine-tuning in progress as a live line chart, the step
// progress and a Cancel button; after a run it keeps the curve and says how it ended.
class LearningPanel : public QWidget {
    Q_OBJECT
public:
    explicit LearningPanel(QWidget* parent = nullptr);

    void start(int steps);
    void addStep(int step, int steps, double loss);
    void finish(const QString& outcome);
    int pointCount() const;
    double lastLoss() const;
    QLineSeries* lossSeries() const { return m_series; }
    QPushButton* cancelButton() const { return m_cancel; }

Q_SIGNALS:
    void cancelRequested();

private:
    QLineSeries* m_series;
    QValueAxis* m_steps;
    QValueAxis* m_loss;
    QChartView* m_view;
    QProgressBar* m_progress;
    QLabel* m_status;
    QPushButton* m_cancel;
    double m_maxLoss = 0;
};

} // namespace segstudio

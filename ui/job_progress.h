#pragma once

#include <QWidget>

class QLabel;
class QProgressBar;
class QToolButton;

namespace segstudio {

// The status bar's view of the running job: what it does, a progress bar, the time left and
// a Cancel button. Hidden while nothing runs.
class JobProgress : public QWidget {
    Q_OBJECT
public:
    explicit JobProgress(QWidget* parent = nullptr);

    void start(const QString& text);
    // secondsLeft < 0: not known yet.
    void setProgress(int done, int total, double secondsLeft);
    void finish();
    QString text() const;
    QToolButton* cancelButton() const { return m_cancel; }
    static QString durationText(double seconds);

Q_SIGNALS:
    void cancelRequested();

private:
    QLabel* m_label;
    QProgressBar* m_bar;
    QToolButton* m_cancel;
    QString m_job;
};

} // namespace segstudio

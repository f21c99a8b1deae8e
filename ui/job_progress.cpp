#include "ui/job_progress.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QToolButton>
#include <cmath>

namespace segstudio {

JobProgress::JobProgress(QWidget* parent)
    : QWidget(parent)
    , m_label(new QLabel(this))
    , m_bar(new QProgressBar(this))
    , m_cancel(new QToolButton(this)) {
    setObjectName(QStringLiteral("jobProgress"));
    m_label->setObjectName(QStringLiteral("jobText"));
    m_bar->setMaximumWidth(160);
    m_bar->setTextVisible(false);
    m_cancel->setText(tr("Cancel"));
    m_cancel->setObjectName(QStringLiteral("cancelJob"));
    m_cancel->setToolTip(tr("Stop the job; what finished stays"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_label);
    layout->addWidget(m_bar);
    layout->addWidget(m_cancel);
    connect(m_cancel, &QToolButton::clicked, this, &JobProgress::cancelRequested);
    hide();
}

QString JobProgress::durationText(double seconds) {
    if (seconds < 0)
        return tr("estimating…");
    const int s = int(std::ceil(seconds));
    if (s < 60)
        return tr("%1 s left").arg(s);
    return tr("%1 min %2 s left").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

void JobProgress::start(const QString& text) {
    m_job = text;
    m_label->setText(text + QStringLiteral("…"));
    m_bar->setRange(0, 0); // busy until the first progress
    m_cancel->setEnabled(true);
    show();
}

void JobProgress::setProgress(int done, int total, double secondsLeft) {
    m_bar->setRange(0, std::max(1, total));
    m_bar->setValue(done);
    m_label->setText(tr("%1: %2 of %3 · %4").arg(m_job).arg(done).arg(total).arg(durationText(secondsLeft)));
}

void JobProgress::finish() {
    hide();
}

QString JobProgress::text() const {
    return m_label->text();
}

} // namespace segstudio

#pragma once

#include <QObject>
#include <QPointer>
#include <QTimer>

namespace segstudio {

class LabelDocument;
class SegmentationController;

// Learning that starts by itself: a moment after the person stops correcting (`delay` without an
// edit), the controller learns from the corrections in the background and predicts again with
// the new version. Never while a stroke is open or another job runs: it waits for them and
// tries again. An edit during learning takes nothing away; it is learned in the next round,
// which starts the same way once the current one (and its re-prediction) is done.
class LiveLearning : public QObject {
    Q_OBJECT
public:
    LiveLearning(SegmentationController* controller, QObject* parent = nullptr);

    void setDocument(LabelDocument* document);
    void setEnabled(bool enabled);
    bool isEnabled() const { return m_enabled; }
    void setDelay(int milliseconds) { m_timer.setInterval(milliseconds); }
    int delay() const { return m_timer.interval(); }
    // An edit is waiting to be learned from.
    bool hasPendingEdits() const { return m_pending; }
    bool isScheduled() const { return m_timer.isActive(); }

Q_SIGNALS:
    // Live learning asked the controller to learn (the controller's signals follow; an error of
    // a round nobody asked for is the status bar's, not a dialog's).
    void started();

private:
    void onEdited();
    void onIdle();
    void onJobFinished();

    SegmentationController* m_controller;
    QPointer<LabelDocument> m_document;
    QTimer m_timer;
    bool m_enabled = true;
    bool m_pending = false;
};

} // namespace segstudio

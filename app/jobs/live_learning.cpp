#include "app/jobs/live_learning.h"

#include "annotation/label_document.h"
#include "app/jobs/segmentation_controller.h"

namespace segstudio {

LiveLearning::LiveLearning(SegmentationController* controller, QObject* parent)
    : QObject(parent)
    , m_controller(controller) {
    m_timer.setSingleShot(true);
    m_timer.setInterval(2000);
    connect(&m_timer, &QTimer::timeout, this, &LiveLearning::onIdle);
    // A finished job may leave edits to learn: the next round starts after the idle delay.
    connect(controller, &SegmentationController::segmentFinished, this, &LiveLearning::onJobFinished);
    connect(controller, &SegmentationController::learnFinished, this, &LiveLearning::onJobFinished);
}

void LiveLearning::setDocument(LabelDocument* document) {
    if (m_document)
        disconnect(m_document, nullptr, this, nullptr);
    m_document = document;
    m_pending = false;
    m_timer.stop();
    if (document)
        connect(document, &LabelDocument::edited, this, &LiveLearning::onEdited);
}

void LiveLearning::setEnabled(bool enabled) {
    m_enabled = enabled;
    if (!enabled)
        m_timer.stop();
    else if (m_pending)
        m_timer.start();
}

void LiveLearning::onEdited() {
    m_pending = true;
    if (m_enabled)
        m_timer.start(); // restarts: the delay counts from the last edit
}

void LiveLearning::onJobFinished() {
    if (m_enabled && m_pending && !m_controller->isBusy())
        m_timer.start();
}

void LiveLearning::onIdle() {
    if (!m_enabled || !m_pending || !m_document || !m_controller->hasModel())
        return;
    if (m_document->isEditing()) {
        m_timer.start(); // a stroke is open: wait for it
        return;
    }
    if (m_controller->isBusy())
        return; // onJobFinished starts the delay again
    if (!m_controller->canLearn())
        return;        // a model made for other classes: F6 says why, live learning stays quiet
    m_pending = false; // edits from now on are the next round's
    Q_EMIT started();
    m_controller->learn();
}

} // namespace segstudio

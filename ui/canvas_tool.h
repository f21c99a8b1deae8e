#pragma once

#include <QCursor>
#include <QPointF>

class QKeyEvent;
class QPainter;

namespace segstudio {

// A mouse tool on a MapCanvas: the canvas converts events to image coordinates and hands the
// left button to the active tool (the middle button always pans, the wheel always zooms). The
// tool turns them into calls of the annotation tool logic; it may also draw (a brush outline, a
// polygon in progress) above every layer.
class CanvasTool {
public:
    virtual ~CanvasTool() = default;

    // Left button pressed, moved (with or without buttons: `dragging`), released.
    virtual void press(QPointF image) = 0;
    virtual void move(QPointF image, bool dragging) = 0;
    virtual void release(QPointF image) = 0;
    virtual void doubleClick(QPointF) {}
    // Keys reaching the canvas (Enter, Backspace); return true when used.
    virtual bool key(QKeyEvent*) { return false; }
    // The pointer left the canvas.
    virtual void leave() {}
    // Abandons whatever is in progress (Esc, switching tools): nothing is pushed.
    virtual void cancel() = 0;
    virtual bool isBusy() const { return false; } // a stroke or polygon in progress
    virtual void paintOverlay(QPainter&) {}
    virtual QCursor cursor() const { return Qt::CrossCursor; }
};

} // namespace segstudio

#pragma once

#include "ui/canvas_tool.h"

#include <QPointer>
#include <QRectF>
#include <functional>

namespace segstudio {

class MapCanvas;

// Drag a rectangle on the canvas; on release `done` gets it (image pixels, clipped to the image
// by the receiver), on Esc `done` gets a null rectangle. A one-shot tool for "Segment
// Selection": whoever installs it puts the previous tool back in `done`, which is called once.
class RectangleSelectTool : public CanvasTool {
public:
    RectangleSelectTool(MapCanvas* canvas, std::function<void(const QRect&)> done);

    void press(QPointF image) override;
    void move(QPointF image, bool dragging) override;
    void release(QPointF image) override;
    void cancel() override;
    bool isBusy() const override { return m_dragging; }
    void paintOverlay(QPainter& painter) override;

private:
    QPointer<MapCanvas> m_canvas;
    std::function<void(const QRect&)> m_done;
    QPointF m_start;
    QPointF m_end;
    bool m_dragging = false;
    bool m_finished = false; // `done` was called
};

} // namespace segstudio

#include "ui/rectangle_select_tool.h"

#include "ui/map_canvas.h"

#include <QPainter>

namespace segstudio {

RectangleSelectTool::RectangleSelectTool(MapCanvas* canvas, std::function<void(const QRect&)> done)
    : m_canvas(canvas)
    , m_done(std::move(done)) {
}

void RectangleSelectTool::press(QPointF image) {
    m_start = m_end = image;
    m_dragging = true;
}

void RectangleSelectTool::move(QPointF image, bool dragging) {
    if (!dragging || !m_dragging)
        return;
    m_end = image;
    if (m_canvas)
        m_canvas->update();
}

void RectangleSelectTool::release(QPointF image) {
    if (!m_dragging)
        return;
    m_end = image;
    m_dragging = false;
    if (m_finished)
        return;
    const QRect selected = QRectF(m_start, m_end).normalized().toAlignedRect();
    if (m_canvas)
        m_canvas->update();
    if (selected.width() < 2 || selected.height() < 2)
        return; // a click, not a rectangle: drag again
    m_finished = true;
    if (m_done)
        m_done(selected);
}

void RectangleSelectTool::cancel() {
    m_dragging = false;
    if (m_canvas)
        m_canvas->update();
    // Once only: putting the previous tool back cancels this one again.
    if (m_finished)
        return;
    m_finished = true;
    if (m_done)
        m_done(QRect());
}

void RectangleSelectTool::paintOverlay(QPainter& painter) {
    if (!m_dragging || !m_canvas)
        return;
    const QRectF area = m_canvas->widgetRectOfImageRect(QRectF(m_start, m_end).normalized());
    painter.setPen(QPen(Qt::white, 1, Qt::DashLine));
    painter.setBrush(QColor(255, 255, 255, 40));
    painter.drawRect(area);
}

} // namespace segstudio

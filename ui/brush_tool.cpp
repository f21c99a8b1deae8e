#include "ui/brush_tool.h"

#include "annotation/label_document.h"
#include "annotation/mask_painter.h"
#include "annotation/mask_tools.h"
#include "ui/map_canvas.h"
#include "ui/tool_settings.h"

#include <QPainter>

namespace segstudio {

BrushTool::BrushTool(MapCanvas* canvas, ToolSettings* settings, bool eraser, QObject* parent)
    : QObject(parent)
    , m_canvas(canvas)
    , m_settings(settings)
    , m_eraser(eraser) {
    // A new size shows at once, where the cursor is.
    connect(settings, &ToolSettings::changed, this, [this] {
        if (m_cursorShown && m_canvas->tool() == this)
            m_canvas->update();
    });
}

BrushTool::~BrushTool() = default;

void BrushTool::setDocument(LabelDocument* document) {
    cancel();
    m_document = document;
}

void BrushTool::press(QPointF image) {
    if (!m_document)
        return;
    cancel();
    const double diameter = m_settings->brushDiameter();
    m_painter = std::make_unique<MaskPainter>(*m_document, m_eraser ? tr("Erase") : tr("Brush"));
    m_last = MaskTools::snapBrushCentre(image, diameter);
    MaskTools::paintSegment(*m_painter, m_last, m_last, diameter, m_settings->paintSpec(m_eraser));
    updateCursor(image);
}

void BrushTool::move(QPointF image, bool dragging) {
    if (dragging && m_painter && m_painter->isActive()) {
        const double diameter = m_settings->brushDiameter();
        const QPointF centre = MaskTools::snapBrushCentre(image, diameter);
        if (centre != m_last) {
            MaskTools::paintSegment(*m_painter, m_last, centre, diameter, m_settings->paintSpec(m_eraser));
            m_last = centre;
        }
    }
    updateCursor(image);
}

void BrushTool::release(QPointF image) {
    move(image, true);
    if (m_painter && m_painter->isActive())
        m_painter->commit();
    m_painter.reset();
}

void BrushTool::leave() {
    if (m_cursorShown)
        m_canvas->update(cursorWidgetRect().toAlignedRect().adjusted(-2, -2, 2, 2));
    m_cursorShown = false;
}

void BrushTool::cancel() {
    if (m_painter && m_painter->isActive())
        m_painter->abort();
    m_painter.reset();
}

QRectF BrushTool::cursorWidgetRect() const {
    const double diameter = m_settings->brushDiameter();
    const QPointF centre = MaskTools::snapBrushCentre(m_cursor, diameter);
    const double r = diameter / 2;
    return m_canvas->widgetRectOfImageRect(QRectF(centre.x() - r, centre.y() - r, diameter, diameter));
}

void BrushTool::updateCursor(QPointF image) {
    const QRect before = cursorWidgetRect().toAlignedRect().adjusted(-2, -2, 2, 2);
    m_cursor = image;
    m_cursorShown = true;
    m_canvas->update(before);
    m_canvas->update(cursorWidgetRect().toAlignedRect().adjusted(-2, -2, 2, 2));
}

void BrushTool::paintOverlay(QPainter& painter) {
    if (!m_cursorShown)
        return;
    // The outline of the pixels a dab covers, dark and light so it shows on any image.
    const QRectF circle = cursorWidgetRect();
    painter.setRenderHint(QPainter::Antialiasing, true);
    painter.setBrush(Qt::NoBrush);
    painter.setPen(QPen(QColor(0, 0, 0, 200), 3));
    painter.drawEllipse(circle);
    painter.setPen(QPen(m_eraser ? QColor(255, 120, 120) : QColor(255, 255, 255), 1));
    painter.drawEllipse(circle);
}

} // namespace segstudio

#include "ui/brush_tool.h"

#include "annotation/label_document.h"
#include "annotation/mask_painter.h"
#include "annotation/mask_tools.h"
#include "ui/map_canvas.h"
#include "ui/tool_settings.h"

#include <QPainter>

namespace segstudio {

BrushTool::BrushTool(MapCanvas* canvas, ToolSettings* settings, Kind kind, QObject* parent)
    : QObject(parent)
    , m_canvas(canvas)
    , m_settings(settings)
    , m_kind(kind) {
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

void BrushTool::setSource(std::shared_ptr<const LabelMask> source) {
    cancel();
    m_source = std::move(source);
}

void BrushTool::press(QPointF image) {
    if (!m_document || (m_kind == Kind::TakeComparison && !m_source))
        return;
    cancel();
    const QString text = m_kind == Kind::Erase            ? tr("Erase")
                         : m_kind == Kind::TakeComparison ? tr("Take the comparison")
                                                          : tr("Brush");
    m_painter = std::make_unique<MaskPainter>(*m_document, text);
    m_last = MaskTools::snapBrushCentre(image, m_settings->brushDiameter());
    paint(m_last, m_last);
    updateCursor(image);
}

void BrushTool::paint(QPointF from, QPointF to) {
    const double diameter = m_settings->brushDiameter();
    if (m_kind == Kind::TakeComparison)
        MaskTools::copySegment(*m_painter, from, to, diameter, *m_source);
    else
        MaskTools::paintSegment(*m_painter, from, to, diameter, m_settings->paintSpec(m_kind == Kind::Erase));
}

void BrushTool::move(QPointF image, bool dragging) {
    if (dragging && m_painter && m_painter->isActive()) {
        const QPointF centre = MaskTools::snapBrushCentre(image, m_settings->brushDiameter());
        if (centre != m_last) {
            paint(m_last, centre);
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
    const QColor light = m_kind == Kind::Erase            ? QColor(255, 120, 120)
                         : m_kind == Kind::TakeComparison ? QColor(120, 220, 255)
                                                          : QColor(255, 255, 255);
    painter.setPen(QPen(light, 1));
    painter.drawEllipse(circle);
}

} // namespace segstudio

#pragma once

#include <QPointF>
#include <QRectF>
#include <QSizeF>

namespace segstudio {

// The mapping between image pixels and widget pixels: a uniform scale (widget pixels per image
// pixel) and the image point shown at the widget's centre. Plain value type, so view logic is
// testable without a widget.
class ViewTransform {
public:
    ViewTransform() = default;
    ViewTransform(QSizeF viewport, QPointF center, double scale)
        : m_viewport(viewport)
        , m_center(center)
        , m_scale(scale) {}

    QSizeF viewport() const { return m_viewport; }
    QPointF center() const { return m_center; }
    double scale() const { return m_scale; }

    QPointF imageToWidget(QPointF image) const;
    QPointF widgetToImage(QPointF widget) const;
    QRectF visibleImageRect() const;

    // The pyramid level whose resolution is the smallest one still at least as fine as the
    // screen: level L halves the image L times.
    int levelFor(int levelCount) const;

    // Zooms by `factor` keeping the image point under `anchor` (widget pixels) fixed.
    ViewTransform zoomedAround(QPointF anchor, double factor, double minScale, double maxScale) const;
    ViewTransform panned(QPointF widgetDelta) const;
    static ViewTransform fit(QSizeF viewport, QSizeF image);

private:
    QSizeF m_viewport{1, 1};
    QPointF m_center;
    double m_scale = 1.0;
};

} // namespace segstudio

#include "ui/view_transform.h"

#include <algorithm>
#include <cmath>

namespace segstudio {

QPointF ViewTransform::imageToWidget(QPointF image) const {
    return (image - m_center) * m_scale + QPointF(m_viewport.width() / 2, m_viewport.height() / 2);
}

QPointF ViewTransform::widgetToImage(QPointF widget) const {
    return (widget - QPointF(m_viewport.width() / 2, m_viewport.height() / 2)) / m_scale + m_center;
}

QRectF ViewTransform::visibleImageRect() const {
    return QRectF(widgetToImage(QPointF(0, 0)),
                  widgetToImage(QPointF(m_viewport.width(), m_viewport.height())));
}

int ViewTransform::levelFor(int levelCount) const {
    if (m_scale >= 1.0)
        return 0;
    // A small tolerance keeps exact powers of two (scale 0.5 → level 1) from flickering down.
    const int level = static_cast<int>(std::floor(std::log2(1.0 / m_scale) + 1e-9));
    return std::clamp(level, 0, levelCount - 1);
}

ViewTransform ViewTransform::zoomedAround(QPointF anchor, double factor, double minScale,
                                          double maxScale) const {
    const double scale = std::clamp(m_scale * factor, minScale, maxScale);
    const QPointF fixedImagePoint = widgetToImage(anchor);
    const QPointF offset = anchor - QPointF(m_viewport.width() / 2, m_viewport.height() / 2);
    return ViewTransform(m_viewport, fixedImagePoint - offset / scale, scale);
}

ViewTransform ViewTransform::panned(QPointF widgetDelta) const {
    return ViewTransform(m_viewport, m_center - widgetDelta / m_scale, m_scale);
}

ViewTransform ViewTransform::fit(QSizeF viewport, QSizeF image) {
    if (image.isEmpty() || viewport.isEmpty())
        return ViewTransform(viewport, QPointF(), 1.0);
    const double scale = std::min(viewport.width() / image.width(), viewport.height() / image.height());
    return ViewTransform(viewport, QPointF(image.width() / 2, image.height() / 2), scale);
}

} // namespace segstudio

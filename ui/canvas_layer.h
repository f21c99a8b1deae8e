#pragma once

class QPainter;
class QRect;

namespace segstudio {

// Something drawn over the image on a MapCanvas (the label overlay, later predictions or a
// reference mask). Layers paint in the order they were added, after the image tiles, clipped to
// the region being repainted. They must not read files: paint runs on the GUI thread.
class CanvasLayer {
public:
    virtual ~CanvasLayer() = default;
    // `dirty` is the part of the widget being repainted, in widget pixels.
    virtual void paint(QPainter& painter, const QRect& dirty) = 0;
};

} // namespace segstudio

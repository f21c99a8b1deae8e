#pragma once

#include "annotation/display_settings.h"
#include "annotation/region_mask.h"

#include <QPolygonF>
#include <QString>

namespace segstudio {

class RasterSource;

// The OpenCV-backed tools that look at the image, not the mask. They read image pixels (files),
// so they run on a worker thread: each is a pure function of its inputs returning the region to
// paint, and the GUI thread then paints it through a MaskPainter. They see the image as it is
// displayed (bands and contrast stretch of `display`), which is what the user judges edges by.
namespace SmartTools {

// Largest window the magic wand examines around its seed, per side.
constexpr int MaxWandWindow = 4096;
// Largest selection GrabCut accepts (its cost grows quickly with the area).
constexpr qint64 MaxGrabCutPixels = 4'000'000;

// Magic wand: the 4-connected pixels whose displayed colour differs from the seed's by at most
// `tolerance` (0-255) in every channel, within `bounds` (clipped to the image and to
// MaxWandWindow around the seed). Empty with *error set on a read failure.
RegionMask magicWand(const RasterSource& image, const DisplaySettings& display, QPoint seed,
                     const QRect& bounds, int tolerance, QString* error);

// GrabCut: refines a rough selection polygon to the object's edges. Pixels outside the polygon
// are background, inside probably foreground; a margin around it supplies background colour.
// Returns the foreground pixels (always inside the polygon).
RegionMask grabCut(const RasterSource& image, const DisplaySettings& display, const QPolygonF& selection,
                   int iterations, QString* error);

} // namespace SmartTools
} // namespace segstudio

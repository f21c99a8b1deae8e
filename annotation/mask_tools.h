#pragma once

#include "annotation/mask_painter.h"
#include "annotation/region_mask.h"

#include <QPointF>
#include <QPolygonF>
#include <functional>

namespace segstudio {

class LabelMask;

// The logic of the editing tools, in image coordinates only (pixel (x, y) covers
// [x, x+1) × [y, y+1) and belongs to a shape when its centre does), so tests can count the
// pixels of every tool exactly. The ui adapters turn mouse events into these calls.
namespace MaskTools {

constexpr double MinBrushDiameter = 1;
constexpr double MaxBrushDiameter = 2000;

// Where a round brush of `diameter` pixels is centred for a cursor at `position`: on a pixel
// centre for odd diameters, on a pixel corner for even ones, so the dab is symmetric and a
// 1 px brush paints exactly the pixel under the cursor.
QPointF snapBrushCentre(QPointF position, double diameter);
// Paints the round brush swept from `from` to `to` (a single dab when they are equal): every
// pixel whose centre lies within diameter/2 of the segment. A stroke is a chain of segments,
// so fast mouse moves leave no gaps.
void paintSegment(MaskPainter& painter, QPointF from, QPointF to, double diameter, const PaintSpec& spec);
// The same brush taking the labels of `source` (the comparison layer) under it.
void copySegment(MaskPainter& painter, QPointF from, QPointF to, double diameter, const LabelMask& source);
// The rows of pixels such a swept brush covers: span(y, x0, x1) for x0 <= x < x1.
void forEachSegmentSpan(QPointF from, QPointF to, double diameter,
                        const std::function<void(int y, int x0, int x1)>& span);

// Calls span(y, x0, x1) for each run of pixels x0 <= x < x1 of row y inside `polygon`
// (non-zero winding, so a lasso that crosses itself fills every loop), clipped to `clip`.
void forEachPolygonSpan(const QPolygonF& polygon, const QRect& clip,
                        const std::function<void(int y, int x0, int x1)>& span);
void fillPolygon(MaskPainter& painter, const QPolygonF& polygon, const PaintSpec& spec);
// Marks the labeled pixels inside `polygon` as reviewed; an empty polygon means the whole image.
void markReviewed(MaskPainter& painter, const LabelMask& mask, const QPolygonF& polygon);

// The 4-connected region of pixels that have the class of `seed`, within `bounds`.
RegionMask contiguousRegion(const LabelMask& mask, QPoint seed, const QRect& bounds);
// Flood fill: paints contiguousRegion(seed) with spec. False when the seed is outside.
bool floodFill(MaskPainter& painter, const LabelMask& mask, QPoint seed, const QRect& bounds,
               const PaintSpec& spec);

} // namespace MaskTools
} // namespace segstudio

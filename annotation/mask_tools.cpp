#include "annotation/mask_tools.h"

#include "annotation/label_mask.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <opencv2/imgproc.hpp>
#include <vector>

namespace segstudio::MaskTools {
namespace {

// Inclusive-of-boundary tolerance so that pixel centres exactly on the brush edge count, whatever
// the rounding of the arithmetic before.
constexpr double Epsilon = 1e-9;

struct Interval {
    double low = std::numeric_limits<double>::infinity();
    double high = -std::numeric_limits<double>::infinity();
    bool isEmpty() const { return low > high; }
    void unite(double a, double b) {
        low = std::min(low, a);
        high = std::max(high, b);
    }
};

// The x where a*x + b lies within [low, high], intersected into `range`.
bool clampLinear(double a, double b, double low, double high, double& from, double& to) {
    if (std::abs(a) < 1e-12)
        return b >= low - Epsilon && b <= high + Epsilon;
    double x0 = (low - b) / a;
    double x1 = (high - b) / a;
    if (x0 > x1)
        std::swap(x0, x1);
    from = std::max(from, x0);
    to = std::min(to, x1);
    return from <= to;
}

} // namespace

QPointF snapBrushCentre(QPointF position, double diameter) {
    const int d = int(std::lround(std::clamp(diameter, MinBrushDiameter, MaxBrushDiameter)));
    if (d % 2 == 1)
        return QPointF(std::floor(position.x()) + 0.5, std::floor(position.y()) + 0.5);
    return QPointF(std::round(position.x()), std::round(position.y()));
}

void forEachSegmentSpan(QPointF from, QPointF to, double diameter,
                        const std::function<void(int y, int x0, int x1)>& span) {
    const double r = std::clamp(diameter, MinBrushDiameter, MaxBrushDiameter) / 2;
    const double r2 = r * r + Epsilon;
    const QPointF d = to - from;
    const double length = std::hypot(d.x(), d.y());
    const QPointF u = length > 1e-9 ? d / length : QPointF();
    const int top = int(std::floor(std::min(from.y(), to.y()) - r - 0.5));
    const int bottom = int(std::ceil(std::max(from.y(), to.y()) + r - 0.5));
    for (int y = top; y <= bottom; ++y) {
        const double py = y + 0.5;
        // The swept disc is convex: its intersection with the row is one interval, the union of
        // those of the two end discs and of the band between them.
        Interval row;
        for (const QPointF c : {from, to}) {
            const double dy = py - c.y();
            if (dy * dy <= r2) {
                const double half = std::sqrt(std::max(0.0, r2 - dy * dy));
                row.unite(c.x() - half, c.x() + half);
            }
        }
        if (length > 1e-9) {
            // Along the segment 0 <= (P-A)·u <= length, across it |(P-A)·n| <= r, n = (-u.y, u.x).
            const double ry = py - from.y();
            double x0 = -std::numeric_limits<double>::infinity();
            double x1 = std::numeric_limits<double>::infinity();
            if (clampLinear(u.x(), -from.x() * u.x() + ry * u.y(), -Epsilon, length + Epsilon, x0, x1) &&
                clampLinear(-u.y(), from.x() * u.y() + ry * u.x(), -r - Epsilon, r + Epsilon, x0, x1) &&
                std::isfinite(x0) && std::isfinite(x1))
                row.unite(x0, x1);
        }
        if (row.isEmpty())
            continue;
        // Pixel x belongs when its centre x + 0.5 is inside [low, high].
        const int x0 = int(std::ceil(row.low - 0.5 - Epsilon));
        const int x1 = int(std::floor(row.high - 0.5 + Epsilon)) + 1;
        span(y, x0, x1);
    }
}

void paintSegment(MaskPainter& painter, QPointF from, QPointF to, double diameter, const PaintSpec& spec) {
    forEachSegmentSpan(from, to, diameter,
                       [&](int y, int x0, int x1) { painter.paintSpan(y, x0, x1, spec); });
    painter.flush();
}

void copySegment(MaskPainter& painter, QPointF from, QPointF to, double diameter, const LabelMask& source) {
    forEachSegmentSpan(from, to, diameter,
                       [&](int y, int x0, int x1) { painter.copySpan(y, x0, x1, source); });
    painter.flush();
}

void forEachPolygonSpan(const QPolygonF& polygon, const QRect& clip,
                        const std::function<void(int y, int x0, int x1)>& span) {
    if (polygon.size() < 3 || clip.isEmpty())
        return;
    struct Edge {
        double yTop, yBottom; // yTop < yBottom
        double xAtTop, slope; // x = xAtTop + (y - yTop) * slope
        int winding;
    };
    std::vector<Edge> edges;
    edges.reserve(size_t(polygon.size()));
    for (qsizetype i = 0; i < polygon.size(); ++i) {
        QPointF a = polygon[i];
        QPointF b = polygon[(i + 1) % polygon.size()];
        if (a.y() == b.y() || !std::isfinite(a.x()) || !std::isfinite(a.y()) || !std::isfinite(b.x()) ||
            !std::isfinite(b.y()))
            continue;
        int winding = 1;
        if (a.y() > b.y()) {
            std::swap(a, b);
            winding = -1;
        }
        edges.push_back({a.y(), b.y(), a.x(), (b.x() - a.x()) / (b.y() - a.y()), winding});
    }
    std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) { return a.yTop < b.yTop; });
    const QRectF bounds = polygon.boundingRect();
    const int firstRow = std::max(clip.top(), int(std::floor(bounds.top())));
    const int lastRow = std::min(clip.bottom(), int(std::ceil(bounds.bottom())));
    std::vector<const Edge*> active;
    std::vector<std::pair<double, int>> crossings;
    size_t next = 0;
    for (int y = firstRow; y <= lastRow; ++y) {
        const double py = y + 0.5;
        while (next < edges.size() && edges[next].yTop <= py)
            active.push_back(&edges[next++]);
        // An edge covers rows with yTop <= py < yBottom (half-open, so shared vertices count once).
        std::erase_if(active, [py](const Edge* e) { return e->yBottom <= py; });
        crossings.clear();
        for (const Edge* e : active)
            crossings.emplace_back(e->xAtTop + (py - e->yTop) * e->slope, e->winding);
        std::sort(crossings.begin(), crossings.end());
        int winding = 0;
        for (size_t i = 0; i + 1 < crossings.size(); ++i) {
            winding += crossings[i].second;
            if (winding == 0)
                continue;
            // Inside between crossing i and i+1: pixel centres x + 0.5 in [xa, xb).
            const int x0 = std::max(clip.left(), int(std::ceil(crossings[i].first - 0.5)));
            const int x1 = std::min(clip.right() + 1, int(std::ceil(crossings[i + 1].first - 0.5)));
            if (x0 < x1)
                span(y, x0, x1);
        }
    }
}

void fillPolygon(MaskPainter& painter, const QPolygonF& polygon, const PaintSpec& spec) {
    forEachPolygonSpan(polygon, painter.bounds(),
                       [&](int y, int x0, int x1) { painter.paintSpan(y, x0, x1, spec); });
    painter.flush();
}

void markReviewed(MaskPainter& painter, const LabelMask& mask, const QPolygonF& polygon) {
    if (polygon.isEmpty()) {
        for (int y = 0; y < mask.height(); ++y)
            painter.reviewSpan(y, 0, mask.width());
    } else {
        forEachPolygonSpan(polygon, mask.rect(),
                           [&](int y, int x0, int x1) { painter.reviewSpan(y, x0, x1); });
    }
    painter.flush();
}

RegionMask contiguousRegion(const LabelMask& mask, QPoint seed, const QRect& bounds) {
    const QRect window = bounds.intersected(mask.rect());
    if (!window.contains(seed))
        return {};
    cv::Mat classes(window.height(), window.width(), CV_8UC1);
    mask.readClasses(window, classes.data, qsizetype(classes.step));
    cv::Mat filled = cv::Mat::zeros(window.height() + 2, window.width() + 2, CV_8UC1);
    cv::floodFill(classes, filled, cv::Point(seed.x() - window.left(), seed.y() - window.top()), cv::Scalar(),
                  nullptr, cv::Scalar(0), cv::Scalar(0), 4 | cv::FLOODFILL_MASK_ONLY | (1 << 8));
    RegionMask region;
    region.bounds = window;
    region.bits.resize(size_t(window.width()) * size_t(window.height()));
    for (int y = 0; y < window.height(); ++y)
        std::copy_n(filled.ptr<quint8>(y + 1) + 1, window.width(),
                    region.bits.data() + size_t(y) * window.width());
    return region;
}

bool floodFill(MaskPainter& painter, const LabelMask& mask, QPoint seed, const QRect& bounds,
               const PaintSpec& spec) {
    const RegionMask region = contiguousRegion(mask, seed, bounds);
    if (region.isEmpty())
        return false;
    painter.paintRegion(region, spec);
    painter.flush();
    return true;
}

} // namespace segstudio::MaskTools

#pragma once

#include "app/jobs/model_input.h"
#include "app/jobs/predicted_region.h"
#include "app/jobs/prediction_writer.h"

#include <QList>
#include <QPoint>
#include <QPointF>
#include <QRect>
#include <QSize>
#include <QString>
#include <functional>

namespace segstudio {

class LabelDocument;
class RasterSource;
namespace inference {
class TiledPredictor;
}

// Segmenting an area of an image: the area is cut into regions on the label mask's tile grid
// (so each mask tile is written by one region), each region is read through ModelInput with
// `context` pixels around it (its borders see their surroundings), predicted, and cropped back
// to the region. The window runs it on the model worker's thread; the command line runs it in
// place; both write the regions through PredictionWriter.
class SegmentationJob {
public:
    // 3 × 3 mask tiles: about a second each on a laptop CPU, so results stream in steadily.
    static constexpr int RegionSize = 768;
    static constexpr int DefaultContext = 64;

    // The regions covering `area` (clipped to the image), nearest to `focus` first.
    static QList<QRect> regionsOf(const QRect& area, QSize imageSize, QPointF focus);

    SegmentationJob(inference::TiledPredictor& predictor, const RasterSource& image,
                    int context = DefaultContext);

    // Predicts one region into `out` (rect, classes, confidence). `cancelled` is polled and
    // `progress(windowsDone, windowsTotal)` called between batches of windows. False with
    // *error on failure, or with *error empty when cancelled.
    bool predict(const QRect& region, PredictedRegion& out, const std::function<bool()>& cancelled = {},
                 QString* error = nullptr, const std::function<void(int, int)>& progress = {});
    // Predicts `regions` in order and hands each to `done` as it finishes; stops at the first
    // failure or cancel (false, as predict()).
    bool run(const QList<QRect>& regions, const std::function<void(PredictedRegion&)>& done,
             const std::function<bool()>& cancelled = {}, QString* error = nullptr);

    // The command line's Segment Image: every region of `document` (whose image this job reads)
    // predicted and written in place, in the window's order from the image centre, through the
    // window's writer. `progress(regionsDone, regionsTotal)` after each region; `cancelled` is
    // asked between regions (false, no error, when it says so).
    bool segmentDocument(LabelDocument& document, const PredictionRules& rules,
                         const std::function<void(int, int)>& progress = {}, QString* error = nullptr,
                         const std::function<bool()>& cancelled = {});

    const ModelInput& input() const { return m_input; }

private:
    inference::TiledPredictor& m_predictor;
    const RasterSource& m_image;
    ModelInput m_input;
    int m_context;
};

} // namespace segstudio

#pragma once

#include "app/jobs/model_input.h"

#include <QString>
#include <cstdint>
#include <functional>
#include <vector>

namespace segstudio {

class RasterSource;
namespace inference {
class TiledPredictor;
}

// A raster of any size predicted straight from its file, a band of rows at a time
// (TiledPredictor::predictRows): the rows are read through ModelInput once each, pixels with no
// data get no class (Unlabeled) and confidence 0 as in SegmentationJob, and finished rows go to
// the caller top to bottom. Memory is a band of the image and one row of windows' sums,
// whatever the raster's height; every window is predicted once (no margins predicted twice).
// The command line's predict writes its outputs through it.
class RasterRowPrediction {
public:
    using TakeRows =
        std::function<bool(int y, int rows, const uint8_t* classes, const float* confidence, QString* error)>;

    RasterRowPrediction(inference::TiledPredictor& predictor, const RasterSource& image);

    // Predicts rows [firstRow, endRow) and hands them to `take`; `progress(windowsDone,
    // windowsTotal)` between batches. False with *error on a read, prediction or `take` failure.
    bool run(int firstRow, int endRow, const TakeRows& take, const std::function<void(int, int)>& progress,
             QString* error);

private:
    // Makes m_rgb hold rows [y, y + rows), reading only those not held yet.
    bool holdRows(int y, int rows, QString* error);

    inference::TiledPredictor& m_predictor;
    const RasterSource& m_image;
    ModelInput m_input;
    std::vector<uint8_t> m_rgb; // rows [m_top, m_top + m_rows), 3 bytes a pixel
    int m_top = 0, m_rows = 0;
    // Which pixels hold no data, rows [m_emptyTop, …): read with the image, dropped once handed on.
    std::vector<uint8_t> m_empty;
    int m_emptyTop = 0;
};

} // namespace segstudio

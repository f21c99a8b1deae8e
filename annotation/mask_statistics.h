#pragma once

#include <QtGlobal>

namespace segstudio {

class LabelMask;

// What a mask says about the work on its image: how many pixels each provenance holds and how
// sure the model was where it predicted. Reads every pixel: call on a worker thread.
struct MaskStatistics {
    qint64 pixels = 0;
    qint64 predicted = 0;
    qint64 edited = 0;
    qint64 reviewed = 0;
    double meanPredictedConfidence = -1; // 0-1 over predicted pixels; -1 when none has one

    static MaskStatistics of(const LabelMask& mask);
};

} // namespace segstudio

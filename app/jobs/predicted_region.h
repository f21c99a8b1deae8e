#pragma once

#include <QMetaType>
#include <QRect>
#include <cstdint>
#include <vector>

namespace segstudio {

// One finished piece of a segmentation job: the class and the confidence (maximum softmax
// probability, 0-1) of every pixel of `rect`, row-major.
struct PredictedRegion {
    quint64 job = 0; // the job that asked for it (stale results are dropped by it)
    int version = 0; // the model version that predicted it
    QRect rect;      // image pixels
    std::vector<uint8_t> classes;
    std::vector<float> confidence;
};

} // namespace segstudio

Q_DECLARE_METATYPE(segstudio::PredictedRegion)

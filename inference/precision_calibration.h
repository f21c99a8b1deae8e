#pragma once
// What `--precision auto` means on a CPU, decided by measurement: bf16 helps on CPUs with native
// bf16 arithmetic (AMX, AVX-512 BF16) and is ten times slower on those without, so the choice is
// made by timing the model both ways on this machine, not by a rule about CPU names.

#include "inference/tiled_predictor.h"

#include <string>

namespace segstudio::inference {

// The same windows through the model in fp32 and in bf16.
struct PrecisionTrial {
    double fp32Seconds = 0;     // the faster of the timed passes
    double bf16Seconds = 0;     // 0 when bf16 could not run
    double agreement = 0;       // share of pixels whose most likely class is the same in both;
                                // below 0: not compared (training, whose weights stay fp32)
    std::string error;          // why bf16 could not run, if it could not
    bool firstPassOnly = false; // settled by the untimed first passes (firstPassesSettle)
};

struct PrecisionDecision {
    std::string precision; // "fp32" or "bf16"
    std::string reason;    // in words, for the status bar and `version`: "bf16 1.35× fp32, …"
};

// bf16 only where it is at least MinimumSpeedup times as fast as fp32 and agrees with it on at
// least MinimumAgreement of the pixels; fp32 everywhere else, so auto never takes the slow or
// the inaccurate path.
constexpr double MinimumSpeedup = 1.2;
constexpr double MinimumAgreement = 0.99;
PrecisionDecision decidePrecision(const PrecisionTrial& trial);

// Whether the first, untimed passes (a window of half the side) already settle the choice: bf16
// at least FirstPassGap times as slow as fp32 and FirstPassSeconds slower. No kernel set-up
// explains such a gap (it is bf16 without native arithmetic, 10-25x slower), and the three timed
// passes at full size would cost most of a minute on a large network (DeepLabV3-ResNet50). A
// small network never settles here: its full measurement takes a second anyway.
constexpr double FirstPassGap = 4.0;
constexpr double FirstPassSeconds = 1.0;
bool firstPassesSettle(double fp32Seconds, double bf16Seconds);

// Times `batch` windows of tile² pixels cut from `sample` (reflected where it is smaller)
// through copies of `model` in fp32 and in bf16 on the CPU, alternately, and compares their
// argmax. The model itself is left as it was. A second or two on a CPU without native bf16.
PrecisionTrial measurePrecision(const SegmentationModel& model, const ImageView& sample, int tile = 256,
                                int batch = 1, int threads = 0);

// The same for learning: `steps` training steps of `batch` crop² windows (a synthetic image, the
// batch norm frozen as when learning from corrections) through copies of `model` in fp32 and
// under bf16 autocast, after one untimed step each. Agreement is not compared (negative).
PrecisionTrial measureTrainingPrecision(const SegmentationModel& model, int crop = 128, int batch = 1,
                                        int threads = 0);

// "AMD EPYC 7B13" from /proc/cpuinfo, with the bf16 features the CPU has ("AMX", "AVX-512
// BF16") after it; "unknown CPU" where it cannot be read.
std::string cpuDescription();

} // namespace segstudio::inference

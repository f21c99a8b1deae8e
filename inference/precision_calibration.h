#pragma once
// What `--precision auto` means on a CPU, decided by measurement: bf16 helps on CPUs with native
// bf16 arithmetic (AMX, AVX-512 BF16) and is ten times slower on those without, so the choice is
// made by timing the model both ways on this machine, not by a rule about CPU names.

#include "inference/tiled_predictor.h"

#include <string>

namespace segstudio::inference {

// The same windows through the model in fp32 and in bf16, each in the plain (NCHW) and the
// channels-last layout. On a Xeon with AMX, 512² windows of the default model in bf16 ran at
// 0.9x fp32 in the plain layout and 3x in channels-last (docs/benchmarks.md): the layout decides
// as much as the precision, so both are measured, at the size the predictor will use.
struct PrecisionTrial {
    double fp32Seconds = 0;             // the faster of the timed passes, plain layout
    double bf16Seconds = 0;             // 0 when bf16 could not run
    double agreement = 0;               // share of pixels whose most likely class is the same in both
                                        // (the lower of bf16's two layouts); below 0: not compared
                                        // (training, whose weights stay fp32)
    std::string error;                  // why bf16 could not run, if it could not
    bool firstPassOnly = false;         // settled by the untimed first passes (firstPassesSettle):
                                        // the two seconds above are theirs, and no layout was timed
    double fp32ChannelsLastSeconds = 0; // 0: not measured
    double bf16ChannelsLastSeconds = 0;
};

struct PrecisionDecision {
    std::string precision;     // "fp32" or "bf16"
    std::string reason;        // in words, for the status bar and `version`: "bf16 1.35× fp32, …"
    bool channelsLast = false; // the layout measured faster in that precision
};

// bf16 only where its faster layout is at least MinimumSpeedup times as fast as fp32's faster
// one and agrees with fp32 on at least MinimumAgreement of the pixels; fp32 everywhere else, so
// auto never takes the slow or the inaccurate path. Channels-last where, in the chosen
// precision, it is at least ChannelsLastMargin times as fast as the plain layout (a margin: the
// two are often within noise of each other). The ratio in the reason is against plain fp32.
constexpr double MinimumSpeedup = 1.2;
constexpr double MinimumAgreement = 0.99;
constexpr double ChannelsLastMargin = 1.05;
PrecisionDecision decidePrecision(const PrecisionTrial& trial);

// Whether the first, untimed passes (one window of half the side, `scale` times fewer pixels
// than the timed batch) already settle the choice: bf16 at least FirstPassGap times as slow as
// fp32, and a timed bf16 pass projected to take FirstPassSeconds or more. No kernel set-up
// explains such a gap (it is bf16 without native arithmetic, 10-25x slower), and the timed passes
// at full size would cost most of a minute on a large network (DeepLabV3-ResNet50). A small
// network never settles here: its full measurement takes a second anyway.
constexpr double FirstPassGap = 4.0;
constexpr double FirstPassSeconds = 1.0;
bool firstPassesSettle(double fp32Seconds, double bf16Seconds, double scale = 1.0);

// Times `batch` windows of tile² pixels cut from `sample` (reflected where it is smaller)
// through copies of `model` in fp32 and in bf16 on the CPU, each in both layouts, alternately
// (one untimed pass each, then two timed, or one where a round takes over 2 s), and compares
// their argmax. The model itself is left
// as it was. A few seconds; where bf16 is far slower, its first passes end the trial early.
PrecisionTrial measurePrecision(const SegmentationModel& model, const ImageView& sample, int tile = 256,
                                int batch = 1, int threads = 0);

// A training step's first look, on one crop of half the side, ends the trial where bf16 is at
// least this many times as slow: far from the 1.2x it would need at any size.
constexpr double TrainingProbeGap = 2.5;

// The same for learning, at the crop and batch learning uses (bf16 autocast measured 4.6x
// fp32 on single 128² crops of the default model on a Xeon with AMX, and 1.0x on batches of
// four 256² crops): training steps of `batch` crop² windows (a synthetic image, the batch norm
// frozen as when learning from corrections) through copies of `model` in fp32 and under bf16
// autocast, after the probe (TrainingProbeGap) and one untimed step each. Agreement is not
// compared (negative).
PrecisionTrial measureTrainingPrecision(const SegmentationModel& model, int crop = 128, int batch = 1,
                                        int threads = 0);

// Learning from corrections (decoder and head only, FrozenEncoderForward) in fp32: its steps
// timed in the plain and the channels-last layout (fp32Seconds, fp32ChannelsLastSeconds; one
// untimed step each, then two timed), on copies of `model`. bf16 is not tried, however much
// faster: bf16 channels-last learning gained less over five seeds than fp32 in either layout,
// one round falling by 0.020 (docs/learning.md, eleventh and twelfth series); bf16 in the plain
// layout was never measured for quality. A TorchScript model has no decoder-only path: nothing
// is timed (both 0).
PrecisionTrial measureLearningLayouts(const SegmentationModel& model, int crop, int batch, int threads = 0);

// fp32, channels-last where it measured at least ChannelsLastMargin times as fast; the reason in
// words ("fp32 (learning), channels-last 1.23×").
PrecisionDecision decideLearningLayout(const PrecisionTrial& trial);

// "AMD EPYC 7B13" from /proc/cpuinfo, with the bf16 features the CPU has ("AMX", "AVX-512
// BF16") after it; "unknown CPU" where it cannot be read.
std::string cpuDescription();

} // namespace segstudio::inference

#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace segstudio::inference {

class SegmentationModel;

// One training image: interleaved 8-bit RGB, class per pixel (255 = ignore), and optionally a
// weight per pixel (empty = 1 everywhere; corrected pixels may weigh more).
struct TrainingSample {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> rgb;
    std::vector<uint8_t> mask;
    std::vector<float> weight;
};

struct TrainOptions {
    int steps = 500;
    int batch = 8;
    int crop = 256;             // training windows are crop × crop (multiple of 32)
    double learningRate = 1e-3; // AdamW peak, after linear warm-up, then cosine decay
    double weightDecay = 1e-4;
    int warmupSteps = -1;         // -1: 5 % of the steps
    double diceWeight = 0;        // > 0 adds that much soft Dice loss to cross-entropy
    bool freezeBatchNorm = false; // keep running statistics fixed (tiny batches)
    // Train the built-in network's decoder and head only, its encoder fixed: a few corrections
    // adapt how features become classes without moving the features the rest of the image
    // relies on (a TorchScript model trains whole).
    bool decoderOnly = false;
    // Keep the average of the weights over the second half of the steps instead of the last
    // step's (stochastic weight averaging): less of the last few batches' luck. Meant for
    // fine-tuning with frozen batch norm (running statistics are not re-estimated).
    bool averageWeights = false;
    // With decoderOnly and freezeBatchNorm on the built-in network: the decoder's weights and the
    // windows in the channels-last layout while training (FrozenEncoderForward), back in the
    // plain layout after. Faster on some CPUs, slower on others: the window sets it from
    // measurement (measureLearningLayouts, via PrecisionChoice::resolveTraining). Ignored on
    // any other path.
    bool channelsLast = false;
    bool augment = true; // flips, 90° rotations, scale, brightness/contrast/colour jitter
    // With augment: the brightness, contrast, saturation, white-balance and gamma jitter. Off
    // when fine-tuning on the image being predicted, whose colours are the ones that count.
    bool photometricJitter = true;
    double minScale = 0.75; // with augment: windows of crop/scale source pixels, resized to crop
    double maxScale = 1.33;
    bool balanceClasses = true; // half the windows centre on a pixel of a class drawn uniformly
    // Samples are drawn in proportion to (labelled pixels)^samplingPower: 1 weighs every pixel
    // alike; 0.5 keeps a few very large images (one area) from crowding out the rest.
    double samplingPower = 1.0;
    std::string device = "auto";
    std::string precision = "auto"; // auto: bf16 autocast on CUDA, fp32 on CPU; bf16: autocast on either
    int threads = 0;
    uint64_t seed = 1;
    int checkpointEvery = 0; // steps; 0 = none
    std::string checkpointPath;
};

// Empty when `options` can be used; else which option is out of its range, in words. Checked
// by Trainer::create, and by the command line before it loads any data.
std::string trainOptionsProblem(const TrainOptions& options);

struct TrainStep {
    int step = 0;
    int steps = 0;
    double loss = 0;
    double learningRate = 0;
};

struct TrainResult {
    int steps = 0;
    double finalLoss = 0; // mean of the last 10 % of the steps
    bool cancelled = false;
    long long labelledPixels = 0;
};

// Fine-tunes any loaded model (built-in or TorchScript) on image/mask pairs: random crops
// (centred on labelled pixels half of the time, so sparse corrections are found), cross-
// entropy with ignore index 255 and per-pixel weights, optional Dice, AdamW. Honors cancel
// between steps; reports every step.
// How likely each sample is to be drawn for a training window, from its labelled pixel count:
// count^power, and 0 for a sample with nothing labelled (whatever the power).
std::vector<double> samplingOdds(const std::vector<long long>& labelledPixels, double power);

class Trainer {
public:
    static std::unique_ptr<Trainer> create(SegmentationModel& model, const TrainOptions& options,
                                           std::string* error);
    ~Trainer();

    bool train(const std::vector<TrainingSample>& samples, TrainResult& result,
               const std::function<void(const TrainStep&)>& progress = {},
               const std::atomic<bool>* cancel = nullptr, std::string* error = nullptr);
    std::string deviceDescription() const;

private:
    struct Impl;
    explicit Trainer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace segstudio::inference

#include "inference/precision_calibration.h"

#include "inference/device_select.h"
#include "inference/model_impl.h"
#include "inference/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace segstudio::inference {
namespace {

std::string ratio(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f×", value);
    return text;
}

std::string percent(double share) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f %%", share * 100);
    return text;
}

// A normalised 1×3×tile×tile batch (repeated `batch` times) from the top-left of `sample`.
torch::Tensor sampleBatch(const SegmentationModel& model, const ImageView& sample, int tile, int batch) {
    auto image = torch::empty({tile, tile, 3}, torch::kUInt8);
    uint8_t* out = image.data_ptr<uint8_t>();
    const size_t stride = sample.stride ? sample.stride : size_t(sample.width) * 3;
    for (int y = 0; y < tile; ++y)
        for (int x = 0; x < tile; ++x) {
            // Mirrored past the sample's edge, as the predictor pads.
            const int sy =
                (y / sample.height) % 2 ? sample.height - 1 - y % sample.height : y % sample.height;
            const int sx = (x / sample.width) % 2 ? sample.width - 1 - x % sample.width : x % sample.width;
            std::memcpy(out + (size_t(y) * tile + x) * 3, sample.rgb + size_t(sy) * stride + size_t(sx) * 3,
                        3);
        }
    const auto& md = model.metadata();
    const auto mean = torch::tensor({md.mean[0], md.mean[1], md.mean[2]}).view({1, 3, 1, 1});
    const auto std = torch::tensor({md.std[0], md.std[1], md.std[2]}).view({1, 3, 1, 1});
    const auto input = image.permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat32).div_(255.0);
    return ((input - mean) / std).repeat({batch, 1, 1, 1}).contiguous();
}

} // namespace

bool firstPassesSettle(double fp32Seconds, double bf16Seconds, double scale) {
    return fp32Seconds > 0 && bf16Seconds >= FirstPassGap * fp32Seconds &&
           bf16Seconds * std::max(1.0, scale) >= FirstPassSeconds;
}

PrecisionDecision decidePrecision(const PrecisionTrial& trial) {
    // The faster layout of a precision, and whether it is channels-last.
    const auto faster = [](double plain, double channelsLast) {
        const bool last = channelsLast > 0 && channelsLast * ChannelsLastMargin <= plain;
        return std::pair<double, bool>{last ? channelsLast : plain, last};
    };
    const auto [fp32Best, fp32Last] = faster(trial.fp32Seconds, trial.fp32ChannelsLastSeconds);
    const std::string layout = fp32Last ? ", channels-last " + ratio(trial.fp32Seconds / fp32Best) : "";
    if (trial.bf16Seconds <= 0 || trial.fp32Seconds <= 0)
        return {"fp32",
                "bf16 cannot run here" + (trial.error.empty() ? std::string() : " (" + trial.error + ")") +
                    layout,
                fp32Last};
    const auto [bf16Best, bf16Last] = faster(trial.bf16Seconds, trial.bf16ChannelsLastSeconds);
    const double speedup = fp32Best / bf16Best;
    const bool compared = trial.agreement >= 0;
    const std::string measured = "bf16" + std::string(bf16Last ? " channels-last" : "") + " " +
                                 ratio(trial.fp32Seconds / bf16Best) + " fp32" +
                                 (trial.firstPassOnly ? " on a first pass" : "") +
                                 (compared ? ", agrees on " + percent(trial.agreement) : "");
    if (speedup < MinimumSpeedup)
        return {"fp32", measured + ": not faster" + layout, fp32Last};
    if (compared && trial.agreement < MinimumAgreement)
        return {"fp32", measured + ": too far from fp32" + layout, fp32Last};
    return {"bf16", measured, bf16Last};
}

PrecisionTrial measurePrecision(const SegmentationModel& model, const ImageView& sample, int tile, int batch,
                                int threads) {
    PrecisionTrial trial;
    DeviceChoice choice;
    std::string why;
    chooseDevice("cpu", "fp32", threads, choice, &why); // sets the thread count
    tile = std::max(32, (tile + 31) / 32 * 32);
    batch = std::max(1, batch);
    const int probeTile = std::max(32, tile / 2 / 32 * 32);
    // Copies of the model (the one in use is not touched), one per precision and layout, except
    // that a TorchScript model's weights follow the input's layout: its channels-last variants
    // run the plain variants' copies (`network` null).
    struct Variant {
        std::unique_ptr<SegmentationModel> network;
        bool bf16 = false;
        bool channelsLast = false;
        double seconds = 1e30;
        torch::Tensor classes;
        Variant(std::unique_ptr<SegmentationModel> copy, bool inBf16, bool inChannelsLast)
            : network(std::move(copy))
            , bf16(inBf16)
            , channelsLast(inChannelsLast) {}
    };
    std::vector<Variant> variants;
    variants.emplace_back(model.clone(), false, false);
    variants.emplace_back(model.clone(), true, false);
    torch::Tensor input, probe;
    {
        torch::InferenceMode guard;
        input = sampleBatch(model, sample, tile, batch);
        probe = sampleBatch(model, sample, probeTile, 1);
    }
    try {
        variants[1].network->impl().moveTo(torch::kCPU, torch::kBFloat16);
    } catch (const c10::Error& e) {
        trial.error = e.what_without_backtrace();
        variants.pop_back();
    } catch (const std::exception& e) { // oneDNN's own error, where it has no kernel for bf16
        trial.error = e.what();
        variants.pop_back();
    }
    for (auto& v : variants)
        v.network->impl().setTraining(false);
    const size_t plain = variants.size();
    const auto run = [&](size_t i, const torch::Tensor& x) {
        Variant& v = variants[i];
        SegmentationModel& network = v.network ? *v.network : *variants[i - plain].network;
        auto in = v.bf16 ? x.to(torch::kBFloat16) : x;
        in = v.channelsLast ? in.contiguous(torch::MemoryFormat::ChannelsLast) : in.contiguous();
        const auto start = std::chrono::steady_clock::now();
        const auto classes = network.impl().forward(in).argmax(1);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        v.classes = classes;
        return seconds;
    };
    const auto agreementOf = [](const Variant& a, const Variant& b) {
        return a.classes.eq(b.classes).to(torch::kFloat64).mean().item<double>();
    };
    for (size_t i = 0; i < plain; ++i) { // made before inference mode: their weights change
        Variant last(model.isTorchScript() ? nullptr : variants[i].network->clone(), variants[i].bf16, true);
        if (last.network) {
            if (last.bf16) // a clone is fp32 on the CPU: the same precision first, then the layout
                last.network->impl().moveTo(torch::kCPU, torch::kBFloat16);
            last.network->impl().setTraining(false);
            last.network->impl().useChannelsLast();
        }
        variants.push_back(std::move(last));
    }
    torch::InferenceMode guard;
    // First passes choose kernels and allocate, so they are not what is timed below; one window
    // of half the side first, though, can already show that bf16 has no chance here.
    const double fp32First = run(0, probe);
    if (plain > 1) {
        try {
            const double bf16First = run(1, probe);
            const double scale = double(tile) * tile * batch / (double(probeTile) * probeTile);
            if (firstPassesSettle(fp32First, bf16First, scale)) {
                trial.fp32Seconds = fp32First;
                trial.bf16Seconds = bf16First;
                trial.agreement = agreementOf(variants[0], variants[1]);
                trial.firstPassOnly = true;
                return trial;
            }
        } catch (const c10::Error& e) {
            trial.error = e.what_without_backtrace(); // the fp32 variants go on below
        } catch (const std::exception& e) { // oneDNN's own error, where it has no bf16 kernel
            trial.error = e.what();
        }
    }
    // An untimed pass each at this size, then timed passes, alternately, so that a change of
    // clock hits all of them: two where a round of them is quick, one where it takes seconds (a
    // large network, where one pass is long enough to time well and a second would cost the
    // person seconds more before the first prediction). A bf16 failure leaves the fp32 figures.
    double lastRound = 0;
    for (int pass = 0; pass < 3 && !(pass == 2 && lastRound > 2.0); ++pass) {
        lastRound = 0;
        for (size_t i = 0; i < variants.size(); ++i) {
            if (variants[i].bf16 && !trial.error.empty())
                continue;
            try {
                const double seconds = run(i, input);
                lastRound += seconds;
                if (pass > 0)
                    variants[i].seconds = std::min(variants[i].seconds, seconds);
            } catch (const c10::Error& e) {
                if (!variants[i].bf16)
                    throw;
                trial.error = e.what_without_backtrace();
            } catch (const std::exception& e) { // oneDNN's own error, where it has no bf16 kernel
                if (!variants[i].bf16)
                    throw;
                trial.error = e.what();
            }
        }
    }
    trial.agreement = 1;
    for (const auto& v : variants) {
        if (v.bf16 && !trial.error.empty())
            continue;
        if (v.bf16)
            trial.agreement = std::min(trial.agreement, agreementOf(variants[0], v));
        double& seconds = v.bf16 ? (v.channelsLast ? trial.bf16ChannelsLastSeconds : trial.bf16Seconds)
                                 : (v.channelsLast ? trial.fp32ChannelsLastSeconds : trial.fp32Seconds);
        seconds = v.seconds;
    }
    return trial;
}

namespace {

// Stripes of every class over a smooth texture, side × side: what training steps on it learn
// does not matter.
TrainingSample stripedSample(int side, int classes) {
    TrainingSample sample;
    sample.width = sample.height = side;
    sample.rgb.resize(size_t(side) * side * 3);
    sample.mask.resize(size_t(side) * side);
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x) {
            const size_t i = size_t(y) * side + x;
            for (int c = 0; c < 3; ++c)
                sample.rgb[i * 3 + c] =
                    uint8_t(128 + 100 * std::sin((x + 30 * c) / 20.0) * std::cos(y / 25.0));
            sample.mask[i] = uint8_t((x / 16) % std::max(1, classes));
        }
    return sample;
}

// Seconds a training step of a copy of `model` (batch norm frozen, as when learning) takes on
// the CPU, over `steps` steps; 0 with *error set where it cannot train.
double secondsPerTrainingStep(const SegmentationModel& model, const TrainingSample& sample,
                              TrainOptions options, int steps, std::string* error) {
    auto copy = model.clone();
    options.device = "cpu";
    options.steps = steps;
    options.warmupSteps = 1;
    options.batch = std::max(1, options.batch);
    options.freezeBatchNorm = true;
    auto trainer = Trainer::create(*copy, options, error);
    TrainResult result;
    const auto start = std::chrono::steady_clock::now();
    if (!trainer || !trainer->train({sample}, result, {}, nullptr, error))
        return 0.0;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / steps;
}

} // namespace

PrecisionTrial measureTrainingPrecision(const SegmentationModel& model, int crop, int batch, int threads) {
    PrecisionTrial trial;
    trial.agreement = -1;
    const TrainingSample sample = stripedSample(std::max(64, crop * 2), model.classCount());
    const auto secondsPerStep = [&](const std::string& precision, int steps, std::string* error, int stepCrop,
                                    int stepBatch) {
        TrainOptions options;
        options.precision = precision;
        options.crop = stepCrop;
        options.batch = stepBatch;
        options.threads = threads;
        return secondsPerTrainingStep(model, sample, options, steps, error);
    };
    // A step of one crop of half the side each first: where bf16 has no native arithmetic it is
    // 3x slower there (0.33x, AMD EPYC) and 21x at 256², batch 4, so it ends the trial. Else one
    // untimed step each at the size learning uses (kernels chosen, memory allocated), then two
    // timed steps each.
    const int probeCrop = std::max(32, crop / 2 / 32 * 32);
    const double fp32Probe = secondsPerStep("fp32", 1, &trial.error, probeCrop, 1);
    const double bf16Probe = fp32Probe > 0 ? secondsPerStep("bf16", 1, &trial.error, probeCrop, 1) : 0;
    if (fp32Probe <= 0 || bf16Probe <= 0) {
        trial.bf16Seconds = 0;
        return trial;
    }
    if (bf16Probe >= TrainingProbeGap * fp32Probe) {
        trial.fp32Seconds = fp32Probe;
        trial.bf16Seconds = bf16Probe;
        trial.firstPassOnly = true;
        return trial;
    }
    if (secondsPerStep("fp32", 1, &trial.error, crop, batch) <= 0 ||
        secondsPerStep("bf16", 1, &trial.error, crop, batch) <= 0) {
        trial.bf16Seconds = 0;
        return trial;
    }
    trial.fp32Seconds = secondsPerStep("fp32", 2, &trial.error, crop, batch);
    trial.bf16Seconds = secondsPerStep("bf16", 2, &trial.error, crop, batch);
    return trial;
}

PrecisionTrial measureLearningLayouts(const SegmentationModel& model, int crop, int batch, int threads) {
    PrecisionTrial trial;
    trial.agreement = -1;
    if (!model.impl().builtIn)
        return trial;
    const TrainingSample sample = stripedSample(std::max(64, crop * 2), model.classCount());
    TrainOptions options;
    options.precision = "fp32";
    options.crop = crop;
    options.batch = batch;
    options.threads = threads;
    options.decoderOnly = true;
    TrainOptions channelsLast = options;
    channelsLast.channelsLast = true;
    // One untimed step each (kernels chosen, memory allocated), then two timed steps each.
    if (secondsPerTrainingStep(model, sample, options, 1, &trial.error) <= 0 ||
        secondsPerTrainingStep(model, sample, channelsLast, 1, &trial.error) <= 0)
        return trial;
    trial.fp32Seconds = secondsPerTrainingStep(model, sample, options, 2, &trial.error);
    trial.fp32ChannelsLastSeconds = secondsPerTrainingStep(model, sample, channelsLast, 2, &trial.error);
    return trial;
}

PrecisionDecision decideLearningLayout(const PrecisionTrial& trial) {
    const bool last = trial.fp32Seconds > 0 && trial.fp32ChannelsLastSeconds > 0 &&
                      trial.fp32ChannelsLastSeconds * ChannelsLastMargin <= trial.fp32Seconds;
    std::string reason = "fp32 (learning)";
    if (trial.fp32Seconds > 0 && trial.fp32ChannelsLastSeconds > 0)
        reason += std::string(last ? ", channels-last " : ", plain layout: channels-last ") +
                  ratio(trial.fp32Seconds / trial.fp32ChannelsLastSeconds);
    else
        reason += ", plain layout" + (trial.error.empty() ? std::string() : " (" + trial.error + ")");
    return {"fp32", reason, last};
}

std::string cpuDescription() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line, name, flags;
    while (std::getline(cpuinfo, line) && (name.empty() || flags.empty())) {
        const auto colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        const std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
        const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : std::string();
        if (key == "model name" && name.empty())
            name = value;
        else if (key == "flags" && flags.empty())
            flags = " " + value + " ";
    }
    if (name.empty())
        name = "unknown CPU";
    std::string features;
    if (flags.find(" amx_bf16 ") != std::string::npos)
        features += ", AMX";
    if (flags.find(" avx512_bf16 ") != std::string::npos)
        features += ", AVX-512 BF16";
    return features.empty() ? name : name + " (" + features.substr(2) + ")";
}

} // namespace segstudio::inference

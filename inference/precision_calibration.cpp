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

bool firstPassesSettle(double fp32Seconds, double bf16Seconds) {
    return fp32Seconds > 0 && bf16Seconds >= FirstPassGap * fp32Seconds &&
           bf16Seconds - fp32Seconds >= FirstPassSeconds;
}

PrecisionDecision decidePrecision(const PrecisionTrial& trial) {
    if (trial.bf16Seconds <= 0 || trial.fp32Seconds <= 0)
        return {"fp32",
                "bf16 cannot run here" + (trial.error.empty() ? std::string() : " (" + trial.error + ")")};
    const double speedup = trial.fp32Seconds / trial.bf16Seconds;
    const bool compared = trial.agreement >= 0;
    const std::string measured = "bf16 " + ratio(speedup) + " fp32" +
                                 (trial.firstPassOnly ? " on a first pass" : "") +
                                 (compared ? ", agrees on " + percent(trial.agreement) : "");
    if (speedup < MinimumSpeedup)
        return {"fp32", measured + ": not faster"};
    if (compared && trial.agreement < MinimumAgreement)
        return {"fp32", measured + ": too far from fp32"};
    return {"bf16", measured};
}

PrecisionTrial measurePrecision(const SegmentationModel& model, const ImageView& sample, int tile, int batch,
                                int threads) {
    PrecisionTrial trial;
    DeviceChoice choice;
    std::string why;
    chooseDevice("cpu", "fp32", threads, choice, &why); // sets the thread count
    tile = std::max(32, (tile + 31) / 32 * 32);
    auto fp32 = model.clone(); // CPU fp32 copies: the model in use is not touched
    auto bf16 = model.clone();
    torch::Tensor input, probe;
    {
        torch::InferenceMode guard;
        input = sampleBatch(model, sample, tile, std::max(1, batch));
        probe = sampleBatch(model, sample, std::max(32, tile / 2 / 32 * 32), 1);
    }
    try {
        bf16->impl().moveTo(torch::kCPU, torch::kBFloat16);
    } catch (const c10::Error& e) {
        trial.error = e.what_without_backtrace();
    }
    fp32->impl().setTraining(false);
    bf16->impl().setTraining(false);
    const auto timed = [](SegmentationModel& network, const torch::Tensor& x, torch::Tensor* classes) {
        const auto start = std::chrono::steady_clock::now();
        const auto logits = network.impl().forward(x);
        if (classes)
            *classes = logits.argmax(1);
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    torch::InferenceMode guard;
    torch::Tensor fp32Classes, bf16Classes;
    const auto firstPasses = [&](const torch::Tensor& x, double* fp32Seconds, double* bf16Seconds) {
        *fp32Seconds = timed(*fp32, x, &fp32Classes);
        *bf16Seconds = 0;
        if (trial.error.empty()) {
            try {
                *bf16Seconds = timed(*bf16, x.to(torch::kBFloat16), &bf16Classes);
            } catch (const c10::Error& e) {
                trial.error = e.what_without_backtrace();
            }
        }
    };
    // First passes choose kernels and allocate, so they are not what is timed below; a quarter of
    // the pixels first, though, can already show that bf16 has no chance here.
    double fp32First = 0, bf16First = 0;
    firstPasses(probe, &fp32First, &bf16First);
    if (trial.error.empty() && firstPassesSettle(fp32First, bf16First)) {
        trial.fp32Seconds = fp32First;
        trial.bf16Seconds = bf16First;
        trial.agreement = fp32Classes.eq(bf16Classes).to(torch::kFloat64).mean().item<double>();
        trial.firstPassOnly = true;
        return trial;
    }
    firstPasses(input, &fp32First, &bf16First);
    const auto bf16Input = input.to(torch::kBFloat16);
    trial.fp32Seconds = 1e30;
    trial.bf16Seconds = trial.error.empty() ? 1e30 : 0;
    for (int pass = 0; pass < 2; ++pass) { // alternately, so a change of clock hits both
        trial.fp32Seconds = std::min(trial.fp32Seconds, timed(*fp32, input, nullptr));
        if (trial.error.empty())
            trial.bf16Seconds = std::min(trial.bf16Seconds, timed(*bf16, bf16Input, nullptr));
    }
    if (trial.error.empty())
        trial.agreement = fp32Classes.eq(bf16Classes).to(torch::kFloat64).mean().item<double>();
    return trial;
}

PrecisionTrial measureTrainingPrecision(const SegmentationModel& model, int crop, int batch, int threads) {
    PrecisionTrial trial;
    trial.agreement = -1;
    // Stripes of every class over a smooth texture: what the steps learn does not matter.
    TrainingSample sample;
    sample.width = sample.height = std::max(64, crop * 2);
    sample.rgb.resize(size_t(sample.width) * sample.height * 3);
    sample.mask.resize(size_t(sample.width) * sample.height);
    for (int y = 0; y < sample.height; ++y)
        for (int x = 0; x < sample.width; ++x) {
            const size_t i = size_t(y) * sample.width + x;
            for (int c = 0; c < 3; ++c)
                sample.rgb[i * 3 + c] =
                    uint8_t(128 + 100 * std::sin((x + 30 * c) / 20.0) * std::cos(y / 25.0));
            sample.mask[i] = uint8_t((x / 16) % std::max(1, model.classCount()));
        }
    const auto secondsPerStep = [&](const std::string& precision, int steps, std::string* error) {
        auto copy = model.clone();
        TrainOptions options;
        options.device = "cpu";
        options.precision = precision;
        options.steps = steps;
        options.warmupSteps = 1;
        options.batch = std::max(1, batch);
        options.crop = crop;
        options.threads = threads;
        options.freezeBatchNorm = true;
        auto trainer = Trainer::create(*copy, options, error);
        TrainResult result;
        const auto start = std::chrono::steady_clock::now();
        if (!trainer || !trainer->train({sample}, result, {}, nullptr, error))
            return 0.0;
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / steps;
    };
    // One step each first (kernels chosen, memory allocated), then two timed steps each.
    if (secondsPerStep("fp32", 1, &trial.error) <= 0 || secondsPerStep("bf16", 1, &trial.error) <= 0) {
        trial.bf16Seconds = 0;
        return trial;
    }
    trial.fp32Seconds = secondsPerStep("fp32", 2, &trial.error);
    trial.bf16Seconds = secondsPerStep("bf16", 2, &trial.error);
    return trial;
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

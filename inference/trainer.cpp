#include "inference/trainer.h"

#include "inference/device_select.h"
#include "inference/frozen_encoder_forward.h"
#include "inference/model_impl.h"

#include <ATen/autocast_mode.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <new>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>

namespace segstudio::inference {
namespace {

constexpr double Pi = 3.14159265358979323846;

// Enables autocast in bf16 for the scope, on CUDA or on the CPU (no loss scaling needed, unlike
// fp16): weights and optimiser stay fp32, the convolutions run in bf16.
class AutocastScope {
public:
    AutocastScope(bool enabled, bool cuda)
        : m_enabled(enabled)
        , m_cuda(cuda) {
        if (!m_enabled)
            return;
        if (m_cuda) {
            m_previous = at::autocast::is_enabled();
            at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
            at::autocast::set_enabled(true);
        } else {
            m_previous = at::autocast::is_cpu_enabled();
            at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
            at::autocast::set_cpu_enabled(true);
        }
    }
    ~AutocastScope() {
        if (!m_enabled)
            return;
        if (m_cuda)
            at::autocast::set_enabled(m_previous);
        else
            at::autocast::set_cpu_enabled(m_previous);
        at::autocast::clear_cache();
    }

private:
    bool m_enabled;
    bool m_cuda;
    bool m_previous = false;
};

std::string isoNow() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    return text;
}

} // namespace

struct Trainer::Impl {
    SegmentationModel* model = nullptr;
    TrainOptions options;
    DeviceChoice choice;
    bool autocast = false;
    std::mt19937_64 random;

    // Up to this many positions per class and sample are kept for class-balanced centring.
    static constexpr size_t PositionsPerClass = 2048;
    // centres[sample][class]: a uniform random subset of that class's usable pixel indices.
    std::vector<std::vector<std::vector<uint32_t>>> centres;

    void collectCentres(const std::vector<TrainingSample>& samples, int classes) {
        centres.assign(samples.size(), std::vector<std::vector<uint32_t>>(size_t(classes)));
        for (size_t i = 0; i < samples.size(); ++i) {
            const TrainingSample& s = samples[i];
            std::vector<size_t> seen(size_t(classes), 0);
            for (size_t p = 0; p < s.mask.size(); ++p) {
                const uint8_t c = s.mask[p];
                if (c >= classes || (!s.weight.empty() && s.weight[p] <= 0))
                    continue;
                auto& kept = centres[i][c];
                const size_t n = ++seen[c];
                if (kept.size() < PositionsPerClass) {
                    kept.push_back(uint32_t(p));
                } else {
                    // Reservoir sampling keeps every pixel equally likely without a second pass.
                    const size_t slot = std::uniform_int_distribution<size_t>(0, n - 1)(random);
                    if (slot < PositionsPerClass)
                        kept[slot] = uint32_t(p);
                }
            }
        }
    }

    // A labelled pixel to centre the window on: of a uniformly drawn class present in the sample
    // when balancing (rare classes such as a user's few corrections of one kind are seen as often
    // as the dominant one), otherwise of any class in proportion to its pixels. -1: none.
    long long pickCentre(size_t sampleIndex) {
        const auto& perClass = centres[sampleIndex];
        std::vector<double> odds;
        for (const auto& positions : perClass)
            odds.push_back(positions.empty() ? 0.0 : options.balanceClasses ? 1.0 : double(positions.size()));
        if (std::all_of(odds.begin(), odds.end(), [](double o) { return o == 0; }))
            return -1;
        const auto& positions =
            perClass[std::discrete_distribution<size_t>(odds.begin(), odds.end())(random)];
        return positions[std::uniform_int_distribution<size_t>(0, positions.size() - 1)(random)];
    }

    // Cuts one crop × crop training window (padded with ignore where the image is smaller),
    // augmented; returns image 3×S×S float (0–1), target S×S long, weight S×S float.
    void sampleWindow(const std::vector<TrainingSample>& samples, size_t sampleIndex, torch::Tensor& image,
                      torch::Tensor& target, torch::Tensor& weight) {
        const TrainingSample& s = samples[sampleIndex];
        const int crop = options.crop;
        // Scale augmentation: the imagery's ground resolution varies between scenes.
        double scale = 1.0;
        if (options.augment && options.maxScale > options.minScale && options.minScale > 0)
            scale = std::exp(std::uniform_real_distribution<double>(std::log(options.minScale),
                                                                    std::log(options.maxScale))(random));
        // The model's input scale: it is trained on the scene at the magnification it predicts at.
        scale *= model->metadata().inputScale;
        const int size = std::max(8, int(std::lround(crop / scale)));
        std::uniform_int_distribution<int> anyX(0, std::max(0, s.width - size));
        std::uniform_int_distribution<int> anyY(0, std::max(0, s.height - size));
        int x0 = anyX(random), y0 = anyY(random);
        if (random() % 2 == 0) {
            // Centre on a labelled pixel: sparse corrections would otherwise rarely be seen.
            const long long p = pickCentre(sampleIndex);
            if (p >= 0) {
                const int px = int(p % s.width), py = int(p / s.width);
                std::uniform_int_distribution<int> jitter(-size / 4, size / 4);
                x0 = std::clamp(px - size / 2 + jitter(random), 0, std::max(0, s.width - size));
                y0 = std::clamp(py - size / 2 + jitter(random), 0, std::max(0, s.height - size));
            }
        }
        const int w = std::min(size, s.width), h = std::min(size, s.height);
        auto rgb = torch::zeros({size, size, 3}, torch::kUInt8);
        auto mask = torch::full({size, size}, 255, torch::kUInt8);
        auto pixelWeight = torch::zeros({size, size}, torch::kFloat32);
        auto* rgbOut = rgb.data_ptr<uint8_t>();
        auto* maskOut = mask.data_ptr<uint8_t>();
        auto* weightOut = pixelWeight.data_ptr<float>();
        for (int y = 0; y < h; ++y) {
            const size_t row = size_t(y0 + y) * s.width + x0;
            std::memcpy(rgbOut + size_t(y) * size * 3, s.rgb.data() + row * 3, size_t(w) * 3);
            std::memcpy(maskOut + size_t(y) * size, s.mask.data() + row, size_t(w));
            for (int x = 0; x < w; ++x)
                weightOut[size_t(y) * size + x] = s.weight.empty() ? 1.f : s.weight[row + x];
        }
        image = rgb.permute({2, 0, 1}).to(torch::kFloat32).div_(255.0);
        target = mask.to(torch::kLong);
        weight = pixelWeight;
        if (size != crop) {
            namespace F = torch::nn::functional;
            const std::vector<int64_t> out{crop, crop};
            image = F::interpolate(image.unsqueeze(0), F::InterpolateFuncOptions()
                                                           .size(out)
                                                           .mode(torch::kBilinear)
                                                           .align_corners(false)
                                                           .antialias(size > crop))
                        .squeeze(0);
            const auto nearest = F::InterpolateFuncOptions().size(out).mode(torch::kNearest);
            target = F::interpolate(target.view({1, 1, size, size}).to(torch::kFloat32), nearest)
                         .view({crop, crop})
                         .to(torch::kLong);
            weight = F::interpolate(weight.view({1, 1, size, size}), nearest).view({crop, crop});
        }
        if (!options.augment)
            return;
        if (random() % 2) {
            image = image.flip({2});
            target = target.flip({1});
            weight = weight.flip({1});
        }
        if (random() % 2) {
            image = image.flip({1});
            target = target.flip({0});
            weight = weight.flip({0});
        }
        const int quarterTurns = int(random() % 4);
        if (quarterTurns) {
            image = torch::rot90(image, quarterTurns, {1, 2});
            target = torch::rot90(target, quarterTurns, {0, 1});
            weight = torch::rot90(weight, quarterTurns, {0, 1});
        }
        if (!options.photometricJitter)
            return;
        // Photometric jitter: scenes differ in exposure, haze, white balance and saturation.
        std::uniform_real_distribution<double> brightness(-0.1, 0.1), contrast(0.8, 1.2),
            saturation(0.7, 1.3), channelGain(0.92, 1.08), gamma(0.8, 1.25);
        const auto gray = image.mean(0, true);
        image = gray + (image - gray) * saturation(random);
        image = image * torch::tensor({float(channelGain(random)), float(channelGain(random)),
                                       float(channelGain(random))})
                            .view({3, 1, 1});
        image = image.clamp_(0, 1).pow_(gamma(random));
        const double c = contrast(random);
        image = ((image - image.mean()) * c + image.mean() + brightness(random)).clamp_(0, 1);
    }

    double learningRateAt(int step) const {
        const int warmup = options.warmupSteps >= 0 ? options.warmupSteps : std::max(1, options.steps / 20);
        if (step < warmup)
            return options.learningRate * (step + 1) / warmup;
        const double progress = double(step - warmup) / std::max(1, options.steps - warmup);
        const double floor = 0.01 * options.learningRate;
        return floor + (options.learningRate - floor) * 0.5 * (1 + std::cos(Pi * progress));
    }

    torch::Tensor loss(const torch::Tensor& logits, const torch::Tensor& target,
                       const torch::Tensor& weight) {
        namespace F = torch::nn::functional;
        const auto valid = (target != 255).to(torch::kFloat32) * weight;
        const auto perPixel = F::cross_entropy(
            logits, target, F::CrossEntropyFuncOptions().ignore_index(255).reduction(torch::kNone));
        auto total = (perPixel * valid).sum() / valid.sum().clamp_min(1e-6);
        if (options.diceWeight > 0) {
            const int64_t classes = logits.size(1);
            const auto probabilities = torch::softmax(logits, 1);
            const auto oneHot = F::one_hot(target.masked_fill(target == 255, 0), classes)
                                    .permute({0, 3, 1, 2})
                                    .to(torch::kFloat32);
            const auto v = valid.unsqueeze(1);
            const auto intersection = (probabilities * oneHot * v).sum({0, 2, 3});
            const auto denominator = (probabilities * v).sum({0, 2, 3}) + (oneHot * v).sum({0, 2, 3});
            const auto present = ((oneHot * v).sum({0, 2, 3}) > 0).to(torch::kFloat32);
            const auto dice = (2 * intersection + 1) / (denominator + 1);
            const auto diceLoss = ((1 - dice) * present).sum() / present.sum().clamp_min(1);
            total = total + options.diceWeight * diceLoss;
        }
        return total;
    }
};

Trainer::Trainer(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl)) {
}
Trainer::~Trainer() = default;

std::string trainOptionsProblem(const TrainOptions& o) {
    const auto number = [](double value) {
        std::ostringstream text;
        text << value;
        return text.str();
    };
    if (o.steps < 1 || o.steps > 10'000'000)
        return "the step count must be from 1 to 10 000 000, not " + std::to_string(o.steps);
    if (o.batch < 1 || o.batch > 256)
        return "the batch must be from 1 to 256 windows, not " + std::to_string(o.batch);
    if (o.crop < 32 || o.crop > 2048)
        return "the training window (--crop) must be from 32 to 2048 pixels, not " + std::to_string(o.crop);
    // Activations grow with batch × crop²: 16 MPx a step is already tens of GB for training.
    if (double(o.batch) * o.crop * o.crop > 16.8e6)
        return "a batch of " + std::to_string(o.batch) + " windows of " + std::to_string(o.crop) +
               "² is over 16 megapixels per step; use fewer or smaller windows";
    if (!std::isfinite(o.learningRate) || o.learningRate <= 0 || o.learningRate > 1)
        return "the learning rate must be a number above 0 and at most 1, not " + number(o.learningRate);
    if (!std::isfinite(o.weightDecay) || o.weightDecay < 0 || o.weightDecay > 1)
        return "the weight decay must be a number from 0 to 1, not " + number(o.weightDecay);
    if (!std::isfinite(o.diceWeight) || o.diceWeight < 0 || o.diceWeight > 100)
        return "the Dice weight must be a number from 0 to 100, not " + number(o.diceWeight);
    if (!std::isfinite(o.minScale) || !std::isfinite(o.maxScale) || o.minScale < 0.1 || o.maxScale > 10 ||
        o.minScale > o.maxScale)
        return "the scale range must be MIN:MAX with 0.1 <= MIN <= MAX <= 10";
    if (!std::isfinite(o.samplingPower) || o.samplingPower < 0 || o.samplingPower > 1)
        return "the sampling power must be a number from 0 to 1, not " + number(o.samplingPower);
    if (o.threads < 0 || o.threads > 1024)
        return "the thread count must be from 0 (all cores) to 1024, not " + std::to_string(o.threads);
    if (o.checkpointEvery < 0)
        return "the checkpoint interval must be 0 (none) or a positive number of steps";
    if (o.warmupSteps < -1)
        return "the warm-up must be -1 (5 % of the steps) or a number of steps";
    return {};
}

std::unique_ptr<Trainer> Trainer::create(SegmentationModel& model, const TrainOptions& options,
                                         std::string* error) {
    const std::string problem = trainOptionsProblem(options);
    if (!problem.empty()) {
        if (error)
            *error = problem;
        return nullptr;
    }
    auto impl = std::make_unique<Impl>();
    impl->model = &model;
    impl->options = options;
    impl->options.crop = (options.crop + 31) / 32 * 32;
    impl->random.seed(options.seed);
    std::string precision = options.precision;
    if (precision == "auto" || precision == "bf16" || precision == "fp16")
        precision = "fp32"; // weights stay fp32; reduced precision comes from autocast
    if (!chooseDevice(options.device, precision, options.threads, impl->choice, error))
        return nullptr;
    // On CUDA bf16 unless fp32 is asked for; on the CPU only when bf16 is (the window and the
    // command line turn "auto" into it where it measured faster: PrecisionChoice).
    impl->autocast =
        impl->choice.device.is_cuda() ? options.precision != "fp32" : options.precision == "bf16";
    try {
        model.impl().moveTo(impl->choice.device, torch::kFloat32);
    } catch (const c10::Error& e) {
        if (error)
            *error = std::string("cannot move the model to ") + impl->choice.description + ": " +
                     e.what_without_backtrace();
        return nullptr;
    }
    return std::unique_ptr<Trainer>(new Trainer(std::move(impl)));
}

std::vector<double> samplingOdds(const std::vector<long long>& labelledPixels, double power) {
    std::vector<double> odds;
    odds.reserve(labelledPixels.size());
    for (const long long count : labelledPixels)
        odds.push_back(count > 0 ? std::pow(double(count), power) : 0.0);
    return odds;
}

bool Trainer::train(const std::vector<TrainingSample>& samples, TrainResult& result,
                    const std::function<void(const TrainStep&)>& progress, const std::atomic<bool>* cancel,
                    std::string* error) {
    auto fail = [error](const std::string& why) {
        if (error)
            *error = why;
        return false;
    };
    Impl& d = *m_impl;
    const int classes = d.model->classCount();
    std::vector<long long> labelled;
    result = TrainResult{};
    for (const TrainingSample& s : samples) {
        if (s.width <= 0 || s.height <= 0 || s.rgb.size() != size_t(s.width) * s.height * 3 ||
            s.mask.size() != size_t(s.width) * s.height ||
            (!s.weight.empty() && s.weight.size() != s.mask.size()))
            return fail("a training sample's image, mask and weights differ in size");
        long long count = 0;
        for (size_t p = 0; p < s.mask.size(); ++p) {
            if (s.mask[p] == 255 || (!s.weight.empty() && s.weight[p] <= 0))
                continue;
            if (s.mask[p] >= classes)
                return fail("a mask holds class " + std::to_string(s.mask[p]) + " but the model has " +
                            std::to_string(classes) + " classes");
            ++count;
        }
        labelled.push_back(count);
        result.labelledPixels += count;
    }
    if (result.labelledPixels == 0)
        return fail("there are no labelled pixels to learn from");
    const std::vector<double> odds = samplingOdds(labelled, d.options.samplingPower);
    std::discrete_distribution<size_t> pick(odds.begin(), odds.end());
    d.collectCentres(samples, classes);

    std::vector<torch::Tensor> parameters = d.model->impl().parameters();
    std::vector<torch::Tensor> fixed; // not trained this time: no gradients computed for them
    if (d.options.decoderOnly) {
        std::vector<torch::Tensor> decoder = d.model->impl().decoderParameters();
        if (!decoder.empty()) {
            for (const auto& p : parameters)
                if (std::none_of(decoder.begin(), decoder.end(),
                                 [&](const torch::Tensor& q) { return q.is_same(p); }))
                    fixed.push_back(p);
            parameters = std::move(decoder);
        }
    }
    for (auto& p : fixed)
        p.set_requires_grad(false);
    // Whatever happens below, the model leaves with every parameter trainable again.
    struct RequiresGradBack {
        std::vector<torch::Tensor>& tensors;
        ~RequiresGradBack() {
            for (auto& p : tensors)
                p.set_requires_grad(true);
        }
    } restore{fixed};
    std::vector<torch::Tensor> average; // running mean of `parameters` over the second half
    int averaged = 0;
    torch::optim::AdamW optimizer(
        parameters, torch::optim::AdamWOptions(d.options.learningRate).weight_decay(d.options.weightDecay));
    const auto& md = d.model->metadata();
    const auto mean =
        torch::tensor({md.mean[0], md.mean[1], md.mean[2]}).view({1, 3, 1, 1}).to(d.choice.device);
    const auto std = torch::tensor({md.std[0], md.std[1], md.std[2]}).view({1, 3, 1, 1}).to(d.choice.device);
    d.model->impl().setTraining(true);
    if (d.options.freezeBatchNorm)
        d.model->impl().freezeBatchNorm();

    std::vector<double> losses;
    std::optional<FrozenEncoderForward> decoderOnlyForward; // the encoder without a graph
    try {
        if (!fixed.empty() &&
            FrozenEncoderForward::applies(d.model->impl(), d.options.decoderOnly, d.options.freezeBatchNorm))
            decoderOnlyForward.emplace(d.model->impl(), parameters, d.options.channelsLast);
        for (int step = 0; step < d.options.steps; ++step) {
            if (cancel && cancel->load()) {
                result.cancelled = true;
                break;
            }
            std::vector<torch::Tensor> images, targets, weights;
            for (int b = 0; b < d.options.batch; ++b) {
                torch::Tensor image, target, weight;
                d.sampleWindow(samples, pick(d.random), image, target, weight);
                images.push_back(image);
                targets.push_back(target);
                weights.push_back(weight);
            }
            const auto input = ((torch::stack(images).to(d.choice.device) - mean) / std);
            const auto target = torch::stack(targets).to(d.choice.device);
            const auto weight = torch::stack(weights).to(d.choice.device);
            const double lr = d.learningRateAt(step);
            for (auto& group : optimizer.param_groups())
                static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
            optimizer.zero_grad();
            torch::Tensor loss;
            {
                AutocastScope autocast(d.autocast, d.choice.device.is_cuda());
                const auto logits =
                    decoderOnlyForward ? decoderOnlyForward->logits(input) : d.model->impl().forward(input);
                loss = d.loss(logits.to(torch::kFloat32), target, weight);
            }
            loss.backward();
            optimizer.step();
            const double value = loss.item<double>();
            if (!std::isfinite(value))
                return fail("training diverged (the loss became " + std::to_string(value) +
                            "); try a lower learning rate");
            losses.push_back(value);
            result.steps = step + 1;
            if (d.options.averageWeights && step >= d.options.steps / 2) {
                torch::NoGradGuard noGrad;
                if (average.empty())
                    for (const auto& p : parameters)
                        average.push_back(p.detach().clone());
                else
                    for (size_t i = 0; i < parameters.size(); ++i)
                        average[i].add_(parameters[i].detach() - average[i], 1.0 / double(averaged + 1));
                ++averaged;
            }
            if (progress)
                progress({step + 1, d.options.steps, value, lr});
            if (d.options.checkpointEvery > 0 && (step + 1) % d.options.checkpointEvery == 0 &&
                !d.options.checkpointPath.empty()) {
                std::string why;
                if (!d.model->save(d.options.checkpointPath, &why))
                    return fail("cannot write the checkpoint: " + why);
            }
        }
    } catch (const c10::Error& e) {
        d.model->impl().setTraining(false);
        return fail(isOutOfMemory(e)
                        ? "the GPU ran out of memory while training; lower the batch or crop size"
                        : std::string("training failed: ") + e.what_without_backtrace());
    } catch (const std::bad_alloc&) { // before the general case: "std::bad_alloc" says nothing
        d.model->impl().setTraining(false);
        return fail("training ran out of memory; lower the batch or crop size");
    } catch (const std::exception& e) { // oneDNN's own error (dnnl::error), not wrapped by c10
        d.model->impl().setTraining(false);
        return fail(std::string("training failed: ") + e.what());
    }
    d.model->impl().setTraining(false);
    if (!average.empty() && !result.cancelled) {
        torch::NoGradGuard noGrad;
        for (size_t i = 0; i < parameters.size(); ++i)
            parameters[i].copy_(average[i]);
        d.model->impl().weightsChanged();
    }
    if (!losses.empty()) {
        const size_t tail = std::max<size_t>(1, losses.size() / 10);
        result.finalLoss = std::accumulate(losses.end() - long(tail), losses.end(), 0.0) / double(tail);
    }
    if (result.steps > 0) {
        TrainingRecord record;
        record.date = isoNow();
        record.steps = result.steps;
        record.labelledPixels = result.labelledPixels;
        record.finalLoss = result.finalLoss;
        d.model->metadata().history.push_back(record);
    }
    return true;
}

std::string Trainer::deviceDescription() const {
    return m_impl->choice.description;
}

} // namespace segstudio::inference

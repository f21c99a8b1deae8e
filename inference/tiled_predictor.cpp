#include "inference/tiled_predictor.h"

#include "inference/device_select.h"
#include "inference/model_impl.h"

#include <algorithm>
#include <cstring>

namespace segstudio::inference {
namespace {

int roundUp(int value, int multiple) {
    return (value + multiple - 1) / multiple * multiple;
}

// Window origins along one axis: evenly stepped, the last one flush with the end.
std::vector<int> windowOrigins(int length, int window, int overlap) {
    if (length <= window)
        return {0};
    const int step = std::max(1, window - overlap);
    std::vector<int> origins;
    for (int p = 0; p + window < length; p += step)
        origins.push_back(p);
    origins.push_back(length - window);
    return origins;
}

// Blending weight along one axis: rises linearly over `ramp` pixels from each edge, so a
// window's border pixels (least context) count least where windows overlap.
torch::Tensor edgeRamp(int length, int ramp) {
    auto i = torch::arange(length, torch::kFloat32) + 0.5;
    if (ramp <= 0)
        return torch::ones({length});
    return torch::clamp(torch::minimum(i, length - i) / ramp, 1e-3, 1.0);
}

struct Window {
    int x, y;
};

// View k of a batch under the symmetries of the square: bit 2 transposes, bit 1 flips rows,
// bit 0 flips columns. toView and fromView are inverses, so a view's logits map back onto
// the window's pixels.
torch::Tensor toView(const torch::Tensor& x, int k) {
    auto y = (k & 4) ? x.transpose(2, 3) : x;
    std::vector<int64_t> dims;
    if (k & 2)
        dims.push_back(2);
    if (k & 1)
        dims.push_back(3);
    return dims.empty() ? y : y.flip(dims);
}

torch::Tensor fromView(const torch::Tensor& y, int k) {
    std::vector<int64_t> dims;
    if (k & 2)
        dims.push_back(2);
    if (k & 1)
        dims.push_back(3);
    auto x = dims.empty() ? y : y.flip(dims);
    return (k & 4) ? x.transpose(2, 3) : x;
}

} // namespace

bool isValidViewCount(int views) {
    return views == 1 || views == 2 || views == 4 || views == 8;
}

struct TiledPredictor::Impl {
    SegmentationModel* model = nullptr;
    PredictOptions options;
    DeviceChoice choice;
    bool channelsLast = false;
    int batch = 1;
    Message message;
    torch::Tensor mean, std; // 1×3×1×1 on the device, in the compute dtype

    // Copies one window (reflect-padded past the image's edge) into a 3×H×W uint8 tensor.
    torch::Tensor readWindow(const ImageView& image, const Window& w, int tileW, int tileH) const {
        const size_t stride = image.stride ? image.stride : size_t(image.width) * 3;
        auto out = torch::empty({tileH, tileW, 3}, torch::kUInt8);
        uint8_t* dst = out.data_ptr<uint8_t>();
        auto reflect = [](int i, int n) {
            if (n == 1)
                return 0;
            const int period = 2 * (n - 1);
            i = ((i % period) + period) % period;
            return i < n ? i : period - i;
        };
        for (int y = 0; y < tileH; ++y) {
            const uint8_t* row = image.rgb + size_t(reflect(w.y + y, image.height)) * stride;
            uint8_t* line = dst + size_t(y) * tileW * 3;
            const int inside = std::clamp(image.width - w.x, 0, tileW);
            std::memcpy(line, row + size_t(w.x) * 3, size_t(inside) * 3);
            for (int x = inside; x < tileW; ++x)
                std::memcpy(line + size_t(x) * 3, row + size_t(reflect(w.x + x, image.width)) * 3, 3);
        }
        return out.permute({2, 0, 1});
    }

    torch::Tensor runBatch(const torch::Tensor& batchU8) {
        auto input = batchU8.to(choice.device, /*non_blocking=*/true).to(choice.dtype).div_(255.0);
        input = (input - mean) / std;
        torch::Tensor sum;
        for (int k = 0; k < options.views; ++k) {
            auto view = toView(input, k);
            view = channelsLast ? view.contiguous(torch::MemoryFormat::ChannelsLast) : view.contiguous();
            auto logits = fromView(model->impl().forward(view).to(torch::kFloat32), k);
            sum = k == 0 ? logits : sum.add_(logits);
        }
        return options.views > 1 ? sum.div_(options.views) : sum;
    }
};

TiledPredictor::TiledPredictor(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl)) {
}
TiledPredictor::~TiledPredictor() = default;

std::string predictOptionsProblem(const PredictOptions& options) {
    if (options.tile < 32 || options.tile > 4096)
        return "the window size (--tile) must be from 32 to 4096 pixels, not " + std::to_string(options.tile);
    if (options.overlap < 0 || options.overlap > options.tile / 2)
        return "the overlap must be from 0 to half the window (" + std::to_string(options.tile / 2) +
               " pixels), not " + std::to_string(options.overlap);
    if (options.batch < 1 || options.batch > 256)
        return "the batch must be from 1 to 256 windows, not " + std::to_string(options.batch);
    // Each window's logits and the input batch: 64 MPx per forward pass is far beyond what
    // helps throughput and already several GB of activations.
    if (double(options.batch) * options.tile * options.tile > 64e6)
        return "a batch of " + std::to_string(options.batch) + " windows of " + std::to_string(options.tile) +
               "² is over 64 megapixels per forward pass; use fewer or smaller windows";
    if (options.threads < 0 || options.threads > 1024)
        return "the thread count must be from 0 (all cores) to 1024, not " + std::to_string(options.threads);
    if (options.channelsLast < -1 || options.channelsLast > 1)
        return "channels-last must be auto, on or off";
    if (!isValidViewCount(options.views))
        return "test-time views must be 1, 2, 4 or 8, not " + std::to_string(options.views);
    return {};
}

std::unique_ptr<TiledPredictor> TiledPredictor::create(SegmentationModel& model,
                                                       const PredictOptions& options, std::string* error) {
    auto impl = std::make_unique<Impl>();
    impl->model = &model;
    impl->options = options;
    const std::string problem = predictOptionsProblem(options);
    if (!problem.empty()) {
        if (error)
            *error = problem;
        return nullptr;
    }
    impl->options.tile = roundUp(options.tile, 32);
    impl->options.overlap = std::min(options.overlap, impl->options.tile / 2);
    impl->batch = options.batch;
    if (!chooseDevice(options.device, options.precision, options.threads, impl->choice, error))
        return nullptr;
    impl->channelsLast = options.channelsLast < 0 ? impl->choice.device.is_cuda() : options.channelsLast == 1;
    try {
        model.impl().moveTo(impl->choice.device, impl->choice.dtype);
        model.impl().setTraining(false);
        if (impl->channelsLast && model.impl().builtIn)
            for (auto& p : model.impl().builtIn->parameters())
                if (p.dim() == 4)
                    p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
    } catch (const c10::Error& e) {
        if (error)
            *error = std::string("cannot move the model to ") + impl->choice.description + ": " +
                     e.what_without_backtrace();
        return nullptr;
    }
    const auto& md = model.metadata();
    auto options4 = torch::TensorOptions().device(impl->choice.device).dtype(impl->choice.dtype);
    impl->mean = torch::tensor({md.mean[0], md.mean[1], md.mean[2]}).view({1, 3, 1, 1}).to(options4);
    impl->std = torch::tensor({md.std[0], md.std[1], md.std[2]}).view({1, 3, 1, 1}).to(options4);
    return std::unique_ptr<TiledPredictor>(new TiledPredictor(std::move(impl)));
}

bool TiledPredictor::predict(const ImageView& image, Prediction& out, const Progress& progress,
                             const std::atomic<bool>* cancel, std::string* error) {
    auto fail = [error](const std::string& why) {
        if (error)
            *error = why;
        return false;
    };
    if (!image.rgb || image.width <= 0 || image.height <= 0)
        return fail("empty image");
    Impl& d = *m_impl;
    const int tileW = std::min(d.options.tile, roundUp(image.width, 32));
    const int tileH = std::min(d.options.tile, roundUp(image.height, 32));
    std::vector<Window> windows;
    for (int y : windowOrigins(image.height, tileH, d.options.overlap))
        for (int x : windowOrigins(image.width, tileW, d.options.overlap))
            windows.push_back({x, y});
    const int classes = d.model->classCount();
    const auto weight = torch::outer(edgeRamp(tileH, d.options.overlap), edgeRamp(tileW, d.options.overlap));
    auto sum = torch::zeros({classes, image.height, image.width});
    auto weightSum = torch::zeros({image.height, image.width});

    torch::InferenceMode inferenceMode;
    size_t next = 0;
    int done = 0;
    while (next < windows.size()) {
        if (cancel && cancel->load())
            return fail("cancelled");
        const size_t count = std::min<size_t>(d.batch, windows.size() - next);
        std::vector<torch::Tensor> inputs;
        for (size_t i = 0; i < count; ++i)
            inputs.push_back(d.readWindow(image, windows[next + i], tileW, tileH));
        torch::Tensor logits;
        try {
            logits = d.runBatch(torch::stack(inputs)).cpu();
        } catch (const c10::Error& e) {
            if (!d.choice.device.is_cuda() || !isOutOfMemory(e))
                return fail(std::string("prediction failed: ") + e.what_without_backtrace());
            if (d.batch == 1)
                return fail("the GPU ran out of memory even for one " + std::to_string(tileW) + "×" +
                            std::to_string(tileH) + " window; use a smaller tile or the CPU");
            d.batch = std::max(1, d.batch / 2);
            if (d.message)
                d.message("GPU out of memory: retrying with batch " + std::to_string(d.batch));
            continue;
        }
        if (logits.size(1) != classes)
            return fail("the model produced " + std::to_string(logits.size(1)) + " classes, expected " +
                        std::to_string(classes));
        if (logits.size(2) != tileH || logits.size(3) != tileW)
            logits =
                torch::nn::functional::interpolate(logits, torch::nn::functional::InterpolateFuncOptions()
                                                               .size(std::vector<int64_t>{tileH, tileW})
                                                               .mode(torch::kBilinear)
                                                               .align_corners(false));
        for (size_t i = 0; i < count; ++i) {
            const Window& w = windows[next + i];
            const int validW = std::min(tileW, image.width - w.x);
            const int validH = std::min(tileH, image.height - w.y);
            using torch::indexing::Slice;
            const auto wv = weight.index({Slice(0, validH), Slice(0, validW)});
            sum.index({Slice(), Slice(w.y, w.y + validH), Slice(w.x, w.x + validW)})
                .add_(logits[static_cast<int64_t>(i)].index({Slice(), Slice(0, validH), Slice(0, validW)}) *
                      wv);
            weightSum.index({Slice(w.y, w.y + validH), Slice(w.x, w.x + validW)}).add_(wv);
        }
        next += count;
        done += static_cast<int>(count);
        if (progress)
            progress(done, static_cast<int>(windows.size()));
    }
    const auto probabilities = torch::softmax(sum.div_(weightSum), 0);
    const auto [confidence, index] = probabilities.max(0);
    out.width = image.width;
    out.height = image.height;
    const auto classTensor = index.to(torch::kUInt8).contiguous();
    out.classes.assign(classTensor.data_ptr<uint8_t>(),
                       classTensor.data_ptr<uint8_t>() + classTensor.numel());
    const auto confidenceTensor = confidence.contiguous();
    out.confidence.assign(confidenceTensor.data_ptr<float>(),
                          confidenceTensor.data_ptr<float>() + confidenceTensor.numel());
    return true;
}

void TiledPredictor::setMessageCallback(Message message) {
    m_impl->message = std::move(message);
}

std::string TiledPredictor::deviceDescription() const {
    return m_impl->choice.description;
}

std::string TiledPredictor::precisionName() const {
    switch (m_impl->choice.dtype) {
    case torch::kFloat16:
        return "fp16";
    case torch::kBFloat16:
        return "bf16";
    default:
        return "fp32";
    }
}

int TiledPredictor::batchSize() const {
    return m_impl->batch;
}

int TiledPredictor::tileSize() const {
    return m_impl->options.tile;
}

} // namespace segstudio::inference

#include "inference/tiled_predictor.h"

#include "inference/device_select.h"
#include "inference/model_impl.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>

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

// Finished rows are turned into classes this many at a time: the softmax's scratch stays small
// however wide the image.
constexpr int FinishedRowsAtOnce = 64;

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
    double scale = 1.0; // options.inputScale, or the model's
    Message message;
    torch::Tensor mean, std; // 1×3×1×1 on the device, in the compute dtype

    // Copies one window (reflect-padded past the image's edge) into a 3×H×W uint8 tensor.
    // `band` holds the image's rows from `bandTop` on: all the window's rows once reflected
    // into an image of `height` rows.
    torch::Tensor readWindow(const ImageView& band, int bandTop, int height, const Window& w, int tileW,
                             int tileH) const {
        const ImageView& image = band;
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
            const uint8_t* row = image.rgb + size_t(reflect(w.y + y, height) - bandTop) * stride;
            uint8_t* line = dst + size_t(y) * tileW * 3;
            const int inside = std::clamp(image.width - w.x, 0, tileW);
            std::memcpy(line, row + size_t(w.x) * 3, size_t(inside) * 3);
            for (int x = inside; x < tileW; ++x)
                std::memcpy(line + size_t(x) * 3, row + size_t(reflect(w.x + x, image.width)) * 3, 3);
        }
        return out.permute({2, 0, 1});
    }

    // Window sides in image pixels and the network's input sides for them (a multiple of 32):
    // the windows cover `options.tile / scale` image pixels, enlarged to about options.tile.
    struct WindowShape {
        int tileW, tileH, netW, netH, overlap;
    };
    WindowShape windowShape(int width, int height) const {
        const int source = std::max(32, int(std::lround(options.tile / scale)));
        WindowShape shape;
        shape.tileW = std::min(source, roundUp(width, 32));
        shape.tileH = std::min(source, roundUp(height, 32));
        shape.netW = roundUp(std::max(32, int(std::lround(shape.tileW * scale))), 32);
        shape.netH = roundUp(std::max(32, int(std::lround(shape.tileH * scale))), 32);
        shape.overlap = std::min(int(std::lround(options.overlap / scale)), source / 2);
        return shape;
    }

    torch::Tensor runBatch(const torch::Tensor& batchU8, int netH, int netW) {
        auto input = batchU8.to(choice.device, /*non_blocking=*/true).to(choice.dtype).div_(255.0);
        input = (input - mean) / std;
        if (input.size(2) != netH || input.size(3) != netW) // the model's input scale
            input = torch::nn::functional::interpolate(input, torch::nn::functional::InterpolateFuncOptions()
                                                                  .size(std::vector<int64_t>{netH, netW})
                                                                  .mode(torch::kBilinear)
                                                                  .align_corners(false));
        torch::Tensor sum;
        for (int k = 0; k < options.views; ++k) {
            auto view = toView(input, k);
            view = channelsLast ? view.contiguous(torch::MemoryFormat::ChannelsLast) : view.contiguous();
            auto& network = model->impl();
            auto logits = fromView(
                (options.frozen ? network.forward(view) : network.forwardAsLoaded(view)).to(torch::kFloat32),
                k);
            if (channelsLast) // the blending reads the logits row by row: back to the plain layout
                logits = logits.contiguous();
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
    if (options.batch < 0 || options.batch > 256)
        return "the batch must be from 1 to 256 windows (or 0 for the device's default), not " +
               std::to_string(options.batch);
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
    if (options.inputScale != 0 &&
        !(options.inputScale >= MinInputScale && options.inputScale <= MaxInputScale))
        return "the input scale must be from 0.25 to 4 (or 0 for the model's own), not " +
               std::to_string(options.inputScale);
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
    if (!chooseDevice(options.device, options.precision, options.threads, impl->choice, error))
        return nullptr;
    // The device's default, within the 64 MPx per forward pass checked above.
    const int windowsAllowed = int(std::max(1.0, 64e6 / (double(impl->options.tile) * impl->options.tile)));
    impl->batch =
        options.batch > 0 ? options.batch : std::min(impl->choice.device.is_cuda() ? 4 : 2, windowsAllowed);
    impl->channelsLast = options.channelsLast < 0 ? impl->choice.device.is_cuda() : options.channelsLast == 1;
    try {
        model.impl().moveTo(impl->choice.device, impl->choice.dtype);
        model.impl().setTraining(false);
        if (impl->channelsLast)
            model.impl().useChannelsLast();
    } catch (const c10::Error& e) {
        if (error)
            *error = std::string("cannot move the model to ") + impl->choice.description + ": " +
                     e.what_without_backtrace();
        return nullptr;
    }
    const auto& md = model.metadata();
    impl->scale = options.inputScale > 0 ? options.inputScale : md.inputScale;
    auto options4 = torch::TensorOptions().device(impl->choice.device).dtype(impl->choice.dtype);
    impl->mean = torch::tensor({md.mean[0], md.mean[1], md.mean[2]}).view({1, 3, 1, 1}).to(options4);
    impl->std = torch::tensor({md.std[0], md.std[1], md.std[2]}).view({1, 3, 1, 1}).to(options4);
    return std::unique_ptr<TiledPredictor>(new TiledPredictor(std::move(impl)));
}

bool TiledPredictor::predict(const ImageView& image, Prediction& out, const Progress& progress,
                             const std::atomic<bool>* cancel, std::string* error) {
    if (!image.rgb || image.width <= 0 || image.height <= 0) {
        if (error)
            *error = "empty image";
        return false;
    }
    const size_t stride = image.stride ? image.stride : size_t(image.width) * 3;
    const size_t width = size_t(image.width);
    std::vector<uint8_t> classes(width * size_t(image.height));
    std::vector<float> confidence(classes.size());
    const bool ok = predictRows(
        image.width, image.height, 0, image.height,
        [&](int y, int rows, ImageView& band, std::string*) {
            band = {image.rgb + size_t(y) * stride, image.width, rows, stride};
            return true;
        },
        [&](int y, int rows, uint8_t* rowClasses, float* rowConfidence, std::string*) {
            std::copy_n(rowClasses, width * size_t(rows), classes.data() + size_t(y) * width);
            std::copy_n(rowConfidence, width * size_t(rows), confidence.data() + size_t(y) * width);
            return true;
        },
        progress, cancel, error);
    if (!ok)
        return false;
    out.width = image.width;
    out.height = image.height;
    out.classes = std::move(classes);
    out.confidence = std::move(confidence);
    return true;
}

bool TiledPredictor::predictRows(int width, int height, int firstRow, int endRow, const ReadRows& read,
                                 const TakeRows& take, const Progress& progress,
                                 const std::atomic<bool>* cancel, std::string* error) {
    std::string localError;
    std::string& why = error ? *error : localError;
    auto fail = [&why](const std::string& message) {
        why = message;
        return false;
    };
    if (width <= 0 || height <= 0)
        return fail("empty image");
    if (firstRow < 0 || endRow > height || firstRow >= endRow)
        return fail("rows " + std::to_string(firstRow) + "-" + std::to_string(endRow) +
                    " are not in an image of " + std::to_string(height) + " rows");
    Impl& d = *m_impl;
    const auto [tileW, tileH, netW, netH, overlap] = d.windowShape(width, height);
    // All the image's windows, row by row; those in [firstWindow, endWindow) reach into
    // [firstRow, endRow) and are summed.
    std::vector<Window> windows;
    for (int y : windowOrigins(height, tileH, overlap))
        for (int x : windowOrigins(width, tileW, overlap))
            windows.push_back({x, y});
    const auto reaches = [&](const Window& w) { return w.y < endRow && w.y + tileH > firstRow; };
    const size_t firstWindow =
        size_t(std::find_if(windows.begin(), windows.end(), reaches) - windows.begin());
    const size_t endWindow =
        windows.size() - size_t(std::find_if(windows.rbegin(), windows.rend(), reaches) - windows.rbegin());
    // Batches are cut from the whole image's list and filled up at the ends of the range: a
    // window's logits depend (in the last bits) on the batch it is in, so it must be the
    // batch predict() puts it in for the rows to match predict()'s exactly.
    size_t next = firstWindow / size_t(d.batch) * size_t(d.batch);
    const size_t endBatches =
        std::min(windows.size(), (endWindow + size_t(d.batch) - 1) / size_t(d.batch) * size_t(d.batch));
    const int windowsTotal = int(endBatches - next);
    const int classes = d.model->classCount();
    const auto weight = torch::outer(edgeRamp(tileH, overlap), edgeRamp(tileW, overlap));
    // Logit and weight sums of the rows from `top` on. Windows come row by row, so once one
    // starting at row y arrives no later window reaches above y: those rows are finished. The
    // open rows are never more than a window's height.
    const int bufferRows = std::min(tileH, height);
    // Rows padded to a multiple of 64 values: the finishing arithmetic then runs every pixel
    // through the same vector instructions, never a loop's scalar tail, wherever a chunk of rows
    // starts. A pixel would otherwise differ in its last bit between row ranges that begin at
    // different rows (shards, bands), and the ranges would not join into predict() exactly.
    const int paddedWidth = roundUp(width, 64);
    auto sum = torch::zeros({classes, bufferRows, paddedWidth});
    auto weightSum = torch::ones({bufferRows, paddedWidth}); // 1: the padding divides harmlessly
    weightSum.narrow(1, 0, width).zero_();
    int top = windows[firstWindow].y;

    torch::InferenceMode inferenceMode;
    using torch::indexing::Slice;
    // Rows [top, upTo) get no more windows: their classes go to `take`, the rest move up.
    const auto finishRowsAbove = [&](int upTo) {
        for (int y = std::max(top, firstRow); y < std::min(upTo, endRow); y += FinishedRowsAtOnce) {
            const int rows = std::min({FinishedRowsAtOnce, upTo - y, endRow - y});
            const auto logits = sum.narrow(1, y - top, rows) / weightSum.narrow(0, y - top, rows);
            const auto [confidence, index] = torch::softmax(logits, 0).max(0);
            auto classTensor = index.narrow(1, 0, width).to(torch::kUInt8).contiguous();
            auto confidenceTensor = confidence.narrow(1, 0, width).contiguous();
            if (!take(y, rows, classTensor.data_ptr<uint8_t>(), confidenceTensor.data_ptr<float>(), &why))
                return false;
        }
        const int finished = std::min(upTo - top, bufferRows), open = bufferRows - finished;
        if (open > 0) {
            sum.narrow(1, 0, open).copy_(sum.narrow(1, finished, open).clone());
            weightSum.narrow(0, 0, open).copy_(weightSum.narrow(0, finished, open).clone());
        }
        sum.narrow(1, open, finished).zero_();
        weightSum.narrow(0, open, finished).narrow(1, 0, width).zero_();
        top = upTo;
        return true;
    };

    ImageView band;
    int bandTop = -1;
    int done = 0;
    while (next < endBatches) {
        if (cancel && cancel->load())
            return fail("cancelled");
        const size_t count = std::min<size_t>(d.batch, endBatches - next);
        std::vector<torch::Tensor> inputs;
        for (size_t i = 0; i < count; ++i) {
            const Window& w = windows[next + i];
            if (bandTop != w.y) {
                if (!read(w.y, std::min(tileH, height - w.y), band, &why))
                    return false;
                bandTop = w.y;
            }
            inputs.push_back(d.readWindow(band, bandTop, height, w, tileW, tileH));
        }
        torch::Tensor logits;
        try {
            logits = d.runBatch(torch::stack(inputs), netH, netW).cpu();
        } catch (const c10::Error& e) {
            if (!d.choice.device.is_cuda() || !isOutOfMemory(e))
                return fail(std::string("prediction failed: ") + e.what_without_backtrace());
            if (d.batch == 1)
                return fail("the GPU ran out of memory even for one " + std::to_string(netW) + "×" +
                            std::to_string(netH) + " window; use a smaller tile or the CPU");
            d.batch = std::max(1, d.batch / 2);
            if (d.message)
                d.message("GPU out of memory: retrying with batch " + std::to_string(d.batch));
            continue;
        } catch (const std::bad_alloc&) { // before the general case: "std::bad_alloc" says nothing
            return fail("prediction ran out of memory; use a smaller window or batch");
        } catch (const std::exception& e) { // oneDNN's own error (dnnl::error), not wrapped by c10
            return fail(std::string("prediction failed: ") + e.what());
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
            if (next + i < firstWindow || next + i >= endWindow)
                continue; // filling a batch up
            const Window& w = windows[next + i];
            if (w.y > top && !finishRowsAbove(w.y))
                return false;
            const int validW = std::min(tileW, width - w.x);
            const int validH = std::min(tileH, height - w.y);
            const auto wv = weight.index({Slice(0, validH), Slice(0, validW)});
            sum.index({Slice(), Slice(0, validH), Slice(w.x, w.x + validW)})
                .add_(logits[static_cast<int64_t>(i)].index({Slice(), Slice(0, validH), Slice(0, validW)}) *
                      wv);
            weightSum.index({Slice(0, validH), Slice(w.x, w.x + validW)}).add_(wv);
        }
        next += count;
        done += static_cast<int>(count);
        if (progress)
            progress(done, windowsTotal);
    }
    return finishRowsAbove(height);
}

void TiledPredictor::setMessageCallback(Message message) {
    m_impl->message = std::move(message);
}

std::string TiledPredictor::deviceDescription() const {
    return m_impl->choice.description;
}

double TiledPredictor::computedPixels(int width, int height) const {
    const auto shape = m_impl->windowShape(width, height);
    return double(windowOrigins(width, shape.tileW, shape.overlap).size()) *
           double(windowOrigins(height, shape.tileH, shape.overlap).size()) * shape.netW * shape.netH *
           m_impl->options.views;
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

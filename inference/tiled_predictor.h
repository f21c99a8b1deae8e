#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace segstudio::inference {

class SegmentationModel;

struct PredictOptions {
    std::string device = "auto";    // auto | cpu | cuda | cuda:N
    std::string precision = "auto"; // auto (fp16 on CUDA, fp32 on CPU) | fp32 | fp16 | bf16
    int tile = 512;                 // window side in pixels (rounded up to a multiple of 32)
    int overlap = 64;               // pixels shared by neighbouring windows, blended
    // Windows per forward pass; 0 = chosen for the device: 4 on CUDA, 2 on the CPU, where a
    // larger batch is at most a few per cent faster and costs about 55 MB of activations a
    // window (docs/benchmarks.md).
    int batch = 0;
    int threads = 0;       // CPU threads for LibTorch; 0 = one a physical core (SMT siblings idle)
    int channelsLast = -1; // -1 auto (on for CUDA), 0 off, 1 on
    // Predict through the network frozen for inference (batch norm folded into the
    // convolutions; TorchScript frozen and optimised on the CPU); false: the network as trained,
    // for comparisons.
    bool frozen = true;
    // Test-time augmentation: each window is also predicted flipped (2: left-right; 4: and
    // up-down; 8: and transposed, all eight symmetries of the square) and the logits averaged.
    // Costs that many forward passes; 1 = off.
    int views = 1;
    // The factor each window is resized by before the network sees it; 0: the model's own
    // (ModelMetadata::inputScale). Learning tries other factors on the corrected tiles.
    double inputScale = 0;
};

// The counts PredictOptions::views accepts.
bool isValidViewCount(int views);
// Empty when `options` can be used; else which option is out of its range, in words (the
// command line and the settings both check with this before any work starts).
std::string predictOptionsProblem(const PredictOptions& options);

// An interleaved 8-bit RGB image in memory (the caller reads it from wherever it lives).
struct ImageView {
    const uint8_t* rgb = nullptr;
    int width = 0;
    int height = 0;
    size_t stride = 0; // bytes per row; 0 = 3 × width
};

struct Prediction {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> classes;  // class index per pixel
    std::vector<float> confidence; // maximum softmax probability per pixel
};

// Predicts a class for every pixel of an image of any size by sliding a window with overlap
// over it, batching the windows, and blending the logits of overlapping windows with weights
// that fall off towards each window's edge, so no seams show. Runs on CPU or CUDA; a CUDA
// out-of-memory error halves the batch and retries, and says so through the message callback.
class TiledPredictor {
public:
    using Progress = std::function<void(int windowsDone, int windowsTotal)>;
    using Message = std::function<void(const std::string&)>;

    // Moves the model to the requested device and precision; null with *error if impossible.
    static std::unique_ptr<TiledPredictor> create(SegmentationModel& model, const PredictOptions& options,
                                                  std::string* error);
    ~TiledPredictor();

    // Points `band` at rows [y, y + rows) of the image (3 bytes a pixel; valid until the next
    // call). False with *error when they cannot be read.
    using ReadRows = std::function<bool(int y, int rows, ImageView& band, std::string* error)>;
    // Takes rows [y, y + rows) of the result, top to bottom, `width` pixels a row: a class and
    // a confidence each, in buffers the callee may change (valid during the call only).
    using TakeRows =
        std::function<bool(int y, int rows, uint8_t* classes, float* confidence, std::string* error)>;

    // Fills `out`; returns false on cancel (error "cancelled") or failure.
    bool predict(const ImageView& image, Prediction& out, const Progress& progress = {},
                 const std::atomic<bool>* cancel = nullptr, std::string* error = nullptr);

    // Rows [firstRow, endRow) of a width × height image too large to hold, read and handed on a
    // band of rows at a time. The windows are those predict() slides over the whole image, in
    // the same order, so the rows are predict()'s pixel for pixel and row ranges predicted
    // apart join into the whole; memory holds one row of windows whatever the image's height.
    bool predictRows(int width, int height, int firstRow, int endRow, const ReadRows& read,
                     const TakeRows& take, const Progress& progress = {},
                     const std::atomic<bool>* cancel = nullptr, std::string* error = nullptr);

    void setMessageCallback(Message message);
    std::string deviceDescription() const;
    std::string precisionName() const;
    int batchSize() const;
    int tileSize() const;
    // Pixels the network computes for a width × height image: every window's, overlaps and
    // test-time views included (what the arithmetic is proportional to).
    double computedPixels(int width, int height) const;

private:
    struct Impl;
    explicit TiledPredictor(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace segstudio::inference

#include "inference/compute_ceiling.h"

#include "inference/device_select.h"

#include <chrono>

namespace segstudio::inference {
namespace {

// GFLOP/s of the fastest of `passes` runs of `run`, which does `flops` each (after one untimed
// run that picks kernels and allocates).
template <typename Run> double gflops(double flops, int passes, const Run& run) {
    run();
    double best = 1e30;
    for (int i = 0; i < passes; ++i) {
        const auto start = std::chrono::steady_clock::now();
        run();
        best =
            std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return flops / best / 1e9;
}

} // namespace

ComputeCeiling measureComputeCeiling(const std::string& precision, int threads) {
    ComputeCeiling ceiling;
    DeviceChoice choice;
    if (!chooseDevice("cpu", precision, threads, choice, &ceiling.error))
        return ceiling;
    const auto type = choice.dtype;
    torch::InferenceMode guard;
    try {
        const int n = 1024;
        const auto a = torch::randn({n, n}).to(type), b = torch::randn({n, n}).to(type);
        ceiling.matmulGflops = gflops(2.0 * n * n * n, 2, [&] { (void)torch::mm(a, b); });

        const int64_t channels = 256, side = 64, batch = 2;
        const auto input = torch::randn({batch, channels, side, side}).to(type);
        const auto w3 = torch::randn({channels, channels, 3, 3}).to(type);
        const double pixels = double(batch) * side * side;
        const double conv3 = gflops(2.0 * channels * channels * 9 * pixels, 5,
                                    [&] { (void)torch::conv2d(input, w3, {}, 1, 1); });
        // A 1×1 convolution in channels-last is a matrix multiply through oneDNN.
        const auto inputLast = input.contiguous(torch::MemoryFormat::ChannelsLast);
        const auto w1 =
            torch::randn({channels, channels, 1, 1}).to(type).contiguous(torch::MemoryFormat::ChannelsLast);
        const double conv1 =
            gflops(2.0 * channels * channels * pixels, 5, [&] { (void)torch::conv2d(inputLast, w1); });
        ceiling.convolutionGflops = std::max(conv3, conv1);
    } catch (const c10::Error& e) {
        ceiling.error = e.what_without_backtrace();
    }
    return ceiling;
}

} // namespace segstudio::inference

#pragma once
// How fast this machine multiplies matrices, measured: the ceiling the predictor's own rate is a
// share of (segstudio-cli bench).

#include <string>

namespace segstudio::inference {

struct ComputeCeiling {
    // torch::mm of two 1024² matrices: the BLAS LibTorch was linked with (Debian's links the
    // reference BLAS, far below what the CPU can do).
    double matmulGflops = 0;
    // The fastest of oneDNN's convolutions on large shapes (3×3 and 1×1, 256 channels): the
    // kernels our networks run on, and what the CPU reaches at best with them.
    double convolutionGflops = 0;
    std::string error; // the precision cannot run here
};

// `precision` "fp32" or "bf16"; `threads` 0 = one a physical core. A second or so in fp32.
ComputeCeiling measureComputeCeiling(const std::string& precision, int threads = 0);

} // namespace segstudio::inference

#pragma once
// Private to inference/: turning "auto"/"cpu"/"cuda:1" and "auto"/"fp16" into LibTorch terms.

#include <string>
#include <torch/torch.h>

namespace segstudio::inference {

struct DeviceChoice {
    torch::Device device{torch::kCPU};
    torch::ScalarType dtype = torch::kFloat32;
    std::string description; // "CPU, 2 threads" or "CUDA device 0"
};

// Returns false with a message when the request cannot be met (CUDA asked for but absent,
// fp16 on CPU, an unknown name). `threads` > 0 sets LibTorch's CPU thread count; 0 uses one a
// physical core (Debian's LibTorch starts with one).
bool chooseDevice(const std::string& device, const std::string& precision, int threads, DeviceChoice& choice,
                  std::string* error);

bool isOutOfMemory(const c10::Error& error);

// The physical cores this process may run on (SMT siblings counted once): a second thread on a
// core's sibling shares its vector units and makes a convolution slower, not faster. Falls back
// to the logical count where the topology cannot be read.
int physicalCores();

} // namespace segstudio::inference

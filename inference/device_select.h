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
// fp16 on CPU, an unknown name). `threads` > 0 sets LibTorch's CPU thread count; 0 uses all
// cores (Debian's LibTorch starts with one).
bool chooseDevice(const std::string& device, const std::string& precision, int threads, DeviceChoice& choice,
                  std::string* error);

bool isOutOfMemory(const c10::Error& error);

} // namespace segstudio::inference

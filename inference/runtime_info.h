#pragma once

#include <string>

namespace segstudio::inference {

// What the LibTorch runtime offers: version, CUDA devices and CPU threads.
struct RuntimeInfo {
    std::string torchVersion;
    bool cudaAvailable = false;
    int cudaDeviceCount = 0;
    int cpuThreads = 1;
    int physicalCores = 1; // what a thread count of 0 means: one thread a physical core
};

RuntimeInfo runtimeInfo();

} // namespace segstudio::inference

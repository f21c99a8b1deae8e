// segstudio-infer-bench: Qt-free checks and timings of the inference engine, for a machine that
// has only LibTorch (a GPU box). Prints one JSON line.
#include "inference/runtime_info.h"

#include <cstdio>

int main() {
    const auto runtime = segstudio::inference::runtimeInfo();
    std::printf("{\"torch\":\"%s\",\"cuda_available\":%s,\"cuda_devices\":%d,\"cpu_threads\":%d}\n",
                runtime.torchVersion.c_str(), runtime.cudaAvailable ? "true" : "false",
                runtime.cudaDeviceCount, runtime.cpuThreads);
    return 0;
}

#include "inference/runtime_info.h"

#include "inference/device_select.h"

#include <torch/torch.h>
#include <torch/version.h>

namespace segstudio::inference {

RuntimeInfo runtimeInfo() {
    RuntimeInfo info;
    info.torchVersion = TORCH_VERSION;
    info.cudaAvailable = torch::cuda::is_available();
    info.cudaDeviceCount = info.cudaAvailable ? static_cast<int>(torch::cuda::device_count()) : 0;
    info.cpuThreads = torch::get_num_threads();
    info.physicalCores = physicalCores();
    return info;
}

} // namespace segstudio::inference

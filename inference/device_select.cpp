#include "inference/device_select.h"

#include <fstream>
#include <sched.h>
#include <set>
#include <string>
#include <thread>

namespace segstudio::inference {

bool chooseDevice(const std::string& device, const std::string& precision, int threads, DeviceChoice& choice,
                  std::string* error) {
    auto fail = [error](const std::string& why) {
        if (error)
            *error = why;
        return false;
    };
    const int wanted = threads > 0 ? threads : physicalCores();
    if (torch::get_num_threads() != wanted)
        torch::set_num_threads(wanted);

    const bool cuda = torch::cuda::is_available();
    if (device == "auto") {
        choice.device = cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    } else if (device == "cpu") {
        choice.device = torch::kCPU;
    } else if (device.rfind("cuda", 0) == 0) {
        int index = 0;
        if (device.size() > 4) {
            if (device[4] != ':')
                return fail("unknown device \"" + device + "\" (auto, cpu, cuda or cuda:N)");
            try {
                index = std::stoi(device.substr(5));
            } catch (const std::exception&) {
                return fail("unknown device \"" + device + "\" (auto, cpu, cuda or cuda:N)");
            }
        }
        if (!cuda)
            return fail("CUDA was requested but no CUDA device is available (this LibTorch " +
                        std::string(torch::cuda::is_available() ? "has" : "may lack") + " CUDA support)");
        if (index < 0 || index >= static_cast<int>(torch::cuda::device_count()))
            return fail("there is no CUDA device " + std::to_string(index) + " (found " +
                        std::to_string(torch::cuda::device_count()) + ")");
        choice.device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
    } else {
        return fail("unknown device \"" + device + "\" (auto, cpu, cuda or cuda:N)");
    }

    const bool onCuda = choice.device.is_cuda();
    if (precision == "auto")
        choice.dtype = onCuda ? torch::kFloat16 : torch::kFloat32;
    else if (precision == "fp32")
        choice.dtype = torch::kFloat32;
    else if (precision == "fp16") {
        if (!onCuda)
            return fail("fp16 needs a CUDA device; use bf16 or fp32 on the CPU");
        choice.dtype = torch::kFloat16;
    } else if (precision == "bf16")
        choice.dtype = torch::kBFloat16;
    else
        return fail("unknown precision \"" + precision + "\" (auto, fp32, fp16 or bf16)");

    choice.description = onCuda ? "CUDA device " + std::to_string(choice.device.index())
                                : "CPU, " + std::to_string(torch::get_num_threads()) + " threads";
    return true;
}

int physicalCores() {
    const int logical = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return logical;
    std::set<std::pair<int, int>> cores; // (package, core)
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (!CPU_ISSET(cpu, &allowed))
            continue;
        const std::string topology = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
        int package = -1, core = -1;
        std::ifstream(topology + "physical_package_id") >> package;
        std::ifstream(topology + "core_id") >> core;
        if (package < 0 || core < 0)
            return std::min(logical, CPU_COUNT(&allowed));
        cores.insert({package, core});
    }
    return cores.empty() ? logical : static_cast<int>(cores.size());
}

bool isOutOfMemory(const c10::Error& error) {
    if (dynamic_cast<const c10::OutOfMemoryError*>(&error))
        return true;
    return std::string(error.what_without_backtrace()).find("out of memory") != std::string::npos;
}

} // namespace segstudio::inference

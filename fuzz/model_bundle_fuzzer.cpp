// libFuzzer harness: loading a model bundle (SegmentationModel::load: MODEL.pt beside its
// sidecar) whose weights file is any bytes — a damaged download, a truncated copy, a crafted
// archive. The first byte picks the sidecar: the built-in network's or a TorchScript model's.
// Whatever the bytes: a model or a message, never a crash.
//
// The seeds are made by the harness itself (-runs=0 with SEGSTUDIO_FUZZ_WRITE_SEEDS=DIR): a
// TorchScript module compiled from source here, and the smallest built-in network's weights.
#include "inference/segmentation_model.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <torch/script.h>
#include <torch/torch.h>

namespace {

namespace fs = std::filesystem;
using segstudio::inference::ModelMetadata;

ModelMetadata metadataOf(const std::string& format) {
    ModelMetadata metadata;
    metadata.format = format;
    metadata.name = "fuzz";
    metadata.architecture.width = 0.125; // the smallest network: 8 channels everywhere
    for (int c = 0; c < 6; ++c)
        metadata.classes.push_back({"class " + std::to_string(c), "#102030"});
    return metadata;
}

void writeFile(const fs::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(bytes.data(), std::streamsize(bytes.size()));
}

void writeSeeds(const fs::path& folder) {
    fs::create_directories(folder);
    std::string error;
    segstudio::inference::SegmentationModel::createBuiltIn(metadataOf("segstudio-unet"))
        ->save((folder / "builtin.pt").string(), &error);
    fs::remove(folder / "builtin.json");
    // Byte 0 picks the sidecar: prefix the seeds with it.
    std::ifstream in(folder / "builtin.pt", std::ios::binary);
    writeFile(folder / "seed-builtin",
              std::string(1, '\0') + std::string(std::istreambuf_iterator<char>(in), {}));
    fs::remove(folder / "builtin.pt");
    torch::jit::Module script("FuzzSeed");
    script.register_parameter("scale", torch::ones({1}), false);
    script.define("def forward(self, x):\n    return torch.cat([x, x], 1) * self.scale\n");
    std::ostringstream bytes;
    script.save(bytes);
    writeFile(folder / "seed-torchscript", std::string(1, '\1') + bytes.str());
}

struct Bundle {
    fs::path folder;
    Bundle() {
        folder = fs::temp_directory_path() / ("segstudio-model-fuzz-" + std::to_string(::getpid()));
        fs::create_directories(folder);
        for (const char* format : {"segstudio-unet", "torchscript"})
            writeFile(folder / (std::string(format) + ".json"),
                      segstudio::inference::metadataToJson(metadataOf(format)));
        if (const char* seeds = std::getenv("SEGSTUDIO_FUZZ_WRITE_SEEDS"))
            writeSeeds(seeds);
    }
    ~Bundle() {
        std::error_code ignored;
        fs::remove_all(folder, ignored);
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const Bundle bundle;
    if (size == 0)
        return 0;
    const std::string format = data[0] % 2 ? "torchscript" : "segstudio-unet";
    const fs::path weights = bundle.folder / (format + ".pt");
    writeFile(weights, std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
    std::string error;
    const auto model = segstudio::inference::SegmentationModel::load(weights.string(), &error);
    if (!model && error.empty())
        __builtin_trap();
    return 0;
}

#pragma once

#include <array>
#include <string>
#include <vector>

namespace segstudio::inference {

struct ClassInfo {
    std::string name;
    std::string color; // "#rrggbb"
};

// One fine-tuning or training run a model went through.
struct TrainingRecord {
    std::string date; // ISO 8601, UTC
    int steps = 0;
    long long labelledPixels = 0;
    double finalLoss = 0;
    std::string notes; // e.g. the command line or "learned from corrections"
};

// The built-in network's shape: a ResNet encoder (basic blocks, ResNet-18 or -34 depths,
// channel widths scaled by `width`) with a U-Net decoder.
struct Architecture {
    int depth = 18;
    double width = 1.0;
    int inputChannels = 3;
};

// Everything about a model except its weights; stored as the JSON sidecar MODEL.json next to
// MODEL.pt, for both the built-in network and imported TorchScript models.
struct ModelMetadata {
    std::string format = "segstudio-unet"; // or "torchscript"
    std::string name = "model";
    int version = 1;
    Architecture architecture;
    std::vector<ClassInfo> classes;
    std::array<float, 3> mean{0.485f, 0.456f, 0.406f}; // of RGB scaled to 0–1
    std::array<float, 3> std{0.229f, 0.224f, 0.225f};
    // The factor images are resized by before the network sees them (and its output resized
    // back): 1.33 shows the network every object a third larger than it is in the file. Scenes
    // differ in ground resolution; learning from corrections picks the factor that suits an
    // image set's (correction_learning.h). Training windows are taken at this factor too.
    double inputScale = 1.0;
    std::vector<TrainingRecord> history;
    // Size of MODEL.pt when this sidecar was saved with it (0: unknown, e.g. written by hand):
    // a sidecar beside weights of another size belongs to another save.
    long long weightsBytes = 0;
};

// The range of ModelMetadata::inputScale: beyond it a window shows too little of the scene, or
// the network computes 16 times the pixels of the file.
constexpr double MinInputScale = 0.25;
constexpr double MaxInputScale = 4.0;

// Empty when the built-in network can be built with this shape; else what is wrong, in words.
std::string architectureProblem(const Architecture& architecture);

// JSON (de)serialisation of the sidecar. parse returns false with a message naming the field.
std::string metadataToJson(const ModelMetadata& metadata);
bool metadataFromJson(const std::string& json, ModelMetadata& metadata, std::string* error);

} // namespace segstudio::inference

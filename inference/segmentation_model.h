#pragma once

#include "inference/model_metadata.h"

#include <cstdint>
#include <memory>
#include <string>

namespace segstudio::inference {

// A segmentation network and its metadata: either the built-in ResNet–U-Net or an imported
// TorchScript model. Stored as MODEL.pt (weights, or the scripted module) beside MODEL.json
// (classes, colours, normalisation, history). Not thread-safe: one worker owns a model.
class SegmentationModel {
public:
    // A freshly initialised built-in network with metadata.classes.size() outputs.
    static std::unique_ptr<SegmentationModel> createBuiltIn(const ModelMetadata& metadata, uint64_t seed = 0);
    // Loads MODEL.pt with its sidecar MODEL.json (or a folder holding model.pt and model.json).
    // Returns null with a message a user understands when the files do not fit together.
    static std::unique_ptr<SegmentationModel> load(const std::string& path, std::string* error);
    // Writes MODEL.pt and MODEL.json atomically (temporary files, then rename).
    bool save(const std::string& path, std::string* error) const;

    ~SegmentationModel();
    SegmentationModel(const SegmentationModel&) = delete;
    SegmentationModel& operator=(const SegmentationModel&) = delete;

    // A deep copy (weights included) on the CPU: a model version to keep while this one trains.
    std::unique_ptr<SegmentationModel> clone() const;

    const ModelMetadata& metadata() const;
    ModelMetadata& metadata();
    int classCount() const;
    bool isTorchScript() const;
    long long parameterCount() const;
    // A digest of the weights' values (parameters and buffers, as fp32): the same for a clone
    // or a version moved to another device or precision, different once a weight changes. What
    // keeps results computed with this model apart from another's (ScaleScoreCache).
    uint64_t weightsDigest() const;
    // The convolutions' multiply-adds per input pixel; 0 where unknown (a TorchScript model).
    double multiplyAddsPerPixel() const;

    struct Impl; // LibTorch internals, visible to the engine's own .cpp files
    Impl& impl() { return *m_impl; }
    const Impl& impl() const { return *m_impl; }

private:
    explicit SegmentationModel(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// The sidecar path for a model path: "dir/name.pt" → "dir/name.json".
std::string sidecarPath(const std::string& modelPath);

} // namespace segstudio::inference

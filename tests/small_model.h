#pragma once

#include "inference/segmentation_model.h"

#include <string>

namespace segstudio::test {

// A small six-class built-in network (the dubai_aerial colours) saved at `path`, for tests of the
// commands' plumbing rather than of a model's quality. False with *error when it cannot be saved.
inline bool saveSmallSixClassModel(const std::string& path, const std::string& name, std::string* error) {
    inference::ModelMetadata metadata;
    metadata.name = name;
    metadata.architecture.width = 0.25;
    const char* colours[] = {"#3c1098", "#8429f6", "#6ec1e4", "#fedd3a", "#e2a929", "#9b9b9b"};
    for (int c = 0; c < 6; ++c)
        metadata.classes.push_back({"class " + std::to_string(c), colours[c]});
    return inference::SegmentationModel::createBuiltIn(metadata, 2)->save(path, error);
}

} // namespace segstudio::test

// libFuzzer harness: a model's JSON sidecar (inference::metadataFromJson). Whatever the bytes,
// parsing returns true or false with a message; it never throws, aborts or reads out of bounds.
#include "inference/model_metadata.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    segstudio::inference::ModelMetadata metadata;
    std::string error;
    if (segstudio::inference::metadataFromJson(std::string(reinterpret_cast<const char*>(data), size), metadata,
                                               &error)) {
        // What parsed must write back and parse again the same.
        segstudio::inference::ModelMetadata again;
        if (!segstudio::inference::metadataFromJson(segstudio::inference::metadataToJson(metadata), again, &error) ||
            again.classes.size() != metadata.classes.size())
            __builtin_trap();
    } else if (error.empty()) {
        __builtin_trap(); // a refusal must say why
    }
    return 0;
}

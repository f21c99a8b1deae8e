// segstudio-infer-bench: Qt-free timings and checks of the engine, for a machine that has only
// LibTorch (a GPU box). Prints JSON lines:
//   {"runtime": …}                                       what LibTorch sees
//   {"predict": …, "precision", "batch", "mp_per_s"}     for every precision × batch asked for
//   {"agreement": …}                                      argmax agreement of --device vs CPU fp32
//   {"train": …, "steps", "seconds", "first_loss", "last_loss"}
// usage: segstudio-infer-bench [--model PATH] [--size WxH] [--device D] [--precisions fp32,fp16]
//                              [--batches 1,4,16] [--tile N] [--compare] [--train-steps N]
#include "inference/heap_tuning.h"
#include "inference/runtime_info.h"
#include "inference/segmentation_model.h"
#include "inference/tiled_predictor.h"
#include "inference/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace segstudio::inference;

namespace {

std::vector<std::string> split(const std::string& text)
{
    std::vector<std::string> parts;
    std::stringstream stream(text);
    for (std::string part; std::getline(stream, part, ',');)
        if (!part.empty())
            parts.push_back(part);
    return parts;
}

std::vector<uint8_t> syntheticImage(int width, int height)
{
    std::vector<uint8_t> rgb(size_t(width) * height * 3);
    std::mt19937 random(11);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            for (int c = 0; c < 3; ++c)
                rgb[(size_t(y) * width + x) * 3 + c] = uint8_t(std::clamp(
                    int(120 + 80 * std::sin((x + 40 * c) / 60.0) * std::cos((y - 30 * c) / 45.0)) + int(random() % 20),
                    0, 255));
    return rgb;
}

std::unique_ptr<SegmentationModel> openModel(const std::string& path, std::string* error)
{
    if (!path.empty())
        return SegmentationModel::load(path, error);
    ModelMetadata metadata;
    metadata.name = "resnet18-unet (random weights)";
    for (int c = 0; c < 6; ++c)
        metadata.classes.push_back({"class " + std::to_string(c), "#808080"});
    return SegmentationModel::createBuiltIn(metadata, 1);
}

double seconds(std::chrono::steady_clock::time_point since)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

} // namespace

int main(int argc, char* argv[])
{
    segstudio::inference::keepFreedMemoryForReuse();
    std::string modelPath, device = "auto", precisions = "auto", batches = "4";
    int width = 2048, height = 2048, tile = 512, trainSteps = 0;
    bool compare = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "segstudio-infer-bench: %s needs a value\n", arg.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--model")
            modelPath = value();
        else if (arg == "--device")
            device = value();
        else if (arg == "--precisions")
            precisions = value();
        else if (arg == "--batches")
            batches = value();
        else if (arg == "--tile")
            tile = std::stoi(value());
        else if (arg == "--train-steps")
            trainSteps = std::stoi(value());
        else if (arg == "--compare")
            compare = true;
        else if (arg == "--size") {
            const std::string size = value();
            const auto x = size.find('x');
            width = std::stoi(size.substr(0, x));
            height = std::stoi(size.substr(x + 1));
        } else {
            std::fprintf(stderr, "usage: segstudio-infer-bench [--model PATH] [--size WxH] [--device D] "
                                 "[--precisions fp32,fp16] [--batches 1,4,16] [--tile N] [--compare] "
                                 "[--train-steps N]\n");
            return arg == "--help" ? 0 : 2;
        }
    }
    const auto runtime = runtimeInfo();
    std::printf("{\"runtime\":{\"torch\":\"%s\",\"cuda_available\":%s,\"cuda_devices\":%d,\"cpu_threads\":%d}}\n",
                runtime.torchVersion.c_str(), runtime.cudaAvailable ? "true" : "false", runtime.cudaDeviceCount,
                runtime.cpuThreads);
    std::string error;
    const auto rgb = syntheticImage(width, height);
    const ImageView view{rgb.data(), width, height, 0};

    Prediction reference;
    if (compare) {
        auto model = openModel(modelPath, &error);
        PredictOptions options;
        options.device = "cpu";
        options.precision = "fp32";
        options.tile = tile;
        auto predictor = model ? TiledPredictor::create(*model, options, &error) : nullptr;
        if (!predictor || !predictor->predict(view, reference, {}, nullptr, &error)) {
            std::fprintf(stderr, "segstudio-infer-bench: %s\n", error.c_str());
            return 1;
        }
    }
    for (const std::string& precision : split(precisions)) {
        for (const std::string& batch : split(batches)) {
            auto model = openModel(modelPath, &error);
            PredictOptions options;
            options.device = device;
            options.precision = precision;
            options.batch = std::stoi(batch);
            options.tile = tile;
            auto predictor = model ? TiledPredictor::create(*model, options, &error) : nullptr;
            Prediction prediction;
            if (!predictor || !predictor->predict(view, prediction, {}, nullptr, &error)) { // warm-up
                std::fprintf(stderr, "segstudio-infer-bench: %s\n", error.c_str());
                return 1;
            }
            const auto start = std::chrono::steady_clock::now();
            const int runs = 3;
            for (int r = 0; r < runs; ++r)
                predictor->predict(view, prediction, {}, nullptr, &error);
            const double elapsed = seconds(start) / runs;
            std::printf("{\"predict\":\"%s\",\"device\":\"%s\",\"precision\":\"%s\",\"batch\":%d,\"tile\":%d,"
                        "\"size\":\"%dx%d\",\"seconds\":%.4f,\"mp_per_s\":%.2f}\n",
                        model->metadata().name.c_str(), predictor->deviceDescription().c_str(),
                        predictor->precisionName().c_str(), predictor->batchSize(), tile, width, height, elapsed,
                        double(width) * height / 1e6 / elapsed);
            if (compare) {
                size_t same = 0;
                for (size_t i = 0; i < reference.classes.size(); ++i)
                    same += reference.classes[i] == prediction.classes[i];
                std::printf("{\"agreement\":%.6f,\"versus\":\"CPU fp32\",\"precision\":\"%s\",\"batch\":%d}\n",
                            double(same) / double(reference.classes.size()), predictor->precisionName().c_str(),
                            predictor->batchSize());
            }
            std::fflush(stdout);
        }
    }
    if (trainSteps > 0) {
        auto model = openModel(modelPath, &error);
        TrainingSample sample{width, height, rgb, std::vector<uint8_t>(size_t(width) * height), {}};
        for (size_t i = 0; i < sample.mask.size(); ++i) // a learnable target: bright vs dark
            sample.mask[i] = uint8_t((rgb[i * 3] > 128) + (rgb[i * 3 + 1] > 128)) % model->classCount();
        TrainOptions options;
        options.device = device;
        options.steps = trainSteps;
        std::vector<double> losses;
        auto trainer = Trainer::create(*model, options, &error);
        TrainResult result;
        const auto start = std::chrono::steady_clock::now();
        if (!trainer || !trainer->train({sample}, result, [&](const TrainStep& s) { losses.push_back(s.loss); },
                                        nullptr, &error)) {
            std::fprintf(stderr, "segstudio-infer-bench: %s\n", error.c_str());
            return 1;
        }
        std::printf("{\"train\":\"%s\",\"device\":\"%s\",\"steps\":%d,\"batch\":%d,\"crop\":%d,\"seconds\":%.2f,"
                    "\"first_loss\":%.4f,\"last_loss\":%.4f}\n",
                    model->metadata().name.c_str(), trainer->deviceDescription().c_str(), result.steps, options.batch,
                    options.crop, seconds(start), losses.front(), result.finalLoss);
    }
    return 0;
}

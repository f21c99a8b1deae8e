// segstudio-infer-train: `segstudio-cli train` for a machine that has only LibTorch (a GPU box
// without Qt, GDAL or OpenCV). Reads folders made by pack_dataset.py (raw RGB and class bytes),
// trains the built-in network or fine-tunes a model, saves it with its sidecar, and scores it on
// validation folders. Prints JSON lines: {"start": …}, {"progress": …} every --log-every steps,
// and a final {"steps", "final_loss", "train_seconds", "validation": …}.
// usage: segstudio-infer-train --data DIR [--data DIR …] --output MODEL.pt [--init MODEL]
//          [--val DIR …] [--steps N] [--batch N] [--crop N] [--lr X] [--dice X] [--scale MIN:MAX]
//          [--sample-power X] [--freeze-bn] [--encoder resnet18|resnet34] [--width X]
//          [--name NAME] [--device D] [--precision P] [--threads N] [--seed N]
//          [--checkpoint-every N] [--log-every N]
#include "inference/evaluation.h"
#include "inference/heap_tuning.h"
#include "inference/segmentation_model.h"
#include "inference/tiled_predictor.h"
#include "inference/trainer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace segstudio::inference;
namespace fs = std::filesystem;

namespace {

[[noreturn]] void failWith(const std::string& message) {
    std::fprintf(stderr, "segstudio-infer-train: %s\n", message.c_str());
    std::exit(1);
}

std::vector<std::string> fields(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream stream(line);
    for (std::string field; std::getline(stream, field, '\t');)
        out.push_back(field);
    return out;
}

// A whole non-negative number from a packed index, or -1.
int count(const std::string& text) {
    char* end = nullptr;
    const long value = std::strtol(text.c_str(), &end, 10);
    return text.empty() || *end || value < 0 || value > (1 << 30) ? -1 : int(value);
}

bool readExactly(const fs::path& path, void* data, size_t bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in || fs::file_size(path) != bytes)
        return false;
    in.read(static_cast<char*>(data), std::streamsize(bytes));
    return bool(in);
}

struct PackedFolder {
    std::vector<ClassInfo> classes;
    std::vector<TrainingSample> samples;
};

// Loads a folder written by pack_dataset.py; any inconsistency ends the program with the file
// and what is wrong with it.
PackedFolder loadPacked(const std::string& folder) {
    PackedFolder packed;
    std::ifstream classes(fs::path(folder) / "classes.tsv");
    std::ifstream index(fs::path(folder) / "index.tsv");
    if (!classes || !index)
        failWith(folder +
                 " is not a packed dataset (no classes.tsv and index.tsv: make it with pack_dataset.py)");
    for (std::string line; std::getline(classes, line);) {
        const auto f = fields(line);
        if (f.size() != 3 || count(f[0]) != int(packed.classes.size()))
            failWith(folder + "/classes.tsv: bad line \"" + line + "\"");
        packed.classes.push_back({f[1], f[2]});
    }
    for (std::string line; std::getline(index, line);) {
        const auto f = fields(line);
        TrainingSample sample;
        sample.width = f.size() >= 3 ? count(f[1]) : -1;
        sample.height = f.size() >= 3 ? count(f[2]) : -1;
        if (sample.width <= 0 || sample.height <= 0)
            failWith(folder + "/index.tsv: bad line \"" + line + "\"");
        const size_t pixels = size_t(sample.width) * sample.height;
        sample.rgb.resize(pixels * 3);
        sample.mask.resize(pixels);
        if (!readExactly(fs::path(folder) / (f[0] + ".rgb"), sample.rgb.data(), sample.rgb.size()) ||
            !readExactly(fs::path(folder) / (f[0] + ".mask"), sample.mask.data(), sample.mask.size()))
            failWith(folder + "/" + f[0] + ".rgb or .mask is missing or not " + f[1] + "×" + f[2] +
                     " pixels");
        for (const uint8_t c : sample.mask)
            if (c != 255 && c >= packed.classes.size())
                failWith(folder + "/" + f[0] + ".mask holds class " + std::to_string(c) + "; the pack has " +
                         std::to_string(packed.classes.size()) + " classes");
        packed.samples.push_back(std::move(sample));
    }
    if (packed.samples.empty())
        failWith(folder + " holds no packed images");
    return packed;
}

bool sameClasses(const std::vector<ClassInfo>& a, const std::vector<ClassInfo>& b) {
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].name != b[i].name)
            return false;
    return true;
}

double seconds(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

} // namespace

int main(int argc, char* argv[]) {
    segstudio::inference::keepFreedMemoryForReuse();
    std::vector<std::string> dataFolders, valFolders;
    std::string output, init, encoder = "resnet18", name;
    double width = 0.5;
    int logEvery = 50;
    TrainOptions options;
    options.learningRate = 0.002;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                failWith(arg + " needs a value");
            return argv[++i];
        };
        auto number = [&]() {
            const std::string text = value();
            char* end = nullptr;
            const double x = std::strtod(text.c_str(), &end);
            if (text.empty() || *end)
                failWith(arg + " wants a number, not \"" + text + "\"");
            return x;
        };
        if (arg == "--data")
            dataFolders.push_back(value());
        else if (arg == "--val")
            valFolders.push_back(value());
        else if (arg == "--output")
            output = value();
        else if (arg == "--init")
            init = value();
        else if (arg == "--steps")
            options.steps = int(number());
        else if (arg == "--batch")
            options.batch = int(number());
        else if (arg == "--crop")
            options.crop = int(number());
        else if (arg == "--lr")
            options.learningRate = number();
        else if (arg == "--dice")
            options.diceWeight = number();
        else if (arg == "--sample-power")
            options.samplingPower = number();
        else if (arg == "--freeze-bn")
            options.freezeBatchNorm = true;
        else if (arg == "--scale") {
            const std::string range = value();
            const auto colon = range.find(':');
            options.minScale = colon == std::string::npos ? 0 : std::atof(range.substr(0, colon).c_str());
            options.maxScale = colon == std::string::npos ? 0 : std::atof(range.substr(colon + 1).c_str());
            if (options.minScale <= 0 || options.maxScale < options.minScale)
                failWith("--scale wants MIN:MAX with 0 < MIN <= MAX, e.g. 0.75:1.33");
        } else if (arg == "--encoder")
            encoder = value();
        else if (arg == "--width")
            width = number();
        else if (arg == "--name")
            name = value();
        else if (arg == "--device")
            options.device = value();
        else if (arg == "--precision")
            options.precision = value();
        else if (arg == "--threads")
            options.threads = int(number());
        else if (arg == "--seed")
            options.seed = uint64_t(number());
        else if (arg == "--checkpoint-every")
            options.checkpointEvery = int(number());
        else if (arg == "--log-every")
            logEvery = std::max(1, int(number()));
        else
            failWith("unknown option " + arg + " (see the comment at the top of infer_train.cpp)");
    }
    if (dataFolders.empty() || output.empty())
        failWith("needs --data DIR (made by pack_dataset.py) and --output MODEL.pt");
    if (options.steps <= 0 || options.samplingPower < 0 || options.samplingPower > 1)
        failWith("--steps must be positive and --sample-power from 0 to 1");
    if (encoder != "resnet18" && encoder != "resnet34")
        failWith("--encoder must be resnet18 or resnet34");
    options.checkpointPath = output;

    std::vector<ClassInfo> classes;
    std::vector<TrainingSample> samples, validation;
    const auto loadStart = std::chrono::steady_clock::now();
    for (const auto& [folders, into] :
         {std::pair{&dataFolders, &samples}, std::pair{&valFolders, &validation}}) {
        for (const std::string& folder : *folders) {
            PackedFolder packed = loadPacked(folder);
            if (classes.empty())
                classes = packed.classes;
            else if (!sameClasses(classes, packed.classes))
                failWith(folder + " was packed with another class list than " + dataFolders.front());
            for (auto& s : packed.samples)
                into->push_back(std::move(s));
        }
    }
    long long labelled = 0;
    for (const auto& s : samples)
        labelled += std::count_if(s.mask.begin(), s.mask.end(), [](uint8_t c) { return c != 255; });

    std::string error;
    std::unique_ptr<SegmentationModel> model;
    if (!init.empty()) {
        model = SegmentationModel::load(init, &error);
        if (!model)
            failWith(error);
        if (model->metadata().classes.size() != classes.size())
            failWith("the model " + init + " predicts other classes than the packed data (" +
                     std::to_string(model->classCount()) + " vs " + std::to_string(classes.size()) + ")");
        for (size_t c = 0; c < classes.size(); ++c)
            if (model->metadata().classes[c].name != classes[c].name)
                failWith("the model " + init + " calls class " + std::to_string(c) + " \"" +
                         model->metadata().classes[c].name + "\" but the packed data \"" + classes[c].name +
                         "\"");
        if (!name.empty())
            model->metadata().name = name;
    } else {
        ModelMetadata metadata;
        metadata.classes = classes;
        metadata.architecture.depth = encoder == "resnet34" ? 34 : 18;
        metadata.architecture.width = width;
        metadata.name = name.empty() ? fs::path(output).stem().string() : name;
        model = SegmentationModel::createBuiltIn(metadata, options.seed);
    }

    auto trainer = Trainer::create(*model, options, &error);
    if (!trainer)
        failWith(error);
    std::printf(
        "{\"start\":{\"images\":%zu,\"labelled_pixels\":%lld,\"load_seconds\":%.1f,\"steps\":%d,\"batch\":%d,"
        "\"crop\":%d,\"device\":\"%s\",\"parameters\":%lld}}\n",
        samples.size(), labelled, seconds(loadStart), options.steps, options.batch, options.crop,
        trainer->deviceDescription().c_str(), model->parameterCount());
    std::fflush(stdout);
    const auto trainStart = std::chrono::steady_clock::now();
    double smoothed = -1;
    TrainResult result;
    const bool ok = trainer->train(
        samples, result,
        [&](const TrainStep& step) {
            smoothed = smoothed < 0 ? step.loss : 0.95 * smoothed + 0.05 * step.loss;
            if (step.step % logEvery == 0 || step.step == step.steps) {
                std::printf("{\"progress\":{\"step\":%d,\"loss\":%.4f,\"lr\":%.3g,\"seconds\":%.1f}}\n",
                            step.step, smoothed, step.learningRate, seconds(trainStart));
                std::fflush(stdout);
            }
        },
        nullptr, &error);
    if (!ok)
        failWith(error);
    const double trainSeconds = seconds(trainStart);
    std::string from;
    for (const auto& folder : dataFolders)
        from += (from.empty() ? "" : ", ") + folder;
    model->metadata().history.back().notes =
        "segstudio-infer-train: " + std::to_string(samples.size()) + " images from " + from;
    if (!model->save(output, &error))
        failWith(error);

    std::printf("{\"steps\":%d,\"final_loss\":%.5f,\"train_seconds\":%.1f", result.steps, result.finalLoss,
                trainSeconds);
    if (!validation.empty()) {
        PredictOptions predict;
        predict.device = options.device;
        predict.threads = options.threads;
        auto predictor = TiledPredictor::create(*model, predict, &error);
        if (!predictor)
            failWith(error);
        ConfusionMatrix matrix(model->classCount());
        for (const auto& sample : validation) {
            Prediction prediction;
            if (!predictor->predict({sample.rgb.data(), sample.width, sample.height, 0}, prediction, {},
                                    nullptr, &error))
                failWith(error);
            matrix.add(prediction.classes.data(), sample.mask.data(), sample.mask.size());
        }
        std::vector<std::string> names;
        for (const auto& c : model->metadata().classes)
            names.push_back(c.name);
        std::printf(",\"validation\":%s", matrix.toJson(names).c_str());
    }
    std::printf("}\n");
    return 0;
}

// segstudio-cli bench: throughput of the tiled predictor on a synthetic image, in megapixels
// per second, excluding file I/O.
#include "app/cli/cli_commands.h"
#include "app/cli/cli_support.h"
#include "app/cli/option_values.h"
#include "app/jobs/model_registry.h"
#include "inference/tiled_predictor.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <algorithm>
#include <cstdio>
#include <random>

namespace segstudio::cli {

int runBench(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Measure prediction throughput (MP/s)."));
    parser.addHelpOption();
    addPredictorOptions(parser);
    parser.addOptions({
        {QStringLiteral("size"), QStringLiteral("Synthetic image size."), QStringLiteral("WxH"),
         QStringLiteral("2048x2048")},
        {QStringLiteral("repeat"), QStringLiteral("Timed runs (the best is reported)."), QStringLiteral("N"),
         QStringLiteral("3")},
    });
    parser.process(arguments);
    const QStringList size = parser.value(QStringLiteral("size")).split(QLatin1Char('x'));
    bool widthOk = false, heightOk = false;
    const int width = size.value(0).toInt(&widthOk), height = size.value(1).toInt(&heightOk);
    // The synthetic image is held in memory, 3 bytes a pixel and the prediction beside it.
    if (size.size() != 2 || !widthOk || !heightOk || width <= 0 || height <= 0 ||
        double(width) * height > 256e6)
        return failWith(
            QStringLiteral("--size must be WIDTHxHEIGHT, at most 256 megapixels, e.g. 2048x2048"));
    QString error;
    inference::PredictOptions options;
    int repeat = 0;
    if (!predictorOptions(parser, options, &error) ||
        !intOption(parser, QStringLiteral("repeat"), 1, 1000, repeat, &error))
        return failWith(error);
    auto model = ModelRegistry::load(parser.value(QStringLiteral("model")), &error);
    if (!model)
        return failWith(error);
    std::string why;
    auto predictor = inference::TiledPredictor::create(*model, options, &why);
    if (!predictor)
        return failWith(QString::fromStdString(why));

    // Smooth structure plus noise, like imagery; content does not change the arithmetic.
    std::vector<uint8_t> rgb(size_t(width) * height * 3);
    std::mt19937 random(7);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            for (int c = 0; c < 3; ++c)
                rgb[(size_t(y) * width + x) * 3 + c] = uint8_t(std::clamp(
                    int(120 + 60 * std::sin((x + 50 * c) / 90.0) * std::cos(y / 70.0)) + int(random() % 24),
                    0, 255));
    const inference::ImageView view{rgb.data(), width, height, 0};
    inference::Prediction prediction;
    // Warm-up on one window: first-call allocations and kernel selection are not throughput.
    const inference::ImageView warm{rgb.data(), std::min(width, predictor->tileSize()),
                                    std::min(height, predictor->tileSize()), size_t(width) * 3};
    if (!predictor->predict(warm, prediction, {}, nullptr, &why))
        return failWith(QString::fromStdString(why));
    double best = 1e30;
    for (int r = 0; r < repeat; ++r) {
        QElapsedTimer timer;
        timer.start();
        if (!predictor->predict(view, prediction, {}, nullptr, &why))
            return failWith(QString::fromStdString(why));
        best = std::min(best, timer.nsecsElapsed() / 1e9);
    }
    std::printf("{\"model\":\"%s\",\"size\":\"%dx%d\",\"device\":\"%s\",\"precision\":\"%s\",\"batch\":%d,"
                "\"tile\":%d,"
                "\"seconds\":%.3f,\"mp_per_s\":%.3f}\n",
                model->metadata().name.c_str(), width, height, predictor->deviceDescription().c_str(),
                predictor->precisionName().c_str(), predictor->batchSize(), predictor->tileSize(), best,
                double(width) * height / 1e6 / best);
    return 0;
}

} // namespace segstudio::cli

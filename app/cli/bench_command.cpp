// segstudio-cli bench: throughput of the tiled predictor on a synthetic image, in megapixels
// per second, excluding file I/O.
#include "app/cli/cli_commands.h"
#include "app/cli/cli_support.h"
#include "app/cli/option_values.h"
#include "app/jobs/model_registry.h"
#include "app/jobs/precision_choice.h"
#include "inference/compute_ceiling.h"
#include "inference/tiled_predictor.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QSettings>
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
        {QStringLiteral("compare-frozen"),
         QStringLiteral("Also time the network as trained (--frozen off), alternately with the frozen one, "
                        "and report both and their ratio.")},
        {QStringLiteral("no-ceiling"), QStringLiteral("Skip measuring the machine's GFLOP/s.")},
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
    QSettings settings;
    QString precisionReason;
    PrecisionChoice::resolve(options, *model, nullptr, settings, &precisionReason);
    auto predictor = inference::TiledPredictor::create(*model, options, &why);
    if (!predictor)
        return failWith(QString::fromStdString(why));
    const bool compareFrozen = parser.isSet(QStringLiteral("compare-frozen"));
    inference::PredictOptions asTrainedOptions = options;
    asTrainedOptions.frozen = false;
    auto asTrained =
        compareFrozen ? inference::TiledPredictor::create(*model, asTrainedOptions, &why) : nullptr;
    if (compareFrozen && !asTrained)
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
    if (!predictor->predict(warm, prediction, {}, nullptr, &why) ||
        (asTrained && !asTrained->predict(warm, prediction, {}, nullptr, &why)))
        return failWith(QString::fromStdString(why));
    const auto timed = [&](inference::TiledPredictor& p, double& seconds) {
        QElapsedTimer timer;
        timer.start();
        if (!p.predict(view, prediction, {}, nullptr, &why))
            return false;
        seconds = timer.nsecsElapsed() / 1e9;
        return true;
    };
    // With --compare-frozen the two run alternately, so a change of the machine's speed (other
    // work, clocks) falls on both; the ratio is the median of the runs' ratios.
    double best = 1e30, bestAsTrained = 1e30;
    std::vector<double> ratios;
    for (int r = 0; r < repeat; ++r) {
        double frozenSeconds = 0, asTrainedSeconds = 0;
        if (!timed(*predictor, frozenSeconds) || (asTrained && !timed(*asTrained, asTrainedSeconds)))
            return failWith(QString::fromStdString(why));
        best = std::min(best, frozenSeconds);
        if (asTrained) {
            bestAsTrained = std::min(bestAsTrained, asTrainedSeconds);
            ratios.push_back(asTrainedSeconds / frozenSeconds);
        }
    }
    const double megapixels = double(width) * height / 1e6;
    QString extra;
    if (asTrained) {
        std::sort(ratios.begin(), ratios.end());
        extra += QStringLiteral(",\"as_trained_mp_per_s\":%1,\"frozen_speedup\":%2")
                     .arg(megapixels / bestAsTrained, 0, 'f', 3)
                     .arg(ratios[ratios.size() / 2], 0, 'f', 3);
    }
    // The ceiling: how much of what this machine can compute the predictor uses.
    const double gflopPerMegapixel = 2 * model->multiplyAddsPerPixel() / 1e3;
    if (gflopPerMegapixel > 0)
        extra += QStringLiteral(",\"model_gflop_per_mp\":%1,\"computed_share\":%2")
                     .arg(gflopPerMegapixel, 0, 'f', 2)
                     .arg(predictor->computedPixels(width, height) / (megapixels * 1e6), 0, 'f', 3);
    if (!parser.isSet(QStringLiteral("no-ceiling")) && !predictor->deviceDescription().starts_with("CUDA")) {
        const double achieved = gflopPerMegapixel * predictor->computedPixels(width, height) / 1e6 / best;
        for (const char* precision : {"fp32", "bf16"}) {
            const auto ceiling = inference::measureComputeCeiling(precision, options.threads);
            if (!ceiling.error.empty())
                continue;
            extra += QStringLiteral(",\"%1_matmul_gflops\":%2,\"%1_convolution_gflops\":%3")
                         .arg(QLatin1String(precision))
                         .arg(ceiling.matmulGflops, 0, 'f', 1)
                         .arg(ceiling.convolutionGflops, 0, 'f', 1);
            if (gflopPerMegapixel > 0 && predictor->precisionName() == precision)
                extra +=
                    QStringLiteral(",\"achieved_gflops\":%1,\"share_of_peak\":%2")
                        .arg(achieved, 0, 'f', 1)
                        .arg(achieved / std::max(ceiling.matmulGflops, ceiling.convolutionGflops), 0, 'f', 3);
        }
    }
    if (!precisionReason.isEmpty())
        extra += QStringLiteral(",\"precision_reason\":\"%1\"").arg(precisionReason);
    std::printf("{\"model\":\"%s\",\"size\":\"%dx%d\",\"device\":\"%s\",\"precision\":\"%s\",\"batch\":%d,"
                "\"tile\":%d,"
                "\"seconds\":%.3f,\"mp_per_s\":%.3f%s}\n",
                model->metadata().name.c_str(), width, height, predictor->deviceDescription().c_str(),
                predictor->precisionName().c_str(), predictor->batchSize(), predictor->tileSize(), best,
                megapixels / best, qUtf8Printable(extra));
    return 0;
}

} // namespace segstudio::cli

#include "app/jobs/precision_choice.h"

#include "inference/runtime_info.h"

#include <QCryptographicHash>
#include <cmath>
#include <random>
#include <vector>

namespace segstudio {
namespace {

const QString Group = QStringLiteral("precision-auto");

// Smooth structure with noise, like imagery, for when no part of the image is at hand.
std::vector<uint8_t> syntheticSample(int side) {
    std::vector<uint8_t> rgb(size_t(side) * side * 3);
    std::mt19937 random(5);
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x)
            for (int c = 0; c < 3; ++c)
                rgb[(size_t(y) * side + x) * 3 + c] = uint8_t(std::clamp(
                    int(120 + 60 * std::sin((x + 50 * c) / 40.0) * std::cos(y / 30.0)) + int(random() % 24),
                    0, 255));
    return rgb;
}

bool runsOnCpu(const std::string& device) {
    return device == "cpu" || (device == "auto" && !inference::runtimeInfo().cudaAvailable);
}

} // namespace

QString PrecisionChoice::currentRuntime() {
    return QString::fromStdString(inference::cpuDescription() + "|LibTorch " +
                                  inference::runtimeInfo().torchVersion);
}

QString PrecisionChoice::cacheKey(const inference::SegmentationModel& model, const QString& runtime) {
    const auto& md = model.metadata();
    // "layout": choices kept before the calibration measured the layout at the predictor's
    // window size (a 256² window picked the slow bf16 path on AMX) are measured again.
    QString identity = runtime + QString::fromStdString("|layout|" + md.format + "|" + md.name + "|" +
                                                        std::to_string(md.classes.size()));
    if (model.isTorchScript())
        identity += QStringLiteral("|%1").arg(md.weightsBytes);
    else
        identity += QStringLiteral("|resnet%1-w%2").arg(md.architecture.depth).arg(md.architecture.width);
    // A hash: QSettings keys may not hold every character a CPU or model name has.
    return QString::fromLatin1(QCryptographicHash::hash(identity.toUtf8(), QCryptographicHash::Sha1).toHex());
}

namespace {

// Prediction's choice under the model's key, learning's beside it.
QString keyOf(const inference::SegmentationModel& model, const QString& runtime, const QString& purpose) {
    return Group + QLatin1Char('/') + PrecisionChoice::cacheKey(model, runtime) +
           (purpose == QLatin1String("predict") ? QString() : QLatin1Char('-') + purpose);
}

void keep(QSettings& settings, const QString& key, const inference::PrecisionDecision& decision,
          const inference::SegmentationModel& model, const QString& runtime) {
    settings.setValue(key + QStringLiteral("/precision"), QString::fromStdString(decision.precision));
    settings.setValue(key + QStringLiteral("/reason"), QString::fromStdString(decision.reason));
    settings.setValue(key + QStringLiteral("/channels-last"), decision.channelsLast);
    settings.setValue(key + QStringLiteral("/runtime"), runtime);
    settings.setValue(key + QStringLiteral("/model"), QString::fromStdString(model.metadata().name));
    settings.sync();
}

} // namespace

bool PrecisionChoice::cached(const inference::SegmentationModel& model, const QSettings& settings,
                             inference::PrecisionDecision* decision, const QString& runtime,
                             const QString& purpose) {
    const QString key = keyOf(model, runtime, purpose);
    const QString precision = settings.value(key + QStringLiteral("/precision")).toString();
    if (precision != QLatin1String("fp32") && precision != QLatin1String("bf16"))
        return false;
    decision->precision = precision.toStdString();
    decision->reason = settings.value(key + QStringLiteral("/reason")).toString().toStdString();
    decision->channelsLast = settings.value(key + QStringLiteral("/channels-last"), false).toBool();
    return true;
}

void PrecisionChoice::resolve(inference::PredictOptions& options, const inference::SegmentationModel& model,
                              const inference::ImageView* sample, QSettings& settings, QString* reason,
                              const QString& runtime) {
    reason->clear();
    if (options.precision != "auto" || !runsOnCpu(options.device))
        return;
    inference::PrecisionDecision decision;
    if (!cached(model, settings, &decision, runtime)) {
        const int side = 256;
        const std::vector<uint8_t> synthetic = sample ? std::vector<uint8_t>() : syntheticSample(side);
        const inference::ImageView view =
            sample ? *sample : inference::ImageView{synthetic.data(), side, side, 0};
        // At the predictor's window size: on a Xeon with AMX, bf16 (plain layout) measured 3.5x
        // fp32 on 256² windows of the default model and 0.9x on 512² ones (docs/benchmarks.md).
        // One window a pass: the ratios of batches of 1, 2 and 4 were within a few per cent of
        // each other, and a batch of four DeepLabV3-ResNet50 windows made the measurement 40 s.
        const auto trial = inference::measurePrecision(model, view, options.tile, 1, options.threads);
        decision = inference::decidePrecision(trial);
        keep(settings, keyOf(model, runtime, QStringLiteral("predict")), decision, model, runtime);
    }
    options.precision = decision.precision;
    if (options.channelsLast < 0) // asked for explicitly, a layout is kept as asked
        options.channelsLast = decision.channelsLast ? 1 : 0;
    *reason = QString::fromStdString(decision.reason);
}

QString PrecisionChoice::inWords(const inference::PredictOptions& options, const QString& reason) {
    const QString precision = QString::fromStdString(options.precision);
    return reason.isEmpty() ? precision : QStringLiteral("%1 (%2)").arg(precision, reason);
}

void PrecisionChoice::resolveTraining(inference::TrainOptions& options,
                                      const inference::SegmentationModel& model, QSettings& settings,
                                      QString* reason, const QString& runtime) {
    reason->clear();
    if (options.precision != "auto" || !runsOnCpu(options.device))
        return;
    // Learning from corrections (decoder only) stays in fp32 and has a layout to choose
    // (inference::measureLearningLayouts); training a whole network a precision.
    const QString purpose = options.decoderOnly ? QStringLiteral("learn") : QStringLiteral("train");
    inference::PrecisionDecision decision;
    if (!cached(model, settings, &decision, runtime, purpose)) {
        decision = options.decoderOnly ? inference::decideLearningLayout(inference::measureLearningLayouts(
                                             model, options.crop, options.batch, options.threads))
                                       : inference::decidePrecision(inference::measureTrainingPrecision(
                                             model, options.crop, options.batch, options.threads));
        keep(settings, keyOf(model, runtime, purpose), decision, model, runtime);
    }
    options.precision = decision.precision;
    options.channelsLast = options.decoderOnly && decision.channelsLast;
    *reason = QString::fromStdString(decision.reason);
}

} // namespace segstudio

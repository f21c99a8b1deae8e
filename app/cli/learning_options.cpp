#include "app/cli/learning_options.h"

#include <utility>

namespace segstudio::cli {

void addLearningOptions(QCommandLineParser& parser, const LearningSettings& defaults) {
    parser.addOptions({
        {QStringLiteral("learn-from"),
         QStringLiteral(
             "opened: each round fine-tunes the model as opened on all corrections so far; latest: "
             "the last round's version (default: the window's, %1).")
             .arg(defaults.fromOpenedModel ? QStringLiteral("opened") : QStringLiteral("latest")),
         QStringLiteral("opened|latest")},
        {QStringLiteral("learning-rate"),
         QStringLiteral("Fine-tuning learning rate (default: the window's, %1).").arg(defaults.learningRate),
         QStringLiteral("LR")},
        {QStringLiteral("anchor-tiles"),
         QStringLiteral(
             "Uncorrected tiles learned as anchors per corrected tile (default: the window's, %1).")
             .arg(defaults.anchorTilesPerCorrectedTile),
         QStringLiteral("N")},
        {QStringLiteral("class-balance"),
         QStringLiteral("Power P of the class balance: each class's pixels weigh (mean share / its share)^P "
                        "more; 0 turns it off (default: the window's, %1).")
             .arg(defaults.classBalancePower),
         QStringLiteral("P")},
        {QStringLiteral("decoder-only"),
         QStringLiteral("on: fine-tune the decoder and head only (default: the window's, %1).")
             .arg(defaults.decoderOnly ? QStringLiteral("on") : QStringLiteral("off")),
         QStringLiteral("on|off")},
        {QStringLiteral("average-weights"),
         QStringLiteral("on: keep the weights averaged over the second half of the steps (default: the "
                        "window's, %1).")
             .arg(defaults.averageWeights ? QStringLiteral("on") : QStringLiteral("off")),
         QStringLiteral("on|off")},
        {QStringLiteral("jitter"),
         QStringLiteral("on: jitter brightness, contrast and colour while fine-tuning (default: the "
                        "window's, %1).")
             .arg(defaults.photometricJitter ? QStringLiteral("on") : QStringLiteral("off")),
         QStringLiteral("on|off")},
    });
}

bool readLearningOptions(const QCommandLineParser& parser, LearningSettings& settings, QString* error) {
    const auto fail = [error](const QString& why) {
        *error = why;
        return false;
    };
    bool ok = false;
    if (parser.isSet(QStringLiteral("learning-rate"))) {
        settings.learningRate = parser.value(QStringLiteral("learning-rate")).toDouble(&ok);
        if (!ok || settings.learningRate <= 0 || settings.learningRate > 1)
            return fail(QStringLiteral("--learning-rate must be a number in (0, 1]"));
    }
    if (parser.isSet(QStringLiteral("anchor-tiles"))) {
        settings.anchorTilesPerCorrectedTile = parser.value(QStringLiteral("anchor-tiles")).toInt(&ok);
        if (!ok || settings.anchorTilesPerCorrectedTile < 0)
            return fail(QStringLiteral("--anchor-tiles must be a whole number, 0 or more"));
    }
    if (parser.isSet(QStringLiteral("class-balance"))) {
        settings.classBalancePower = parser.value(QStringLiteral("class-balance")).toDouble(&ok);
        if (!ok || !(settings.classBalancePower >= 0 && settings.classBalancePower <= 2)) // NaN too
            return fail(QStringLiteral("--class-balance must be a number from 0 (off) to 2"));
    }
    if (parser.isSet(QStringLiteral("learn-from"))) {
        const QString from = parser.value(QStringLiteral("learn-from"));
        if (from != QLatin1String("opened") && from != QLatin1String("latest"))
            return fail(QStringLiteral("--learn-from takes opened or latest"));
        settings.fromOpenedModel = from == QLatin1String("opened");
    }
    for (const auto& [name, flag] : {std::pair{QStringLiteral("decoder-only"), &settings.decoderOnly},
                                     std::pair{QStringLiteral("average-weights"), &settings.averageWeights},
                                     std::pair{QStringLiteral("jitter"), &settings.photometricJitter}}) {
        if (!parser.isSet(name))
            continue;
        const QString value = parser.value(name);
        if (value != QLatin1String("on") && value != QLatin1String("off"))
            return fail(QStringLiteral("--%1 takes on or off").arg(name));
        *flag = value == QLatin1String("on");
    }
    return true;
}

} // namespace segstudio::cli

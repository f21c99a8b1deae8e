#include "app/jobs/settings.h"

#include "annotation/source_policy.h"

#include <QSettings>

namespace segstudio {
namespace {

// The keys, once.
const QString DeviceKey = QStringLiteral("model/device");
const QString PrecisionKey = QStringLiteral("model/precision");
const QString TileKey = QStringLiteral("model/tile");
const QString OverlapKey = QStringLiteral("model/overlap");
const QString BatchKey = QStringLiteral("model/batch");
const QString ThreadsKey = QStringLiteral("model/threads");
const QString ViewsKey = QStringLiteral("model/views");
const QString StepsKey = QStringLiteral("learning/steps");
const QString LearningRateKey = QStringLiteral("learning/learning_rate");
const QString EditedWeightKey = QStringLiteral("learning/edited_weight");
const QString UndoMegabytesKey = QStringLiteral("undo/max_megabytes"); // in MB, for people editing the file
const QString UndoMinDepthKey = QStringLiteral("undo/min_depth");
const QString MaskMegabytesKey = QStringLiteral("memory/mask_megabytes");
const QString LiveKey = QStringLiteral("learning/live");
const QString LiveDelayKey = QStringLiteral("learning/live_delay_ms");
const QString SegmentOnOpenKey = QStringLiteral("model/segment_on_open");
const QString AllowNetworkKey = QStringLiteral("sources/allow_network");

int intIn(const QSettings& settings, const QString& key, int fallback, int low, int high) {
    bool ok = false;
    const int value = settings.value(key, fallback).toInt(&ok);
    return ok && value >= low && value <= high ? value : fallback;
}

double doubleIn(const QSettings& settings, const QString& key, double fallback, double low, double high) {
    bool ok = false;
    const double value = settings.value(key, fallback).toDouble(&ok);
    return ok && value >= low && value <= high ? value : fallback;
}

std::string stringOf(const QSettings& settings, const QString& key, const std::string& fallback) {
    const QString value = settings.value(key, QString::fromStdString(fallback)).toString();
    return value.isEmpty() ? fallback : value.toStdString();
}

} // namespace

Settings Settings::load() {
    const QSettings settings;
    Settings loaded;
    const inference::PredictOptions defaults;
    inference::PredictOptions& prediction = loaded.prediction;
    prediction.device = stringOf(settings, DeviceKey, defaults.device);
    prediction.precision = stringOf(settings, PrecisionKey, defaults.precision);
    prediction.tile = intIn(settings, TileKey, defaults.tile, 32, 8192);
    prediction.overlap = intIn(settings, OverlapKey, defaults.overlap, 0, 4096);
    prediction.batch = intIn(settings, BatchKey, defaults.batch, 0, 1024);
    prediction.threads = intIn(settings, ThreadsKey, defaults.threads, 0, 1024);
    prediction.views = intIn(settings, ViewsKey, defaults.views, 1, 8);
    if (!inference::isValidViewCount(prediction.views))
        prediction.views = defaults.views;
    if (!inference::predictOptionsProblem(prediction).empty()) { // e.g. an overlap above half the window
        prediction.tile = defaults.tile;
        prediction.overlap = defaults.overlap;
        prediction.batch = defaults.batch;
    }

    const LearningSettings learningDefaults;
    LearningSettings& learning = loaded.learning;
    learning.steps = intIn(settings, StepsKey, learningDefaults.steps, 1, 1000000);
    learning.learningRate = doubleIn(settings, LearningRateKey, learningDefaults.learningRate, 1e-8, 1.0);
    learning.editedWeight = doubleIn(settings, EditedWeightKey, learningDefaults.editedWeight, 0.0, 1000.0);
    // Learning runs where prediction runs.
    learning.device = prediction.device;
    learning.precision = prediction.precision;
    learning.threads = prediction.threads;

    loaded.liveLearning = settings.value(LiveKey, loaded.liveLearning).toBool();
    loaded.liveLearningDelayMs = intIn(settings, LiveDelayKey, loaded.liveLearningDelayMs, 0, 600000);
    loaded.segmentOnOpen = settings.value(SegmentOnOpenKey, loaded.segmentOnOpen).toBool();
    loaded.allowNetworkSources = settings.value(AllowNetworkKey, loaded.allowNetworkSources).toBool();

    const qint64 megabyte = 1024 * 1024;
    loaded.undoMaxBytes =
        qint64(intIn(settings, UndoMegabytesKey, int(UndoHistory::DefaultMaxBytes / megabyte), 1, 1 << 20)) *
        megabyte;
    loaded.undoMinDepth = intIn(settings, UndoMinDepthKey, UndoHistory::DefaultMinDepth, 0, 100000);
    loaded.maskMemoryBytes =
        qint64(intIn(settings, MaskMegabytesKey, int(loaded.maskMemoryBytes / megabyte), 16, 1 << 20)) *
        megabyte;
    return loaded;
}

void Settings::save() const {
    QSettings settings;
    settings.setValue(DeviceKey, QString::fromStdString(prediction.device));
    settings.setValue(PrecisionKey, QString::fromStdString(prediction.precision));
    settings.setValue(TileKey, prediction.tile);
    settings.setValue(OverlapKey, prediction.overlap);
    settings.setValue(BatchKey, prediction.batch);
    settings.setValue(ThreadsKey, prediction.threads);
    settings.setValue(ViewsKey, prediction.views);
    settings.setValue(StepsKey, learning.steps);
    settings.setValue(LearningRateKey, learning.learningRate);
    settings.setValue(EditedWeightKey, learning.editedWeight);
    settings.setValue(UndoMegabytesKey, undoMaxBytes / (1024 * 1024));
    settings.setValue(UndoMinDepthKey, undoMinDepth);
    settings.setValue(MaskMegabytesKey, maskMemoryBytes / (1024 * 1024));
    settings.setValue(LiveKey, liveLearning);
    settings.setValue(LiveDelayKey, liveLearningDelayMs);
    settings.setValue(SegmentOnOpenKey, segmentOnOpen);
    settings.setValue(AllowNetworkKey, allowNetworkSources);
}

void Settings::apply() const {
    SourcePolicy::setNetworkAllowed(allowNetworkSources);
}

} // namespace segstudio

// The inference engine through its public (torch-free) API: output contracts, tiled versus
// whole-image prediction, TorchScript models exported by PyTorch itself, training on real
// imagery, cancel, bundle round trips and broken model files.
#include "annotation/gdal_setup.h"
#include "annotation/label_mask.h"
#include "annotation/raster_source.h"
#include "app/jobs/correction_learning.h"
#include "app/jobs/training_set.h"
#include "inference/archive_check.h"
#include "inference/evaluation.h"
#include "inference/precision_calibration.h"
#include "inference/runtime_info.h"
#include "inference/segmentation_model.h"
#include "inference/tiled_predictor.h"
#include "inference/trainer.h"
#include "test_support.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

using namespace segstudio;
using namespace segstudio::inference;
using segstudio::test::dataPath;

namespace {

ModelMetadata smallMetadata(int classes) {
    ModelMetadata metadata;
    metadata.name = "test";
    metadata.architecture.width = 0.25;
    for (int c = 0; c < classes; ++c)
        metadata.classes.push_back({"class " + std::to_string(c), "#102030"});
    return metadata;
}

std::vector<uint8_t> texture(int width, int height, int seed) {
    std::vector<uint8_t> rgb(size_t(width) * height * 3);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            for (int c = 0; c < 3; ++c)
                rgb[(size_t(y) * width + x) * 3 + c] =
                    uint8_t(127 + 100 * std::sin((x * (c + 1) + seed) / 17.0) * std::cos((y + 7 * c) / 23.0));
    return rgb;
}

double agreement(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
    size_t same = 0;
    for (size_t i = 0; i < a.size(); ++i)
        same += a[i] == b[i];
    return double(same) / double(a.size());
}

// Recomputes the CRC-32 of the archive entry that holds byte `at`, in its local header and in
// the central directory: damage that checks out, as in a crafted file.
bool refreshZipChecksum(QByteArray& zip, qsizetype at) {
    const auto u16 = [&](qsizetype p) { return qsizetype(uint8_t(zip[p]) | (uint8_t(zip[p + 1]) << 8)); };
    const auto put32 = [&](qsizetype p, uint32_t value) {
        for (int i = 0; i < 4; ++i)
            zip[p + i] = char((value >> (8 * i)) & 0xFF);
    };
    const qsizetype local = zip.lastIndexOf("PK\x03\x04", at);
    if (local < 0)
        return false;
    const QByteArray name = zip.mid(local + 30, u16(local + 26));
    for (qsizetype c = zip.indexOf("PK\x01\x02"); c >= 0; c = zip.indexOf("PK\x01\x02", c + 4)) {
        if (zip.mid(c + 46, u16(c + 28)) != name)
            continue;
        const qsizetype size = u16(c + 20) | (u16(c + 22) << 16);
        const qsizetype data = local + 30 + name.size() + u16(local + 28);
        const uint32_t crc = crc32Of(zip.constData() + data, size_t(size));
        put32(local + 14, crc);
        put32(c + 16, crc);
        return true;
    }
    return false;
}

LabelledImage dubai(const QString& tile, int part) {
    const QString name = QStringLiteral("image_part_%1").arg(part, 3, 10, QLatin1Char('0'));
    return {dataPath(QStringLiteral("dubai_aerial/%1/images/%2.jpg").arg(tile, name)),
            dataPath(QStringLiteral("dubai_aerial/%1/masks/%2.png").arg(tile, name))};
}

} // namespace

class TestInference : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        initializeGdal();
        QVERIFY(m_dir.isValid());
        PredictOptions options;
        QVERIFY(!options.device.empty());
        // Water, mangroves and land: the image the prediction tests look at.
        QString error;
        QVERIFY2(loadSample(dubai(QStringLiteral("tile_6"), 4), ClassPalette::dubaiAerial(), m_tile6Image4,
                            &error),
                 qPrintable(error));
    }

    void outputContracts() {
        auto model = SegmentationModel::createBuiltIn(smallMetadata(5), 1);
        QCOMPARE(model->classCount(), 5);
        QVERIFY(!model->isTorchScript());
        QVERIFY(model->parameterCount() > 100000);
        PredictOptions options;
        options.device = "cpu";
        options.tile = 96;
        options.overlap = 16;
        std::string error;
        auto predictor = TiledPredictor::create(*model, options, &error);
        QVERIFY2(predictor, error.c_str());
        QCOMPARE(predictor->tileSize(), 96);
        // Odd sizes: not multiples of 32, smaller than a window in one direction.
        const int width = 203, height = 61;
        const auto rgb = texture(width, height, 1);
        Prediction prediction;
        int lastDone = 0, lastTotal = 0;
        QVERIFY(predictor->predict(
            {rgb.data(), width, height, 0}, prediction,
            [&](int done, int total) { lastDone = done, lastTotal = total; }, nullptr, &error));
        QCOMPARE(prediction.width, width);
        QCOMPARE(prediction.height, height);
        QCOMPARE(prediction.classes.size(), size_t(width * height));
        QCOMPARE(prediction.confidence.size(), size_t(width * height));
        QCOMPARE(lastDone, lastTotal);
        QCOMPARE(lastTotal, 3); // windows at x = 0, 80, 107
        for (size_t i = 0; i < prediction.classes.size(); ++i) {
            QVERIFY(prediction.classes[i] < 5);
            QVERIFY(prediction.confidence[i] >= 1.0f / 5 - 1e-5f && prediction.confidence[i] <= 1.0f + 1e-5f);
        }
        // A row stride wider than the image is honoured.
        std::vector<uint8_t> padded(size_t(width + 9) * height * 3, 0);
        for (int y = 0; y < height; ++y)
            std::copy_n(rgb.begin() + long(size_t(y) * width * 3), width * 3,
                        padded.begin() + long(size_t(y) * (width + 9) * 3));
        Prediction strided;
        QVERIFY(predictor->predict({padded.data(), width, height, size_t(width + 9) * 3}, strided, {},
                                   nullptr, &error));
        QCOMPARE(strided.classes, prediction.classes);
    }

    void badDeviceAndPrecision() {
        auto model = SegmentationModel::createBuiltIn(smallMetadata(2), 1);
        std::string error;
        PredictOptions options;
        options.device = "tpu";
        QVERIFY(!TiledPredictor::create(*model, options, &error));
        QVERIFY(error.find("unknown device") != std::string::npos);
        options.device = "cpu";
        options.precision = "fp16";
        QVERIFY(!TiledPredictor::create(*model, options, &error));
        QVERIFY(error.find("fp16 needs a CUDA device") != std::string::npos);
    }

    void samplingOddsFollowThePower() {
        // Power 1: every labelled pixel alike; 0.5: a 100× larger image only 10× as likely;
        // 0: every image alike. An image with nothing labelled is never drawn, even at power 0.
        const std::vector<long long> labelled{0, 100, 10000};
        QCOMPARE(samplingOdds(labelled, 1.0), (std::vector<double>{0, 100, 10000}));
        QCOMPARE(samplingOdds(labelled, 0.5), (std::vector<double>{0, 10, 100}));
        QCOMPARE(samplingOdds(labelled, 0.0), (std::vector<double>{0, 1, 1}));
    }

    void tiledAgreesWithWholeImage() {
        // The shipped default model on a real image (mangroves, water and land: many boundaries).
        std::string why;
        auto model = SegmentationModel::load(SEGSTUDIO_DEFAULT_MODEL, &why);
        QVERIFY2(model, why.c_str());
        LabelledImage pair = dubai(QStringLiteral("tile_6"), 4);
        inference::TrainingSample sample;
        QString error;
        QVERIFY2(loadSample(pair, ClassPalette::dubaiAerial(), sample, &error), qPrintable(error));
        // An 832² view (a multiple of 32): the one-window reference needs no padding, so the two
        // differ only by tiling. On the full 859 × 838 image the reference's reflected 5 + 26 px
        // border changes more boundary pixels (0.6 %) than the tiling does.
        const int side = 832;
        QVERIFY(sample.width >= side && sample.height >= side);
        const ImageView view{sample.rgb.data(), side, side, size_t(sample.width) * 3};
        PredictOptions whole;
        whole.device = "cpu";
        whole.tile = side;
        auto wholePredictor = TiledPredictor::create(*model, whole, &why);
        Prediction reference;
        QVERIFY(wholePredictor->predict(view, reference, {}, nullptr, &why));
        for (const int overlap : {PredictOptions().overlap, 128}) {
            PredictOptions tiled;
            tiled.device = "cpu";
            tiled.tile = 512;
            tiled.overlap = overlap;
            tiled.batch = 2;
            auto tiledPredictor = TiledPredictor::create(*model, tiled, &why);
            Prediction prediction;
            QVERIFY(tiledPredictor->predict(view, prediction, {}, nullptr, &why));
            const double same = agreement(reference.classes, prediction.classes);
            qInfo("overlap %d: tiled and one-window prediction agree on %.3f %% of the pixels", overlap,
                  100 * same);
            QVERIFY2(same >= 0.995,
                     qPrintable(QStringLiteral("overlap %1: %2").arg(overlap).arg(same, 0, 'f', 5)));
        }
    }

    void frozenNetworkPredictsAsTrainedAndFollowsLearning() {
        // The shipped model on a real image: folding batch norm into the convolutions must not
        // change what it predicts; after a learning round the frozen copy is the new weights'.
        std::string why;
        auto model = SegmentationModel::load(SEGSTUDIO_DEFAULT_MODEL, &why);
        QVERIFY2(model, why.c_str());
        const ImageView view{m_tile6Image4.rgb.data(), 512, 512, size_t(m_tile6Image4.width) * 3};
        const auto predictBoth = [&](Prediction& frozen, Prediction& asTrained) {
            PredictOptions options;
            options.device = "cpu";
            options.tile = 256;
            auto frozenPredictor = TiledPredictor::create(*model, options, &why);
            options.frozen = false;
            auto asTrainedPredictor = TiledPredictor::create(*model, options, &why);
            return frozenPredictor && asTrainedPredictor &&
                   frozenPredictor->predict(view, frozen, {}, nullptr, &why) &&
                   asTrainedPredictor->predict(view, asTrained, {}, nullptr, &why);
        };
        Prediction frozenBefore, asTrainedBefore;
        QVERIFY2(predictBoth(frozenBefore, asTrainedBefore), why.c_str());
        const double sameBefore = agreement(frozenBefore.classes, asTrainedBefore.classes);
        qInfo("frozen and as-trained agree on %.4f %% of the pixels", 100 * sameBefore);
        QVERIFY2(sameBefore >= 0.999, qPrintable(QString::number(sameBefore, 'f', 5)));

        // A round that changes the map: every pixel of the sample called water (class 4).
        TrainingSample water = m_tile6Image4;
        std::fill(water.mask.begin(), water.mask.end(), uint8_t(4));
        TrainOptions train;
        train.device = "cpu";
        train.steps = 6;
        train.batch = 2;
        train.crop = 128;
        train.learningRate = 3e-3;
        train.freezeBatchNorm = true;
        auto trainer = Trainer::create(*model, train, &why);
        QVERIFY2(trainer, why.c_str());
        TrainResult result;
        QVERIFY2(trainer->train({water}, result, {}, nullptr, &why), why.c_str());
        Prediction frozenAfter, asTrainedAfter;
        QVERIFY2(predictBoth(frozenAfter, asTrainedAfter), why.c_str());
        // A stale frozen copy would still predict the old map.
        QVERIFY2(agreement(asTrainedAfter.classes, asTrainedBefore.classes) < 0.95,
                 "the round did not change the map: the test proves nothing");
        const double sameAfter = agreement(frozenAfter.classes, asTrainedAfter.classes);
        QVERIFY2(sameAfter >= 0.999, qPrintable(QString::number(sameAfter, 'f', 5)));
    }

    void precisionIsChosenByMeasurement() {
        // The decision from what was measured: bf16 only where it is faster and agrees.
        std::string why;
        PrecisionTrial slower{1.0, 10.0, 0.999, {}};
        QCOMPARE(decidePrecision(slower).precision, std::string("fp32"));
        QVERIFY(decidePrecision(slower).reason.find("not faster") != std::string::npos);
        PrecisionTrial barelyFaster{1.0, 1.0 / 1.15, 0.999, {}};
        QCOMPARE(decidePrecision(barelyFaster).precision, std::string("fp32"));
        PrecisionTrial disagrees{1.35, 1.0, 0.97, {}};
        QCOMPARE(decidePrecision(disagrees).precision, std::string("fp32"));
        QVERIFY(decidePrecision(disagrees).reason.find("too far from fp32") != std::string::npos);
        PrecisionTrial cannotRun{1.0, 0.0, 0.0, "no bf16 kernels"};
        QCOMPARE(decidePrecision(cannotRun).precision, std::string("fp32"));
        PrecisionTrial amx{1.35, 1.0, 0.994, {}};
        QCOMPARE(decidePrecision(amx).precision, std::string("bf16"));
        QVERIFY2(decidePrecision(amx).reason.find("1.35×") != std::string::npos,
                 decidePrecision(amx).reason.c_str());

        // The untimed first passes settle it only where no kernel set-up explains the gap.
        QVERIFY(firstPassesSettle(0.7, 17.0));    // DeepLabV3-ResNet50 here: bf16 25x slower
        QVERIFY(!firstPassesSettle(0.7, 2.0));    // 2.9x: set-up may explain it; timed passes decide
        QVERIFY(!firstPassesSettle(0.02, 0.5));   // 25x, but the full measurement costs a second
        QVERIFY(firstPassesSettle(0.02, 0.5, 8)); // …unless the timed batch is 8 times the pixels
        QVERIFY(!firstPassesSettle(0.0, 5.0));
        PrecisionTrial settled{0.7, 17.0, 0.992, {}, true};
        QCOMPARE(decidePrecision(settled).precision, std::string("fp32"));
        QVERIFY2(decidePrecision(settled).reason.find("on a first pass") != std::string::npos,
                 decidePrecision(settled).reason.c_str());

        // The layout: as measured on a Xeon with AMX (default model, two 512² windows), bf16 is
        // slower than fp32 in the plain layout and far faster in channels-last.
        PrecisionTrial layouts{0.55, 0.60, 0.997, {}, false, 0.43, 0.19};
        QCOMPARE(decidePrecision(layouts).precision, std::string("bf16"));
        QVERIFY(decidePrecision(layouts).channelsLast);
        QVERIFY2(decidePrecision(layouts).reason.find("bf16 channels-last 2.89× fp32") != std::string::npos,
                 decidePrecision(layouts).reason.c_str());
        // fp32 in channels-last, where it is faster; not where it is within the margin.
        PrecisionTrial fp32Last{1.0, 10.0, 0.999, {}, false, 0.8, 8.0};
        QCOMPARE(decidePrecision(fp32Last).precision, std::string("fp32"));
        QVERIFY(decidePrecision(fp32Last).channelsLast);
        QVERIFY2(decidePrecision(fp32Last).reason.find("channels-last 1.25×") != std::string::npos,
                 decidePrecision(fp32Last).reason.c_str());
        PrecisionTrial withinNoise{1.0, 10.0, 0.999, {}, false, 0.97, 9.0};
        QVERIFY(!decidePrecision(withinNoise).channelsLast);
        QVERIFY(!decidePrecision(amx).channelsLast); // not measured: the plain layout
        // bf16 faster in channels-last only against fp32's plain layout is not enough: it is
        // judged against fp32's faster layout.
        PrecisionTrial onlyTheLayout{1.0, 1.0, 0.999, {}, false, 0.5, 0.45};
        QCOMPARE(decidePrecision(onlyTheLayout).precision, std::string("fp32"));
        QVERIFY(decidePrecision(onlyTheLayout).channelsLast);
        // Learning's layout (decoder-only steps of four 256² windows on this Xeon): fp32 always,
        // channels-last where it is faster by the margin, the plain layout where nothing ran.
        PrecisionTrial learningSteps{0.21, 0, -1, {}, false, 0.16, 0};
        QCOMPARE(decideLearningLayout(learningSteps).precision, std::string("fp32"));
        QVERIFY(decideLearningLayout(learningSteps).channelsLast);
        QCOMPARE(decideLearningLayout(learningSteps).reason,
                 std::string("fp32 (learning), channels-last 1.31×"));
        PrecisionTrial learningWithinNoise{0.21, 0, -1, {}, false, 0.205, 0};
        QVERIFY(!decideLearningLayout(learningWithinNoise).channelsLast);
        QCOMPARE(decideLearningLayout(learningWithinNoise).reason,
                 std::string("fp32 (learning), plain layout: channels-last 1.02×"));
        QVERIFY(!decideLearningLayout(PrecisionTrial{}).channelsLast); // a TorchScript model: not timed

        // A real measurement on this machine, on a real image: both ran, and the model is untouched.
        auto model = SegmentationModel::createBuiltIn(smallMetadata(6), 4);
        const ImageView view{m_tile6Image4.rgb.data(), m_tile6Image4.width, m_tile6Image4.height, 0};
        const PrecisionTrial trial = measurePrecision(*model, view, 128, 1, 0);
        QVERIFY2(trial.error.empty(), trial.error.c_str());
        QVERIFY(trial.fp32Seconds > 0 && trial.bf16Seconds > 0);
        QVERIFY(trial.agreement > 0.5 && trial.agreement <= 1.0);
        if (trial.firstPassOnly) {
            // A CPU without bf16 arithmetic (CI's was one): the untimed first passes settled it,
            // and only by the rule, so fp32 stays and no layout was timed. 4: (128 / 64)² pixels.
            QVERIFY(firstPassesSettle(trial.fp32Seconds, trial.bf16Seconds, 4.0));
            QCOMPARE(decidePrecision(trial).precision, std::string("fp32"));
            QCOMPARE(trial.fp32ChannelsLastSeconds, 0.0);
        } else {
            // Milliseconds a pass (this machine, with AMX): the timed passes decided, both layouts.
            QVERIFY(trial.fp32ChannelsLastSeconds > 0 && trial.bf16ChannelsLastSeconds > 0);
        }
        PredictOptions options;
        options.device = "cpu";
        auto predictor = TiledPredictor::create(*model, options, &why);
        QVERIFY2(predictor, why.c_str());
        QCOMPARE(predictor->precisionName(), std::string("fp32"));
        // bf16 asked for on the CPU trains under autocast (weights stay fp32) and learns.
        TrainingSample sample = m_tile6Image4;
        TrainOptions train;
        train.device = "cpu";
        train.precision = "bf16";
        train.steps = 2;
        train.batch = 1;
        train.crop = 64;
        auto trainer = Trainer::create(*model, train, &why);
        QVERIFY2(trainer, why.c_str());
        TrainResult result;
        QVERIFY2(trainer->train({sample}, result, {}, nullptr, &why), why.c_str());
        QCOMPARE(result.steps, 2);
        QVERIFY(std::isfinite(result.finalLoss));
        const PrecisionTrial training = measureTrainingPrecision(*model, 64, 1, 0);
        QVERIFY2(training.error.empty(), training.error.c_str());
        QVERIFY(training.fp32Seconds > 0 && training.bf16Seconds > 0 && training.agreement < 0);
        QCOMPARE(training.fp32ChannelsLastSeconds, 0.0); // a layout is learning's choice only
        // Learning from corrections times its own steps (decoder only) in fp32, in both layouts.
        const PrecisionTrial learning = measureLearningLayouts(*model, 64, 1, 0);
        QVERIFY2(learning.error.empty(), learning.error.c_str());
        QVERIFY(learning.fp32Seconds > 0 && learning.fp32ChannelsLastSeconds > 0);
        QCOMPARE(learning.bf16Seconds, 0.0);
        QCOMPARE(decideLearningLayout(learning).precision, std::string("fp32"));

        // Threads 0: one a physical core, never more than the logical CPUs.
        const int cores = runtimeInfo().physicalCores;
        QVERIFY(cores >= 1 && cores <= int(std::thread::hardware_concurrency()));
        QCOMPARE(predictor->deviceDescription(), "CPU, " + std::to_string(cores) + " threads");
    }

    void rowBandsJoinIntoTheWholePrediction() {
        // The command line predicts a raster a band of rows at a time, and shards predict row
        // ranges on different machines: each must give predict()'s pixels exactly, or block
        // seams and shard seams show. Batches of 3 windows of 256² straddle rows of windows.
        std::string why;
        auto model = SegmentationModel::load(SEGSTUDIO_DEFAULT_MODEL, &why);
        QVERIFY2(model, why.c_str());
        // At an input scale of 1.5 the windows cover 171² image pixels, enlarged to 256².
        for (const double scale : {1.0, 1.5}) {
            rowBandsJoinAt(*model, scale);
            if (QTest::currentTestFailed())
                QFAIL(qPrintable(QStringLiteral("at input scale %1").arg(scale)));
        }
    }

    void anInputScaleShowsTheNetworkAnEnlargedScene() {
        // Tile 6 at half its resolution, as another camera or flight height would give it: the
        // default model, which learned the dataset at its own pixel sizes, sees every house half
        // the size it knows. With an input scale of 2 the windows are enlarged back before the
        // network sees them, and the prediction (resized to the image) scores far higher. The
        // scale is the model's: saved with it, it comes back on loading.
        std::string why;
        auto model = SegmentationModel::load(SEGSTUDIO_DEFAULT_MODEL, &why);
        QVERIFY2(model, why.c_str());
        const inference::TrainingSample& full = m_tile6Image4;
        const int width = full.width / 2, height = full.height / 2;
        std::vector<uint8_t> rgb(size_t(width) * height * 3), reference(size_t(width) * height);
        for (int y = 0; y < height; ++y)
            for (int x = 0; x < width; ++x) {
                for (int c = 0; c < 3; ++c) { // the mean of each 2×2 block
                    int sum = 0;
                    for (int dy = 0; dy < 2; ++dy)
                        for (int dx = 0; dx < 2; ++dx)
                            sum += full.rgb[(size_t(2 * y + dy) * full.width + size_t(2 * x + dx)) * 3 + c];
                    rgb[(size_t(y) * width + x) * 3 + c] = uint8_t((sum + 2) / 4);
                }
                reference[size_t(y) * width + x] = full.mask[size_t(2 * y) * full.width + size_t(2 * x)];
            }
        const ImageView half{rgb.data(), width, height, 0};
        const auto predictAt = [&](SegmentationModel& m, double scale, Prediction& out, double* pixels) {
            PredictOptions options;
            options.device = "cpu";
            options.inputScale = scale;
            auto predictor = TiledPredictor::create(m, options, &why);
            if (pixels && predictor)
                *pixels = predictor->computedPixels(width, height);
            return predictor && predictor->predict(half, out, {}, nullptr, &why);
        };
        const auto miou = [&](const Prediction& p) {
            ConfusionMatrix matrix(model->classCount());
            matrix.add(p.classes.data(), reference.data(), reference.size());
            return matrix.meanIoU();
        };
        Prediction asIs, enlarged;
        double pixelsAsIs = 0, pixelsEnlarged = 0;
        QVERIFY2(predictAt(*model, 1.0, asIs, &pixelsAsIs), why.c_str());
        QVERIFY2(predictAt(*model, 2.0, enlarged, &pixelsEnlarged), why.c_str());
        QCOMPARE(enlarged.width, width);
        QCOMPARE(enlarged.height, height);
        // What the model says of the image at its own resolution, at the half-size pixels.
        Prediction fullSize;
        {
            PredictOptions options;
            options.device = "cpu";
            auto predictor = TiledPredictor::create(*model, options, &why);
            QVERIFY2(predictor && predictor->predict({full.rgb.data(), full.width, full.height, 0}, fullSize,
                                                     {}, nullptr, &why),
                     why.c_str());
        }
        std::vector<uint8_t> fullSizeAtHalf(reference.size());
        for (int y = 0; y < height; ++y)
            for (int x = 0; x < width; ++x)
                fullSizeAtHalf[size_t(y) * width + x] =
                    fullSize.classes[size_t(2 * y) * full.width + size_t(2 * x)];
        qInfo("half-size tile 6 image: mIoU %.3f as it is, %.3f enlarged 2x (%.2fx the pixels computed); "
              "agrees with the full-size prediction on %.1f %% / %.1f %% of the pixels",
              miou(asIs), miou(enlarged), pixelsEnlarged / pixelsAsIs,
              100 * agreement(asIs.classes, fullSizeAtHalf),
              100 * agreement(enlarged.classes, fullSizeAtHalf));
        // Measured: 0.407 -> 0.425, 93.1 % -> 95.3 %; a window misplaced by a pixel or two after
        // resizing would fall below the prediction as it is.
        QVERIFY2(miou(enlarged) > miou(asIs) + 0.01,
                 qPrintable(QStringLiteral("%1 -> %2").arg(miou(asIs)).arg(miou(enlarged))));
        QVERIFY(agreement(enlarged.classes, fullSizeAtHalf) > agreement(asIs.classes, fullSizeAtHalf) + 0.01);
        QVERIFY(pixelsEnlarged > 3 * pixelsAsIs && pixelsEnlarged < 6 * pixelsAsIs);

        model->metadata().inputScale = 2.0;
        const std::string path = m_dir.filePath(QStringLiteral("enlarging.pt")).toStdString();
        QVERIFY2(model->save(path, &why), why.c_str());
        auto loaded = SegmentationModel::load(path, &why);
        QVERIFY2(loaded, why.c_str());
        QCOMPARE(loaded->metadata().inputScale, 2.0);
        Prediction byItsOwnScale;
        QVERIFY2(predictAt(*loaded, 0, byItsOwnScale, nullptr), why.c_str());
        QVERIFY(byItsOwnScale.classes == enlarged.classes);

        PredictOptions outOfRange;
        outOfRange.inputScale = 8;
        QVERIFY(predictOptionsProblem(outOfRange).find("input scale") != std::string::npos);
    }

    void testTimeViewsFollowTheImage() {
        // Averaging all eight symmetries of the square makes the prediction follow the image:
        // predicting the transposed (or mirrored) image gives the transposed (mirrored) result.
        // A view whose logits were mapped back wrongly would break this.
        std::string why;
        auto model = SegmentationModel::load(SEGSTUDIO_DEFAULT_MODEL, &why);
        QVERIFY2(model, why.c_str());
        const inference::TrainingSample& sample = m_tile6Image4;
        const int side = 256, x0 = 300, y0 = 200; // water, mangroves and land
        std::vector<uint8_t> crop(size_t(side) * side * 3), transposed(crop.size()), mirrored(crop.size());
        for (int y = 0; y < side; ++y)
            for (int x = 0; x < side; ++x)
                for (int c = 0; c < 3; ++c) {
                    const uint8_t v = sample.rgb[(size_t(y0 + y) * sample.width + x0 + x) * 3 + c];
                    crop[(size_t(y) * side + x) * 3 + c] = v;
                    transposed[(size_t(x) * side + y) * 3 + c] = v;
                    mirrored[(size_t(y) * side + side - 1 - x) * 3 + c] = v;
                }
        auto predict = [&](const std::vector<uint8_t>& rgb, int views) {
            PredictOptions options;
            options.device = "cpu";
            options.tile = side;
            options.views = views;
            auto predictor = TiledPredictor::create(*model, options, &why);
            Prediction prediction;
            if (predictor)
                predictor->predict({rgb.data(), side, side, 0}, prediction, {}, nullptr, &why);
            return prediction.classes;
        };
        const auto plain = predict(crop, 1);
        const auto averaged = predict(crop, 8);
        QCOMPARE(averaged.size(), plain.size());
        QVERIFY2(agreement(plain, averaged) > 0.9, "eight views disagree with one view on most pixels");
        const auto ofTransposed = predict(transposed, 8), ofMirrored = predict(mirrored, 8);
        std::vector<uint8_t> backTransposed(plain.size()), backMirrored(plain.size());
        for (int y = 0; y < side; ++y)
            for (int x = 0; x < side; ++x) {
                backTransposed[size_t(y) * side + x] = ofTransposed[size_t(x) * side + y];
                backMirrored[size_t(y) * side + x] = ofMirrored[size_t(y) * side + side - 1 - x];
            }
        QVERIFY2(agreement(averaged, backTransposed) >= 0.999,
                 qPrintable(QString::number(agreement(averaged, backTransposed))));
        QVERIFY2(agreement(averaged, backMirrored) >= 0.999,
                 qPrintable(QString::number(agreement(averaged, backMirrored))));

        PredictOptions bad;
        bad.views = 3;
        QVERIFY(!TiledPredictor::create(*model, bad, &why));
        QVERIFY2(why.find("views must be 1, 2, 4 or 8") != std::string::npos, why.c_str());
    }

    void torchScriptMatchesPyTorch() {
        const QString out = exportedTorchScript();
        if (QTest::currentTestFailed())
            return;
        std::string error;
        auto model = SegmentationModel::load((out + QStringLiteral("/model.pt")).toStdString(), &error);
        QVERIFY2(model, error.c_str());
        QVERIFY(model->isTorchScript());
        QCOMPARE(model->classCount(), 4);
        int width = 0, height = 0, classes = 0;
        std::ifstream(out.toStdString() + "/shape.txt") >> width >> height >> classes;
        QCOMPARE(classes, 4);
        std::vector<uint8_t> rgb(size_t(width) * height * 3), expected(size_t(width) * height);
        std::ifstream(out.toStdString() + "/input.rgb", std::ios::binary)
            .read(reinterpret_cast<char*>(rgb.data()), long(rgb.size()));
        std::ifstream(out.toStdString() + "/expected.u8", std::ios::binary)
            .read(reinterpret_cast<char*>(expected.data()), long(expected.size()));
        PredictOptions options;
        options.device = "cpu";
        options.tile = 128; // one window: exactly what PyTorch computed
        auto predictor = TiledPredictor::create(*model, options, &error);
        QVERIFY2(predictor, error.c_str());
        Prediction prediction;
        QVERIFY(predictor->predict({rgb.data(), width, height, 0}, prediction, {}, nullptr, &error));
        const double same = agreement(prediction.classes, expected);
        QVERIFY2(same >= 0.999, qPrintable(QString::number(same, 'f', 5)));

        // A TorchScript model can be fine-tuned and saved too, and predicts with its new weights
        // at once: the frozen inference copy made for the first prediction must not outlive them.
        TrainOptions train;
        train.device = "cpu";
        train.steps = 3;
        train.batch = 1;
        train.crop = 64;
        train.learningRate = 0.01;
        train.freezeBatchNorm = true;
        std::vector<uint8_t> target(expected.size());
        for (size_t i = 0; i < target.size(); ++i)
            target[i] = uint8_t((expected[i] + 1) % 4); // every pixel told another class
        TrainingSample sample{width, height, rgb, target, {}};
        auto trainer = Trainer::create(*model, train, &error);
        TrainResult result;
        QVERIFY2(trainer->train({sample}, result, {}, nullptr, &error), error.c_str());
        QCOMPARE(result.steps, 3);
        QVERIFY(model->save(m_dir.filePath(QStringLiteral("tuned_script.pt")).toStdString(), &error));
        auto reloaded =
            SegmentationModel::load(m_dir.filePath(QStringLiteral("tuned_script.pt")).toStdString(), &error);
        QVERIFY2(reloaded, error.c_str());
        QCOMPARE(reloaded->metadata().history.size(), size_t(1));
        Prediction tuned, tunedReloaded;
        predictor = TiledPredictor::create(*model, options, &error);
        QVERIFY2(predictor && predictor->predict({rgb.data(), width, height, 0}, tuned, {}, nullptr, &error),
                 error.c_str());
        auto reloadedPredictor = TiledPredictor::create(*reloaded, options, &error);
        QVERIFY2(reloadedPredictor && reloadedPredictor->predict({rgb.data(), width, height, 0},
                                                                 tunedReloaded, {}, nullptr, &error),
                 error.c_str());
        const double changed = 1.0 - agreement(tuned.classes, prediction.classes);
        QVERIFY2(changed > 0.05,
                 qPrintable(QStringLiteral("training changed only %1 of the pixels").arg(changed)));
        const double sameAsReloaded = agreement(tuned.classes, tunedReloaded.classes);
        QVERIFY2(sameAsReloaded >= 0.999, qPrintable(QString::number(sameAsReloaded, 'f', 5)));
    }

    void trainingLowersLossAndRaisesIoU_data() {
        QTest::addColumn<bool>("decoderOnly");
        QTest::addColumn<bool>("averageWeights");
        QTest::newRow("whole network") << false << false;
        // What fine-tuning on corrections can use: the encoder fixed, the weights averaged.
        QTest::newRow("decoder only, averaged") << true << true;
    }

    void trainingLowersLossAndRaisesIoU() {
        QFETCH(bool, decoderOnly);
        QFETCH(bool, averageWeights);
        LabelledImage pair = dubai(QStringLiteral("tile_2"), 1); // palette mask, 509 × 544
        inference::TrainingSample sample;
        QString error;
        QVERIFY2(loadSample(pair, ClassPalette::dubaiAerial(), sample, &error), qPrintable(error));
        ModelMetadata metadata = smallMetadata(6);
        auto model = SegmentationModel::createBuiltIn(metadata, 3);
        const double before = meanIoU(*model, sample);

        TrainOptions options;
        options.device = "cpu";
        options.steps = 40;
        options.batch = 4;
        options.crop = 128;
        options.learningRate = 3e-3;
        options.decoderOnly = decoderOnly;
        options.averageWeights = averageWeights;
        std::string why;
        auto trainer = Trainer::create(*model, options, &why);
        QVERIFY2(trainer, why.c_str());
        std::vector<double> losses;
        TrainResult result;
        QVERIFY2(trainer->train(
                     {sample}, result, [&](const TrainStep& s) { losses.push_back(s.loss); }, nullptr, &why),
                 why.c_str());
        QCOMPARE(result.steps, 40);
        QVERIFY(!result.cancelled);
        const double early = (losses[0] + losses[1] + losses[2] + losses[3]) / 4;
        const double late = (losses[36] + losses[37] + losses[38] + losses[39]) / 4;
        QVERIFY2(late < early * 0.8, qPrintable(QStringLiteral("%1 → %2").arg(early).arg(late)));
        const double after = meanIoU(*model, sample);
        QVERIFY2(after > before + 0.05, qPrintable(QStringLiteral("mIoU %1 → %2").arg(before).arg(after)));
        QCOMPARE(model->metadata().history.size(), size_t(1));
        QCOMPARE(model->metadata().history[0].steps, 40);
    }

    // Learning from corrections (decoder only, batch norm frozen) runs the fixed encoder from a
    // copy with batch norm folded, without a graph, and may train the decoder channels-last: the
    // function must stay the network's own. Before any weight moves, the first step's loss on the
    // same windows (same seed) must be whole-network training's, and the layouts must learn the
    // same to rounding.
    void decoderOnlyLearningComputesTheNetworksOwnFunction() {
        std::string why;
        auto opened = SegmentationModel::load(SEGSTUDIO_DEFAULT_MODEL, &why);
        QVERIFY2(opened, why.c_str());
        const auto learn = [&](bool decoderOnly, bool channelsLast, std::vector<double>& losses) {
            auto model = opened->clone();
            TrainOptions options;
            options.device = "cpu";
            options.precision = "fp32";
            options.steps = 4;
            options.batch = 2;
            options.crop = 128;
            options.learningRate = 1e-3;
            options.freezeBatchNorm = true;
            options.decoderOnly = decoderOnly;
            options.averageWeights = true;
            options.channelsLast = channelsLast;
            std::string error;
            auto trainer = Trainer::create(*model, options, &error);
            TrainResult result;
            if (!trainer || !trainer->train(
                                {m_tile6Image4}, result,
                                [&](const TrainStep& s) { losses.push_back(s.loss); }, nullptr, &error))
                qWarning("%s", error.c_str());
            return model;
        };
        std::vector<double> whole, plain, last;
        learn(false, false, whole);
        const auto plainModel = learn(true, false, plain);
        const auto lastModel = learn(true, true, last);
        QCOMPARE(plain.size(), size_t(4));
        QCOMPARE(last.size(), size_t(4));
        QVERIFY2(std::abs(plain[0] - whole[0]) <= 1e-4 * whole[0],
                 qPrintable(QStringLiteral("%1 against %2").arg(plain[0]).arg(whole[0])));
        for (size_t i = 0; i < plain.size(); ++i)
            QVERIFY2(std::abs(last[i] - plain[i]) <= 1e-3 * plain[i],
                     qPrintable(QStringLiteral("step %1: %2 against %3").arg(i).arg(last[i]).arg(plain[i])));
        QVERIFY(lastModel->weightsDigest() != opened->weightsDigest()); // it learned

        PredictOptions predict;
        predict.device = "cpu";
        predict.precision = "fp32";
        const ImageView view{m_tile6Image4.rgb.data(), 512, 512, size_t(m_tile6Image4.width) * 3};
        Prediction fromPlain, fromLast;
        auto plainPredictor = TiledPredictor::create(*plainModel, predict, &why);
        auto lastPredictor = TiledPredictor::create(*lastModel, predict, &why);
        QVERIFY2(plainPredictor && plainPredictor->predict(view, fromPlain, {}, nullptr, &why), why.c_str());
        QVERIFY2(lastPredictor && lastPredictor->predict(view, fromLast, {}, nullptr, &why), why.c_str());
        const double same = agreement(fromLast.classes, fromPlain.classes);
        QVERIFY2(same >= 0.999, qPrintable(QString::number(same, 'f', 5)));
    }

    // Without photometric jitter, what a seed draws is only where a window sits and how it is
    // flipped or turned: on an image of one colour and one class all of that looks the same, so
    // two seeds must learn the very same weights. With jitter they see other colours and do not.
    void photometricJitterIsTheOnlyColourChange() {
        const int side = 256;
        TrainingSample sample{side, side, {}, std::vector<uint8_t>(size_t(side) * side, 1), {}};
        for (int i = 0; i < side * side; ++i)
            sample.rgb.insert(sample.rgb.end(), {90, 140, 200});
        const auto trained = [&](uint64_t seed, bool jitter) {
            auto model = SegmentationModel::createBuiltIn(smallMetadata(3), 1);
            TrainOptions options;
            options.device = "cpu";
            options.steps = 3;
            options.batch = 2;
            options.crop = 128;
            options.learningRate = 1e-2;
            options.minScale = options.maxScale = 1.0; // resampling one colour could round
            options.photometricJitter = jitter;
            options.seed = seed;
            std::string why;
            auto trainer = Trainer::create(*model, options, &why);
            TrainResult result;
            if (!trainer || !trainer->train({sample}, result, {}, nullptr, &why))
                qWarning("%s", why.c_str());
            PredictOptions predict;
            predict.device = "cpu";
            predict.precision = "fp32";
            Prediction prediction;
            const std::vector<uint8_t> probe = texture(64, 64, 3);
            auto predictor = TiledPredictor::create(*model, predict, &why);
            if (!predictor || !predictor->predict({probe.data(), 64, 64, 0}, prediction, {}, nullptr, &why))
                qWarning("%s", why.c_str());
            return prediction.confidence;
        };
        const auto plainA = trained(1, false), plainB = trained(2, false);
        QVERIFY(!plainA.empty());
        QVERIFY2(plainA == plainB, "without jitter the seed changed what was learned");
        QVERIFY2(trained(1, true) != plainA, "jitter on learned the same as jitter off");
        QVERIFY(trained(1, true) != trained(2, true));
    }

    void weightsAndIgnoreIndexSelectPixels() {
        // Only pixels with weight > 0 and a class other than 255 are learned from: a model
        // trained where every pixel is ignored has nothing to learn and says so.
        TrainingSample sample{64, 64, texture(64, 64, 2), std::vector<uint8_t>(64 * 64, 255), {}};
        auto model = SegmentationModel::createBuiltIn(smallMetadata(3), 1);
        TrainOptions options;
        options.device = "cpu";
        options.steps = 1;
        std::string error;
        auto trainer = Trainer::create(*model, options, &error);
        TrainResult result;
        QVERIFY(!trainer->train({sample}, result, {}, nullptr, &error));
        QVERIFY(error.find("no labelled pixels") != std::string::npos);
        sample.mask.assign(64 * 64, 1);
        sample.weight.assign(64 * 64, 0.f);
        QVERIFY(!trainer->train({sample}, result, {}, nullptr, &error));
        sample.weight[100] = 2.f;
        QVERIFY2(trainer->train({sample}, result, {}, nullptr, &error), error.c_str());
        QCOMPARE(result.labelledPixels, 1ll);
        sample.mask[5] = 7; // class 7 of a 3-class model
        sample.weight.clear();
        QVERIFY(!trainer->train({sample}, result, {}, nullptr, &error));
        QVERIFY(error.find("class 7") != std::string::npos);
    }

    void learningPoolsTheCorrectionsOfSeveralDocuments() {
        // Two real images, each with a few edited pixels in one tile: learning from both counts
        // the pixels of both; the single-document call is the same as a list of one.
        QString error;
        const auto first = RasterSource::open(dubai(QStringLiteral("tile_2"), 1).image, &error);
        const auto second = RasterSource::open(dubai(QStringLiteral("tile_6"), 1).image, &error);
        QVERIFY2(first && second, qPrintable(error));
        LabelMask firstMask(first->size()), secondMask(second->size());
        const auto edit = [](LabelMask& mask, int tx, int ty, int pixels, quint8 label) {
            MaskTile& tile = mask.mutableTile(tx, ty);
            for (int i = 0; i < pixels; ++i) {
                tile.classes[size_t(i) * 7] = label;
                tile.provenance[size_t(i) * 7] = quint8(Provenance::Edited);
            }
            tile.classes[1] = 4; // predicted pixels are not learned from
            tile.provenance[1] = quint8(Provenance::Predicted);
        };
        edit(firstMask, 0, 1, 900, 2);
        edit(secondMask, 0, 2, 600, 3);

        auto model = SegmentationModel::createBuiltIn(smallMetadata(6), 1);
        LearningSettings settings;
        settings.steps = 2;
        settings.batch = 2;
        settings.crop = 64;
        settings.device = "cpu";
        const LearningOutcome one = learnFromCorrections({*model, *model}, firstMask, *first, settings);
        QVERIFY2(one.model, qPrintable(one.error));
        QCOMPARE(one.correctedPixels, 900ll);
        QCOMPARE(one.training.steps, 2);
        const LearningOutcome both = learnFromCorrections(
            {*model, *model}, {{&firstMask, first.get()}, {&secondMask, second.get()}}, settings);
        QVERIFY2(both.model, qPrintable(both.error));
        QCOMPARE(both.correctedPixels, 1500ll);
        QCOMPARE(both.heldOutMiou, -1.0);                      // nothing was only reviewed
        QCOMPARE(model->metadata().history.size(), size_t(0)); // the current model is left as it was

        const LabelMask untouched(first->size());
        const LearningOutcome none =
            learnFromCorrections({*model, *model}, {{&untouched, first.get()}}, settings);
        QVERIFY(!none.model);
        QVERIFY2(none.error.contains(QStringLiteral("no corrections")), qPrintable(none.error));
        const LearningOutcome mismatch = learnFromCorrections({*model, *model}, secondMask, *first, settings);
        QVERIFY(!mismatch.model);
        QVERIFY2(mismatch.error.contains(QStringLiteral("size")), qPrintable(mismatch.error));
    }

    void cancelStopsWithinOneStep() {
        TrainingSample sample{96, 96, texture(96, 96, 3), std::vector<uint8_t>(96 * 96, 1), {}};
        auto model = SegmentationModel::createBuiltIn(smallMetadata(3), 1);
        TrainOptions options;
        options.device = "cpu";
        options.steps = 1000;
        options.batch = 2;
        options.crop = 64;
        std::string error;
        auto trainer = Trainer::create(*model, options, &error);
        std::atomic<bool> cancel{false};
        TrainResult result;
        QVERIFY(trainer->train(
            {sample}, result, [&](const TrainStep& s) { cancel = s.step >= 3; }, &cancel, &error));
        QVERIFY(result.cancelled);
        QCOMPARE(result.steps, 3);

        // Prediction honours cancel between batches.
        PredictOptions predictOptions;
        predictOptions.device = "cpu";
        predictOptions.tile = 64;
        predictOptions.overlap = 0;
        predictOptions.batch = 1;
        auto predictor = TiledPredictor::create(*model, predictOptions, &error);
        const auto rgb = texture(512, 512, 4);
        std::atomic<bool> stop{false};
        int windows = 0;
        Prediction prediction;
        QVERIFY(!predictor->predict(
            {rgb.data(), 512, 512, 0}, prediction, [&](int done, int) { windows = done, stop = done >= 2; },
            &stop, &error));
        QCOMPARE(error, std::string("cancelled"));
        QCOMPARE(windows, 2);
    }

    void bundleRoundTripIsExact() {
        ModelMetadata metadata = smallMetadata(4);
        metadata.mean = {0.3f, 0.4f, 0.5f};
        metadata.history.push_back({"2026-11-21T10:00:00Z", 12, 3456, 0.25, "test"});
        auto model = SegmentationModel::createBuiltIn(metadata, 9);
        const std::string path = m_dir.filePath(QStringLiteral("bundle/model.pt")).toStdString();
        std::string error;
        QVERIFY2(model->save(path, &error), error.c_str());
        QVERIFY(QFile::exists(QString::fromStdString(sidecarPath(path))));
        auto loaded = SegmentationModel::load(path, &error);
        QVERIFY2(loaded, error.c_str());
        QCOMPARE(loaded->metadata().mean, metadata.mean);
        QCOMPARE(loaded->metadata().history.size(), size_t(1));
        QCOMPARE(loaded->metadata().history[0].labelledPixels, 3456ll);
        QCOMPARE(loaded->parameterCount(), model->parameterCount());
        // Same weights: identical logits, so identical classes and confidences.
        PredictOptions options;
        options.device = "cpu";
        const auto rgb = texture(100, 70, 5);
        Prediction a, b;
        QVERIFY(TiledPredictor::create(*model, options, &error)
                    ->predict({rgb.data(), 100, 70, 0}, a, {}, nullptr, &error));
        QVERIFY(TiledPredictor::create(*loaded, options, &error)
                    ->predict({rgb.data(), 100, 70, 0}, b, {}, nullptr, &error));
        QCOMPARE(a.classes, b.classes);
        QCOMPARE(a.confidence, b.confidence);
        // The folder form loads the same bundle.
        QVERIFY(SegmentationModel::load(m_dir.filePath(QStringLiteral("bundle")).toStdString(), &error));
        // A clone is independent of its original.
        auto copy = model->clone();
        Prediction c;
        QVERIFY(TiledPredictor::create(*copy, options, &error)
                    ->predict({rgb.data(), 100, 70, 0}, c, {}, nullptr, &error));
        QCOMPARE(c.confidence, a.confidence);
    }

    // Predicting in bf16 converts the network; going back to fp32 must give the exact weights,
    // not bf16's rounding of them: learning, saves, clones and later fp32 predictions read them.
    void aLowerPrecisionLeavesTheWeightsExact() {
        auto model = SegmentationModel::createBuiltIn(smallMetadata(3), 4);
        const auto rgb = texture(64, 48, 2);
        std::string error;
        const auto predict = [&](SegmentationModel& m, const std::string& precision) {
            PredictOptions options;
            options.device = "cpu";
            options.precision = precision;
            Prediction out;
            auto predictor = TiledPredictor::create(m, options, &error);
            if (!predictor || !predictor->predict({rgb.data(), 64, 48, 0}, out, {}, nullptr, &error))
                out.confidence.clear();
            return out;
        };
        const Prediction before = predict(*model, "fp32");
        QVERIFY2(!before.confidence.empty(), error.c_str());
        const Prediction reduced = predict(*model, "bf16");
        QVERIFY2(!reduced.confidence.empty(), error.c_str());
        QVERIFY(reduced.confidence != before.confidence); // bf16 did run
        // A clone and a save made while the model is in bf16 hold the fp32 weights.
        const auto copy = model->clone();
        const std::string path = m_dir.filePath(QStringLiteral("after-bf16/model.pt")).toStdString();
        QVERIFY2(model->save(path, &error), error.c_str());
        auto loaded = SegmentationModel::load(path, &error);
        QVERIFY2(loaded, error.c_str());
        QCOMPARE(predict(*model, "fp32").confidence, before.confidence);
        QCOMPARE(predict(*copy, "fp32").confidence, before.confidence);
        QCOMPARE(predict(*loaded, "fp32").confidence, before.confidence);
    }

    // The checksum the archive check compares is zip's CRC-32 (the check value of the
    // standard), whatever the length and alignment of the bytes.
    void archiveChecksumIsZipsCrc32() {
        const char* digits = "123456789";
        QCOMPARE(crc32Of(digits, 9), 0xCBF43926u);
        QCOMPARE(crc32Of(digits + 4, 5, crc32Of(digits, 4)), 0xCBF43926u);
        std::string repeated(1000, 'a');
        uint32_t pieces = 0;
        for (size_t at = 0; at < repeated.size(); at += 7)
            pieces = crc32Of(repeated.data() + at, std::min<size_t>(7, repeated.size() - at), pieces);
        QCOMPARE(pieces, crc32Of(repeated.data(), repeated.size()));
        QCOMPARE(crc32Of(repeated.data(), repeated.size()), 0x9A38DA03u); // zlib.crc32(b"a" * 1000)
    }

    // PyTorch writes archives over 4 GB with zip64 records (every size and offset 0xFFFFFFFF in
    // the directory, the real ones in extra fields): such an archive checks out, and a byte
    // changed in one of its entries is found (fuzz/corpus/archive_check_fuzzer/seed-zip64.pt, made
    // with Python's struct and checked by its zipfile).
    void zip64ArchivesAreCheckedToo() {
        QFile file(
            QStringLiteral(SEGSTUDIO_TEST_SOURCE_DIR "/../fuzz/corpus/archive_check_fuzzer/seed-zip64.pt"));
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
        const QByteArray zip = file.readAll();
        std::istringstream sound(zip.toStdString());
        QCOMPARE(archiveDamage(sound), std::string());
        QByteArray changed = zip;
        const qsizetype pickle = changed.indexOf("archive/data.pkl") + 16 + 40; // inside its data
        changed[pickle] = char(changed[pickle] ^ 0x20);
        std::istringstream damaged(changed.toStdString());
        QCOMPARE(archiveDamage(damaged),
                 std::string("its archive's entry \"archive/data.pkl\" does not match its checksum"));
        // The plain end record zeroed (the fuzzer's find): miniz still reads the directory through
        // the zip64 locator, and so must the check, or it sees no entry at all.
        QByteArray zeroed = changed;
        zeroed.replace(zeroed.size() - 22 + 8, 12, QByteArray(12, '\0'));
        std::istringstream hidden(zeroed.toStdString());
        QCOMPARE(archiveDamage(hidden),
                 std::string("its archive's entry \"archive/data.pkl\" does not match its checksum"));
        QByteArray cut = zip.left(zip.size() - 22 - 20); // the locator and end record gone
        cut += zip.right(22);
        std::istringstream noLocator(cut.toStdString());
        QCOMPARE(archiveDamage(noLocator),
                 std::string("its archive's end record announces a zip64 directory that is not there"));
    }

    // torch.jit.save deflates a TorchScript model's code and debug records, and LibTorch inflates
    // them without checking their CRC: one byte changed in such a record became code that crashed
    // LibTorch's own error message (fuzz/model_bundle_fuzzer.cpp, SIGSEGV in
    // SourceRange::highlight). The check inflates them and compares the checksum first.
    void deflatedRecordsAreCheckedToo() {
        const QString out = exportedTorchScript();
        if (QTest::currentTestFailed())
            return;
        QFile file(out + QStringLiteral("/model.pt"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray zip = file.readAll();
        file.close();
        std::istringstream sound(zip.toStdString());
        QCOMPARE(archiveDamage(sound), std::string());
        const auto u16 = [&](qsizetype p) { return qsizetype(uint8_t(zip[p]) | (uint8_t(zip[p + 1]) << 8)); };
        QByteArray name;
        qsizetype data = -1, size = 0, entry = -1;
        for (qsizetype c = zip.indexOf("PK\x01\x02"); c >= 0 && data < 0;
             c = zip.indexOf("PK\x01\x02", c + 4)) {
            if (u16(c + 10) != 8) // deflated
                continue;
            entry = c;
            name = zip.mid(c + 46, u16(c + 28));
            size = u16(c + 20) | (u16(c + 22) << 16);
            const qsizetype local = u16(c + 42) | (u16(c + 44) << 16);
            data = local + 30 + u16(local + 26) + u16(local + 28);
        }
        QVERIFY2(data > 0 && name.contains("code/"), "PyTorch wrote no deflated code record");
        for (const qsizetype at : {data + size / 2, data + size - 2}) {
            QByteArray changed = zip;
            changed[at] = char(changed[at] ^ 0x04);
            std::istringstream damaged(changed.toStdString());
            const std::string why = archiveDamage(damaged);
            const std::string expected = "its archive's entry \"" + name.toStdString() + "\"";
            QVERIFY2(why.rfind(expected, 0) == 0, why.c_str());

            const QString folder = m_dir.filePath(QStringLiteral("deflated-%1").arg(at));
            QVERIFY(QDir().mkpath(folder));
            QFile weights(folder + QStringLiteral("/model.pt"));
            QVERIFY(weights.open(QIODevice::WriteOnly));
            weights.write(changed);
            weights.close();
            QVERIFY(QFile::copy(out + QStringLiteral("/model.json"), folder + QStringLiteral("/model.json")));
            std::string error;
            QVERIFY(!SegmentationModel::load((folder + QStringLiteral("/model.pt")).toStdString(), &error));
            QVERIFY2(error.find(expected) != std::string::npos, error.c_str());
        }
        // A directory claiming 2 GB for a record of a few hundred bytes: told without inflating.
        QByteArray claims = zip;
        claims.replace(entry + 24, 4, QByteArray("\xff\xff\xff\x7f", 4));
        std::istringstream bomb(claims.toStdString());
        QCOMPARE(archiveDamage(bomb), "its archive's entry \"" + name.toStdString() +
                                          "\" claims more bytes than its compressed data can hold");
    }

    void brokenModelFiles_data() {
        QTest::addColumn<QString>("case_");
        QTest::addColumn<QString>("expected");
        QTest::newRow("missing file") << "missing"
                                      << "does not exist";
        QTest::newRow("missing sidecar") << "no-sidecar"
                                         << "sidecar model.json is missing";
        QTest::newRow("sidecar not JSON") << "bad-json"
                                          << "not valid JSON";
        QTest::newRow("sidecar without classes") << "no-classes"
                                                 << "no \"classes\"";
        QTest::newRow("bad colour") << "bad-colour"
                                    << "expected #rrggbb";
        QTest::newRow("corrupt weights") << "corrupt-weights"
                                         << "it is not a PyTorch file";
        QTest::newRow("truncated weights") << "truncated-weights"
                                           << "it is not a PyTorch file";
        // A byte changed in a tensor: LibTorch does not check the archive's CRCs, we do.
        QTest::newRow("a changed byte in the weights") << "changed-byte"
                                                       << "does not match its checksum";
        QTest::newRow("damaged code in the archive") << "damaged-code"
                                                     << "/code/__torch__";
        // What fuzz/model_bundle_fuzzer found: TorchScript's parser throws std::runtime_error on
        // code it cannot read. Here the damage comes with a matching checksum, as in a crafted file.
        QTest::newRow("unreadable code with its checksum")
            << "crafted-code"
            << "its weights file is damaged: the code stored in it";
        QTest::newRow("class count mismatch") << "class-mismatch"
                                              << "predicts 5 classes but its sidecar lists 6";
        QTest::newRow("not TorchScript") << "not-script"
                                         << "not a TorchScript model";
        QTest::newRow("a std that makes every input infinite")
            << "tiny-std"
            << "\"std\" values must be numbers between 0.001";
        QTest::newRow("a count no int holds") << "huge-count"
                                              << "value out of range: \"version\" must be a whole number";
        QTest::newRow("unknown encoder") << "bad-encoder"
                                         << "unknown encoder";
        QTest::newRow("an input scale no window can use") << "bad-scale"
                                                          << "\"input_scale\" must be from 0.25 to 4";
    }

    void brokenModelFiles() {
        QFETCH(QString, case_);
        QFETCH(QString, expected);
        const QString folder = m_dir.filePath(QStringLiteral("broken-") + case_);
        QDir().mkpath(folder);
        const std::string path = (folder + QStringLiteral("/model.pt")).toStdString();
        std::string error;
        auto good = SegmentationModel::createBuiltIn(smallMetadata(6), 1);
        QVERIFY(good->save(path, &error));
        const QString sidecar = folder + QStringLiteral("/model.json");
        QFile json(sidecar);
        QVERIFY(json.open(QIODevice::ReadOnly));
        QByteArray text = json.readAll();
        json.close();
        auto rewrite = [](const QString& file, const QByteArray& content) {
            QFile f(file);
            f.open(QIODevice::WriteOnly | QIODevice::Truncate);
            f.write(content);
        };
        if (case_ == QLatin1String("missing"))
            QFile::remove(QString::fromStdString(path));
        else if (case_ == QLatin1String("no-sidecar"))
            QFile::remove(sidecar);
        else if (case_ == QLatin1String("bad-json"))
            rewrite(sidecar, "{\"classes\": [");
        else if (case_ == QLatin1String("no-classes"))
            rewrite(sidecar, "{\"format\": \"segstudio-unet\"}");
        else if (case_ == QLatin1String("bad-colour"))
            rewrite(sidecar, text.replace("#102030", "red"));
        else if (case_ == QLatin1String("corrupt-weights"))
            rewrite(QString::fromStdString(path), QByteArray(5000, 'x'));
        else if (case_ == QLatin1String("truncated-weights")) {
            QFile weights(QString::fromStdString(path));
            weights.open(QIODevice::ReadOnly);
            const QByteArray all = weights.readAll();
            weights.close();
            rewrite(QString::fromStdString(path), all.left(all.size() / 2));
        } else if (case_ == QLatin1String("changed-byte")) {
            QFile weights(QString::fromStdString(path));
            weights.open(QIODevice::ReadOnly);
            QByteArray all = weights.readAll();
            weights.close();
            all[all.size() / 2] = char(all[all.size() / 2] ^ 0x10); // inside a tensor's data
            rewrite(QString::fromStdString(path), all);
        } else if (case_ == QLatin1String("damaged-code") || case_ == QLatin1String("crafted-code")) {
            QFile weights(QString::fromStdString(path));
            weights.open(QIODevice::ReadOnly);
            QByteArray all = weights.readAll();
            weights.close();
            const qsizetype code = all.indexOf("class Module(Module):");
            QVERIFY(code >= 0);
            all.replace(code, 5, QByteArray(5, '\xff')); // the same size: only the contents are wrong
            if (case_ == QLatin1String("crafted-code"))
                QVERIFY(refreshZipChecksum(all, code));
            rewrite(QString::fromStdString(path), all);
        } else if (case_ == QLatin1String("class-mismatch")) {
            auto five = SegmentationModel::createBuiltIn(smallMetadata(5), 1);
            five->save(m_dir.filePath(QStringLiteral("five.pt")).toStdString(), &error);
            QFile::remove(QString::fromStdString(path));
            QFile::copy(m_dir.filePath(QStringLiteral("five.pt")), QString::fromStdString(path));
        } else if (case_ == QLatin1String("not-script"))
            rewrite(sidecar, text.replace("\"segstudio-unet\"", "\"torchscript\""));
        else if (case_ == QLatin1String("tiny-std")) {
            QJsonObject object = QJsonDocument::fromJson(text).object();
            object.insert(QStringLiteral("std"), QJsonArray{1e-40, 1e-40, 1e-40});
            rewrite(sidecar, QJsonDocument(object).toJson());
        } else if (case_ == QLatin1String("huge-count")) // a plain cast of 1e27 to int is undefined
            rewrite(sidecar, text.replace("\"version\": 1", "\"version\": 1.1e27"));
        else if (case_ == QLatin1String("bad-encoder"))
            rewrite(sidecar, text.replace("resnet18", "resnet50"));
        else if (case_ == QLatin1String("bad-scale"))
            rewrite(sidecar, text.replace("\"version\": 1", "\"input_scale\": 0.01, \"version\": 1"));
        auto model = SegmentationModel::load(path, &error);
        QVERIFY(!model);
        QVERIFY2(error.rfind("Cannot load model model.pt:", 0) == 0, error.c_str());
        QVERIFY2(error.find(expected.toStdString()) != std::string::npos, error.c_str());
    }

    void torchScriptClassCountMismatch() {
        const QString out = exportedTorchScript();
        if (QTest::currentTestFailed())
            return;
        QFile json(out + QStringLiteral("/model.json"));
        QVERIFY(json.open(QIODevice::ReadOnly));
        QByteArray text = json.readAll();
        json.close();
        const QString folder = m_dir.filePath(QStringLiteral("script-mismatch"));
        QDir().mkpath(folder);
        QFile::copy(out + QStringLiteral("/model.pt"), folder + QStringLiteral("/model.pt"));
        QFile sidecar(folder + QStringLiteral("/model.json"));
        QVERIFY(sidecar.open(QIODevice::WriteOnly));
        sidecar.write(text.replace(", {\"name\": \"class 3\", \"color\": \"#ffff00\"}", ""));
        sidecar.close();
        std::string error;
        QVERIFY(!SegmentationModel::load((folder + QStringLiteral("/model.pt")).toStdString(), &error));
        QVERIFY2(error.find("predicts 4 classes but its sidecar lists 3") != std::string::npos,
                 error.c_str());
    }

    void confusionMatrixScores() {
        ConfusionMatrix matrix(3);
        const uint8_t reference[] = {0, 0, 1, 1, 2, 255, 2, 0};
        const uint8_t predicted[] = {0, 1, 1, 1, 2, 0, 0, 0};
        QVERIFY(matrix.add(predicted, reference, 8));
        QCOMPARE(matrix.total(), 7ll);
        QCOMPARE(matrix.count(0, 1), 1ll);
        QCOMPARE(matrix.iou(0), 2.0 / 4.0); // tp 2, ref 3, pred 3
        QCOMPARE(matrix.iou(1), 2.0 / 3.0);
        QCOMPARE(matrix.iou(2), 1.0 / 2.0);
        QCOMPARE(matrix.pixelAccuracy(), 5.0 / 7.0);
        QVERIFY(std::abs(matrix.meanIoU() - (0.5 + 2.0 / 3.0 + 0.5) / 3) < 1e-12);
        const uint8_t outside[] = {7};
        const uint8_t zero[] = {0};
        QVERIFY(!matrix.add(outside, zero, 1));
        ConfusionMatrix empty(2);
        QVERIFY(std::isnan(empty.iou(0)));
    }

private:
    // Part of rowBandsJoinIntoTheWholePrediction, at one input scale.
    void rowBandsJoinAt(SegmentationModel& model, double scale) {
        std::string why;
        const inference::TrainingSample& sample = m_tile6Image4;
        const int width = sample.width, height = sample.height, tile = 256;
        PredictOptions options;
        options.device = "cpu";
        options.tile = tile;
        options.batch = 3;
        options.inputScale = scale;
        auto predictor = TiledPredictor::create(model, options, &why);
        QVERIFY2(predictor, why.c_str());
        const ImageView image{sample.rgb.data(), width, height, 0};
        Prediction whole;
        QVERIFY2(predictor->predict(image, whole, {}, nullptr, &why), why.c_str());

        std::vector<uint8_t> classes(whole.classes.size(), 77);
        std::vector<float> confidence(whole.confidence.size(), -1.f);
        const std::vector<int> cuts{0, 1, 200, 517, height - 30, height};
        for (size_t part = 0; part + 1 < cuts.size(); ++part) {
            const int first = cuts[part], end = cuts[part + 1];
            int nextRow = first, lowestRead = height, highestRead = 0;
            const bool ok = predictor->predictRows(
                width, height, first, end,
                [&](int y, int rows, ImageView& band, std::string*) {
                    if (rows > tile)
                        return false;
                    lowestRead = std::min(lowestRead, y);
                    highestRead = std::max(highestRead, y + rows);
                    band = {sample.rgb.data() + size_t(y) * width * 3, width, rows, 0};
                    return true;
                },
                [&](int y, int rows, uint8_t* rowClasses, float* rowConfidence, std::string*) {
                    if (y != nextRow) // top to bottom, each row once
                        return false;
                    nextRow = y + rows;
                    std::copy_n(rowClasses, size_t(rows) * width, classes.data() + size_t(y) * width);
                    std::copy_n(rowConfidence, size_t(rows) * width, confidence.data() + size_t(y) * width);
                    return true;
                },
                {}, nullptr, &why);
            QVERIFY2(ok, qPrintable(QStringLiteral("rows %1-%2: %3").arg(first).arg(end).arg(why.c_str())));
            QCOMPARE(nextRow, end);
            // Only the windows that reach into the range are read, and those that fill their
            // batches (at most a row of windows either side).
            QVERIFY(lowestRead > first - 2 * tile && highestRead < end + 2 * tile);
        }
        QVERIFY(classes == whole.classes);
        QVERIFY(confidence == whole.confidence);

        // Rows outside the image are refused before anything is read.
        bool read = false;
        const auto reader = [&](int, int, ImageView&, std::string*) { return read = true; };
        const auto taker = [](int, int, uint8_t*, float*, std::string*) { return true; };
        QVERIFY(!predictor->predictRows(width, height, 10, height + 1, reader, taker, {}, nullptr, &why));
        QVERIFY(!predictor->predictRows(width, height, 10, 10, reader, taker, {}, nullptr, &why));
        QVERIFY(!read);
        QVERIFY2(why.find("not in an image") != std::string::npos, why.c_str());
    }

    // The folder where PyTorch itself exported a small TorchScript model with an input and its
    // expected classes (tests/python/export_torchscript.py), exported by the first test that
    // needs it, whichever runs first.
    QString exportedTorchScript() {
        const QString out = m_dir.filePath(QStringLiteral("torchscript"));
        if (QFile::exists(out + QStringLiteral("/model.pt")))
            return out;
        [&] {
            QVERIFY(QDir().mkpath(out));
            QProcess python;
            python.start(QStringLiteral("/usr/bin/python3"),
                         {QStringLiteral(SEGSTUDIO_TEST_SOURCE_DIR "/python/export_torchscript.py"), out});
            QVERIFY2(python.waitForFinished(300000), "python3 did not finish");
            QVERIFY2(python.exitCode() == 0,
                     qPrintable(QStringLiteral("export failed (python3-torch and python3-torchvision are "
                                               "installed by packaging/install-deps.sh --tests): %1")
                                    .arg(QString::fromUtf8(python.readAllStandardError()))));
        }();
        return out;
    }
    double meanIoU(SegmentationModel& model, const TrainingSample& sample) {
        PredictOptions options;
        options.device = "cpu";
        QString error;
        const auto matrix = evaluateOn(model, {sample}, options, &error);
        return matrix.meanIoU();
    }

    QTemporaryDir m_dir;
    inference::TrainingSample m_tile6Image4;
};

QTEST_GUILESS_MAIN(TestInference)
#include "test_inference.moc"

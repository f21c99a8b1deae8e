// The jobs library, where document and engine meet: what the network sees of a raster
// (ModelInput), the one way predictions enter a mask (PredictionWriter), the model registry's
// memory bound, and the settings' single set of defaults. Real GDAL files and real networks.
#include "annotation/gdal_setup.h"
#include "annotation/label_document.h"
#include "annotation/mask_painter.h"
#include "annotation/raster_source.h"
#include "app/jobs/class_mapping.h"
#include "app/jobs/correction_learning.h"
#include "app/jobs/dataset_learning.h"
#include "app/jobs/input_scale_search.h"
#include "app/jobs/model_input.h"
#include "app/jobs/model_registry.h"
#include "app/jobs/model_worker.h"
#include "app/jobs/precision_choice.h"
#include "app/jobs/prediction_writer.h"
#include "app/jobs/segmentation_job.h"
#include "app/jobs/settings.h"
#include "app/jobs/training_set.h"
#include "inference/segmentation_model.h"
#include "inference/tiled_predictor.h"
#include "inference/trainer.h"
#include "test_support.h"

#include <QCoreApplication>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cmath>
#include <limits>
#include <new>
#include <stdexcept>
#include <tuple>

using namespace segstudio;

namespace {

inference::ModelMetadata smallModel(int classes) {
    inference::ModelMetadata metadata;
    metadata.name = "test";
    metadata.architecture.width = 0.25;
    for (int c = 0; c < classes; ++c)
        metadata.classes.push_back({"class " + std::to_string(c), "#102030"});
    return metadata;
}

std::shared_ptr<RasterSource> openRaster(const QString& path) {
    QString error;
    auto source = RasterSource::open(path, &error);
    if (!source)
        qWarning("%s", qPrintable(error));
    return source;
}

// A real image of tile 6, an empty document for it, and a small untrained network of its six
// classes.
struct Scene {
    std::shared_ptr<RasterSource> image;
    std::unique_ptr<inference::SegmentationModel> model;
    std::unique_ptr<LabelDocument> document;
};

Scene realScene() {
    Scene scene;
    scene.image = openRaster(test::dataPath(QStringLiteral("dubai_aerial/tile_6/images/image_part_004.jpg")));
    if (!scene.image)
        return scene;
    scene.model = inference::SegmentationModel::createBuiltIn(smallModel(6), 5);
    scene.document =
        std::make_unique<LabelDocument>(LabelMask(scene.image->size()), ClassPalette::dubaiAerial());
    scene.document->setImage(scene.image);
    return scene;
}

// Paints `reference` (a class per pixel of the document, row by row) over the given tiles, as
// a person correcting them would.
bool paintTiles(LabelDocument& document, const std::vector<quint8>& reference, const QList<QPoint>& tiles) {
    const LabelMask& mask = document.mask();
    const size_t width = size_t(mask.width());
    MaskPainter painter(document, QStringLiteral("Correct"));
    for (const QPoint& t : tiles) {
        const QRect r = mask.tileRect(t.x(), t.y());
        for (int y = r.top(); y <= r.bottom(); ++y)
            for (int x = r.left(); x <= r.right();) {
                const quint8 c = reference[size_t(y) * width + size_t(x)];
                int end = x + 1;
                while (end <= r.right() && reference[size_t(y) * width + size_t(end)] == c)
                    ++end;
                painter.paintSpan(y, x, end, PaintSpec{c});
                x = end;
            }
    }
    return painter.commit();
}

} // namespace

class TestJobs : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        initializeGdal();
        QCoreApplication::setOrganizationName(QStringLiteral("segstudio-test"));
        QCoreApplication::setApplicationName(QStringLiteral("test_jobs"));
        QVERIFY(m_dir.isValid());
    }

    void eightBitInputIsTheSamplesAsTheyAre() {
        const QString path = m_dir.filePath(QStringLiteral("rgb.tif"));
        test::RasterSpec spec;
        spec.width = 40;
        spec.height = 30;
        spec.bands = 4; // R, G, B and alpha
        spec.alphaBands = {4};
        spec.noData = 7;
        QVERIFY(test::writeGeoTiff(path, spec, [](int b, int x, int y) {
            if (b == 4)
                return x == 5 && y == 5 ? 0.0 : 255.0; // one transparent pixel
            if (x == 9 && y == 2)
                return 7.0; // nodata in every band
            return double((x * 3 + y * 5 + b * 40) % 256);
        }));
        const auto source = openRaster(path);
        QVERIFY(source);
        const ModelInput input = ModelInput::forSource(*source);
        QCOMPARE(input.bands, (std::array<int, 3>{1, 2, 3}));
        QVERIFY(!input.scaled);
        QVERIFY(!input.expandPalette);
        std::vector<uint8_t> rgb;
        QString error;
        const QRect window(2, 1, 20, 10);
        QVERIFY2(input.read(*source, window, rgb, &error), qPrintable(error));
        QCOMPARE(rgb.size(), size_t(20 * 10 * 3));
        for (int y = 0; y < window.height(); ++y)
            for (int x = 0; x < window.width(); ++x)
                for (int c = 0; c < 3; ++c) {
                    const int ix = x + window.x(), iy = y + window.y();
                    const bool empty = (ix == 5 && iy == 5) || (ix == 9 && iy == 2);
                    const int expected = empty ? 0 : (ix * 3 + iy * 5 + (c + 1) * 40) % 256;
                    QCOMPARE(int(rgb[(size_t(y) * 20 + size_t(x)) * 3 + size_t(c)]), expected);
                }
    }

    void sixteenBitInputIsScaledByTheMeasuredRange() {
        // A grey UInt16 ramp 1000-60000 with a nodata block: the input is band 1 in all three
        // channels, scaled from its 2nd-98th percentile to 0-255, whatever the display shows.
        const QString path = m_dir.filePath(QStringLiteral("grey16.tif"));
        test::RasterSpec spec;
        spec.width = 200;
        spec.height = 100;
        spec.type = GDT_UInt16;
        spec.noData = 0;
        QVERIFY(test::writeGeoTiff(
            path, spec, [](int, int x, int y) { return x < 10 && y < 10 ? 0.0 : 1000.0 + x * 295.0; }));
        const auto source = openRaster(path);
        QVERIFY(source);
        const ModelInput input = ModelInput::forSource(*source);
        QVERIFY(input.isGrey());
        QVERIFY(input.scaled);
        QVERIFY(input.low[0] > 1000 && input.low[0] < 3000);
        QVERIFY(input.high[0] > 57000 && input.high[0] < 60000);
        QCOMPARE(input.low[1], input.low[0]);
        std::vector<uint8_t> rgb;
        QString error;
        QVERIFY2(input.read(*source, QRect(0, 0, 200, 100), rgb, &error), qPrintable(error));
        const auto at = [&](int x, int y, int c) {
            return int(rgb[(size_t(y) * 200 + size_t(x)) * 3 + size_t(c)]);
        };
        QCOMPARE(at(3, 3, 0), 0);  // nodata
        QCOMPARE(at(0, 50, 0), 0); // below the 2nd percentile: clamped
        QCOMPARE(at(199, 50, 2), 255);
        const double v = 1000.0 + 100 * 295.0;
        const int expected =
            int(std::clamp((v - input.low[0]) * 255.0 / (input.high[0] - input.low[0]), 0.0, 255.0) + 0.5);
        QCOMPARE(at(100, 50, 0), expected);
        QCOMPARE(at(100, 50, 1), expected);
        QCOMPARE(at(100, 50, 2), expected);
    }

    void confidenceBytesLeaveZeroForNeverPredicted() {
        QCOMPARE(int(PredictionWriter::confidenceByte(0.f)), 1);
        QCOMPARE(int(PredictionWriter::confidenceByte(1.f)), 255);
        QCOMPARE(int(PredictionWriter::confidenceByte(0.5f)), 128);
        QCOMPARE(int(PredictionWriter::confidenceByte(std::nanf(""))), 1);
        QCOMPARE(int(PredictionWriter::confidenceByte(2.f)), 255);
    }

    void predictionsNeverOverwriteAPersonsLabels_data() {
        QTest::addColumn<bool>("overwrite");
        QTest::newRow("default") << false;
        QTest::newRow("overwrite") << true;
    }

    void predictionsNeverOverwriteAPersonsLabels() {
        QFETCH(bool, overwrite);
        LabelDocument document(LabelMask(QSize(600, 300)), ClassPalette::dubaiAerial());
        {
            MaskPainter painter(document, QStringLiteral("Stroke"));
            painter.paintSpan(10, 100, 110, PaintSpec{quint8(4)}); // tile (0, 0)
            painter.commit();
        }
        PredictedRegion region;
        region.rect = QRect(0, 0, 600, 300);
        region.classes.assign(600 * 300, 2);
        region.confidence.assign(region.classes.size(), 0.75f);
        PredictionRules rules;
        rules.overwriteHumanWork = overwrite;
        const QList<TileConfidence> tiles = PredictionWriter::write(document, region, rules);
        const LabelMask& mask = document.mask();
        QCOMPARE(tiles.size(), 6); // 3 × 2 tiles, the edited one too: no seams around an edit
        for (const TileConfidence& tile : tiles)
            QVERIFY(std::abs(tile.mean - 191.0 / 255.0) < 1e-9);
        QCOMPARE(int(mask.classAt(105, 10)), overwrite ? 2 : 4);
        QCOMPARE(mask.provenanceAt(105, 10), overwrite ? Provenance::Predicted : Provenance::Edited);
        QCOMPARE(int(mask.classAt(5, 5)), 2); // beside the edit, in its tile
        QCOMPARE(int(mask.classAt(500, 200)), 2);
        QCOMPARE(mask.provenanceAt(500, 200), Provenance::Predicted);
        QCOMPARE(int(mask.confidenceAt(500, 200)), 191);
        QCOMPARE(document.history().count(), 2); // the stroke, then the prediction
    }

    void segmentationRegionsTileTheAreaOnce() {
        const QSize image(2000, 900);
        const QList<QRect> regions =
            SegmentationJob::regionsOf(QRect(300, 100, 1500, 700), image, QPointF(1000, 500));
        qint64 area = 0;
        for (const QRect& r : regions) {
            QCOMPARE(r.x() % LabelMask::TileSize == 0 || r.x() == 300, true);
            area += qint64(r.width()) * r.height();
            for (const QRect& other : regions)
                QVERIFY(&r == &other || !r.intersects(other));
        }
        QCOMPARE(area, qint64(1500) * 700);
        // Nearest to the focus first.
        QVERIFY(regions.first().contains(QPoint(1000, 500)));
    }

    void segmentDocumentPredictsWithContextAndWritesEveryPixel() {
        // A real image and a real (small, untrained) network: the command line's Segment Image
        // equals predicting each region with its context by hand and writing it.
        Scene scene = realScene();
        QVERIFY(scene.image);
        const auto& source = scene.image;
        LabelDocument& document = *scene.document;
        inference::PredictOptions options;
        options.device = "cpu";
        options.tile = 256;
        options.overlap = 32;
        std::string why;
        auto predictor = inference::TiledPredictor::create(*scene.model, options, &why);
        QVERIFY2(predictor, why.c_str());
        SegmentationJob job(*predictor, *source);
        QString error;
        int calls = 0;
        QVERIFY2(job.segmentDocument(
                     document, PredictionRules{}, [&](int, int) { ++calls; }, &error),
                 qPrintable(error));
        const LabelMask& mask = document.mask();
        QCOMPARE(mask.provenanceHistogram()[size_t(Provenance::Predicted)],
                 qint64(mask.width()) * mask.height());
        QCOMPARE(calls, int(SegmentationJob::regionsOf(mask.rect(), mask.size(), {}).size()));

        // One region by hand: the input with 64 px of context around it, predicted, cropped.
        const QRect region(768, 0, 91, 768); // the right edge of the 859 px wide image
        const QRect window = region.adjusted(-64, -64, 64, 64) & mask.rect();
        std::vector<uint8_t> rgb;
        QVERIFY(ModelInput::forSource(*source).read(*source, window, rgb, &error));
        inference::Prediction prediction;
        QVERIFY(predictor->predict({rgb.data(), window.width(), window.height(), 0}, prediction, {}, nullptr,
                                   &why));
        for (int y = region.top(); y <= region.bottom(); y += 7)
            for (int x = region.left(); x <= region.right(); x += 5) {
                const size_t i =
                    size_t(y - window.top()) * size_t(window.width()) + size_t(x - window.left());
                QCOMPARE(int(mask.classAt(x, y)), int(prediction.classes[i]));
                QCOMPARE(mask.confidenceAt(x, y), PredictionWriter::confidenceByte(prediction.confidence[i]));
            }
    }

    void correctingAFewTilesFixesTheSameMistakeElsewhere() {
        // A network the test first trains on a real image, then a reference in which water is
        // called land: the network is wrong on purpose wherever there is water. The person fixes
        // the four tiles with the most water; learning (the window's defaults, faster) must fix
        // the same mistake on the tiles nobody corrected.
        Scene scene = realScene();
        QVERIFY(scene.image);
        const LabelledImage pair{
            scene.image->info().path,
            test::dataPath(QStringLiteral("dubai_aerial/tile_6/masks/image_part_004.png"))};
        inference::TrainingSample sample;
        QString error;
        QVERIFY2(loadSample(pair, ClassPalette::dubaiAerial(), sample, &error), qPrintable(error));
        {
            inference::TrainOptions options;
            options.device = "cpu";
            options.steps = 60;
            options.batch = 4;
            options.crop = 128;
            options.learningRate = 3e-3;
            std::string why;
            auto trainer = inference::Trainer::create(*scene.model, options, &why);
            inference::TrainResult result;
            QVERIFY2(trainer && trainer->train({sample}, result, {}, nullptr, &why), why.c_str());
        }
        const quint8 water = 4, land = 1;
        std::vector<quint8> reference = sample.mask;
        for (quint8& c : reference)
            if (c == water)
                c = land;
        const LabelMask& mask = scene.document->mask();
        const auto predictInto = [&](inference::SegmentationModel& model, LabelDocument& document) {
            inference::PredictOptions options;
            options.device = "cpu";
            std::string why;
            auto predictor = inference::TiledPredictor::create(model, options, &why);
            QString failure;
            return predictor && SegmentationJob(*predictor, *scene.image)
                                    .segmentDocument(document, PredictionRules{}, {}, &failure);
        };
        QVERIFY(predictInto(*scene.model, *scene.document));
        // The four tiles with the most water, painted as the reference says, row run by row run.
        std::vector<std::pair<int, QPoint>> byWater;
        for (int ty = 0; ty < mask.tilesDown(); ++ty)
            for (int tx = 0; tx < mask.tilesAcross(); ++tx) {
                const QRect r = mask.tileRect(tx, ty);
                int count = 0;
                for (int y = r.top(); y <= r.bottom(); ++y)
                    for (int x = r.left(); x <= r.right(); ++x)
                        count += sample.mask[size_t(y) * size_t(sample.width) + size_t(x)] == water;
                byWater.emplace_back(-count, QPoint(tx, ty));
            }
        std::sort(byWater.begin(), byWater.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        QList<QPoint> corrected;
        for (int i = 0; i < 4; ++i)
            corrected.append(byWater[size_t(i)].second);
        QVERIFY(paintTiles(*scene.document, reference, corrected));
        // Water called land, scored on the tiles nobody corrected.
        const auto landIoU = [&](const LabelMask& labels) {
            qint64 both = 0, either = 0;
            for (int y = 0; y < labels.height(); ++y)
                for (int x = 0; x < labels.width(); ++x) {
                    if (corrected.contains(QPoint(x / LabelMask::TileSize, y / LabelMask::TileSize)))
                        continue;
                    const bool truth = reference[size_t(y) * size_t(sample.width) + size_t(x)] == land;
                    const bool said = labels.classAt(x, y) == land;
                    both += truth && said;
                    either += truth || said;
                }
            return either ? double(both) / double(either) : 0.0;
        };
        const double before = landIoU(mask);
        LearningSettings settings;
        settings.device = "cpu";
        settings.learningRate = 1e-3;
        const LearningOutcome outcome =
            learnFromCorrections({*scene.model, *scene.model}, mask, *scene.image, settings);
        QVERIFY2(outcome.model, qPrintable(outcome.error));
        LabelDocument after(LabelMask(scene.image->size()), ClassPalette::dubaiAerial());
        after.setImage(scene.image);
        QVERIFY(predictInto(*outcome.model, after));
        const double gained = landIoU(after.mask());
        qInfo("IoU of \"land\" (water included) on the uncorrected tiles: %.3f -> %.3f", before, gained);
        QVERIFY2(gained > before + 0.05, qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(gained)));
    }

    void learningPicksTheInputScaleTheCorrectionsFavour() {
        // Tile 6 at half its resolution (another camera, a higher flight): the default model
        // sees every house half the size it learned. Three of its four tiles corrected, learning
        // finds on them that enlarging the image 2x suits the model, and the new version keeps
        // that scale. On the image at its own resolution, shrinking it does not pay and the
        // model's scale stays.
        QString error;
        std::string why;
        auto model = inference::SegmentationModel::load(SEGSTUDIO_DEFAULT_MODEL, &why);
        QVERIFY2(model, why.c_str());
        inference::TrainingSample full;
        QVERIFY2(loadSample({test::dataPath(QStringLiteral("dubai_aerial/tile_6/images/image_part_004.jpg")),
                             test::dataPath(QStringLiteral("dubai_aerial/tile_6/masks/image_part_004.png"))},
                            ClassPalette::dubaiAerial(), full, &error),
                 qPrintable(error));
        const int width = full.width / 2, height = full.height / 2;
        const QString halfPath = m_dir.filePath(QStringLiteral("half.tif"));
        test::RasterSpec spec;
        spec.width = width;
        spec.height = height;
        spec.bands = 3;
        QVERIFY(test::writeGeoTiff(halfPath, spec, [&](int band, int x, int y) {
            int sum = 0; // the mean of each 2×2 block
            for (int dy = 0; dy < 2; ++dy)
                for (int dx = 0; dx < 2; ++dx)
                    sum += full.rgb[(size_t(2 * y + dy) * size_t(full.width) + size_t(2 * x + dx)) * 3 +
                                    size_t(band - 1)];
            return double((sum + 2) / 4);
        }));
        std::vector<quint8> halfReference(size_t(width) * size_t(height));
        for (int y = 0; y < height; ++y)
            for (int x = 0; x < width; ++x)
                halfReference[size_t(y) * size_t(width) + size_t(x)] =
                    full.mask[size_t(2 * y) * size_t(full.width) + size_t(2 * x)];

        const auto half = openRaster(halfPath);
        QVERIFY(half);
        LabelDocument document(LabelMask(half->size()), ClassPalette::dubaiAerial());
        document.setImage(half);
        const QList<QPoint> corrected{{0, 0}, {1, 0}, {0, 1}};
        QVERIFY(paintTiles(document, halfReference, corrected));
        LearningSettings settings;
        settings.device = "cpu";
        settings.candidateScales = {0.75, 2.0};
        inference::PredictOptions options;
        options.device = "cpu";
        const std::vector<CorrectionSource> halfSource{{&document.mask(), half.get()}};
        QCOMPARE(bestInputScale(*model, halfSource, {corrected}, settings, options, 1.0, &error), 2.0);
        // The scale in use stays unless another beats it by the margin (here more than can be).
        settings.scaleMargin = 1.0;
        QCOMPARE(bestInputScale(*model, halfSource, {corrected}, settings, options, 1.0, &error), 1.0);
        settings.scaleMargin = LearningSettings().scaleMargin;
        // Leaving a scale an earlier round chose takes the wider margin: from 0.75× (a version
        // fine-tuned at it) 2× does not win by it; from the model's own 1× the first applies.
        QCOMPARE(bestInputScale(*model, halfSource, {corrected}, settings, options, 0.75, &error), 0.75);
        QCOMPARE(bestInputScale(*model, halfSource, {corrected}, settings, options, 1.0, &error), 2.0);
        settings.scaleMarginOnceChosen = 0; // any win leaves it
        QCOMPARE(bestInputScale(*model, halfSource, {corrected}, settings, options, 0.75, &error), 2.0);
        settings.scaleMarginOnceChosen = LearningSettings().scaleMarginOnceChosen;
        QVERIFY2(error.isEmpty(), qPrintable(error));
        settings.steps = 2; // the scale is chosen before fine-tuning: two steps show it is kept
        const LearningOutcome outcome =
            learnFromCorrections({*model, *model}, document.mask(), *half, settings);
        QVERIFY2(outcome.model, qPrintable(outcome.error));
        QVERIFY(outcome.inputScaleChanged);
        QCOMPARE(outcome.model->metadata().inputScale, 2.0);
        QCOMPARE(model->metadata().inputScale, 1.0); // the model learned from is left as it was

        Scene scene = realScene();
        QVERIFY(scene.image);
        std::vector<quint8> fullReference(full.mask.begin(), full.mask.end());
        QVERIFY(paintTiles(*scene.document, fullReference, {{0, 0}, {1, 1}, {2, 2}}));
        settings.candidateScales = {0.5};
        QCOMPARE(bestInputScale(*model, {{&scene.document->mask(), scene.image.get()}},
                                {{{0, 0}, {1, 1}, {2, 2}}}, settings, options, 1.0, &error),
                 1.0);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    void theScaleSearchScoresAnEvenSpreadOfTiles_data() {
        QTest::addColumn<QList<int>>("perDocument"); // corrected tiles of each document
        QTest::addColumn<int>("limit");
        QTest::addColumn<QList<int>>("expected"); // tiles scored of each document
        QTest::newRow("under the limit: all") << QList<int>{3, 5} << 16 << QList<int>{3, 5};
        QTest::newRow("at the limit: all") << QList<int>{10, 6} << 16 << QList<int>{10, 6};
        QTest::newRow("whole images: each its share") << QList<int>{64, 64, 32} << 16 << QList<int>{7, 6, 3};
        QTest::newRow("one document") << QList<int>{100} << 16 << QList<int>{16};
        QTest::newRow("no tiles") << QList<int>{0, 0} << 16 << QList<int>{0, 0};
    }

    void theScaleSearchScoresAnEvenSpreadOfTiles() {
        // A project's whole reviewed images hold hundreds of tiles: scoring every one of them at
        // four scales took minutes a round. The search scores `limit` of them, spread evenly.
        QFETCH(QList<int>, perDocument);
        QFETCH(int, limit);
        QFETCH(QList<int>, expected);
        std::vector<QList<QPoint>> tiles;
        for (int count : perDocument) {
            QList<QPoint>& list = tiles.emplace_back();
            for (int i = 0; i < count; ++i)
                list.append(QPoint(i % 8, i / 8));
        }
        const std::vector<QList<QPoint>> chosen = evenlySpreadTiles(tiles, limit);
        QCOMPARE(chosen.size(), tiles.size());
        for (size_t d = 0; d < tiles.size(); ++d) {
            QCOMPARE(chosen[d].size(), expected[qsizetype(d)]);
            for (const QPoint& tile : chosen[d]) { // each chosen once, from its own document
                QCOMPARE(chosen[d].count(tile), 1);
                QVERIFY(tiles[d].contains(tile));
            }
            if (!chosen[d].isEmpty() && tiles[d].size() > chosen[d].size()) {
                // Spread, not the first few: the last one chosen lies in the last share of the list.
                const qsizetype share = tiles[d].size() / chosen[d].size();
                QVERIFY(tiles[d].indexOf(chosen[d].last()) >= tiles[d].size() - share - 1);
            }
        }
        // Learning across a project keeps the model's own scale (its figures were measured so).
        QVERIFY(DatasetLearningSettings().learning.candidateScales.empty());
        QVERIFY(!LearningSettings().candidateScales.empty());
    }

    void anchorsKeepTheirShareAsCorrectionsGrow_data() {
        QTest::addColumn<int>("correctedTiles");
        QTest::addColumn<int>("anchorTiles");
        QTest::newRow("none corrected") << 0 << 0;
        QTest::newRow("the first round's 4") << 4 << 32;
        QTest::newRow("the third round's 12") << 12 << 96; // the cap of 48 left 4 a tile here
        QTest::newRow("beyond: the cap") << 40 << 96;
    }

    void anchorsKeepTheirShareAsCorrectionsGrow() {
        // Through the third round of four corrected tiles each, every corrected tile keeps its 8
        // anchors: fewer let the last, hardest corrections pull the rest of the image along.
        QFETCH(int, correctedTiles);
        QFETCH(int, anchorTiles);
        QCOMPARE(anchorTileBudget(size_t(correctedTiles), LearningSettings()), size_t(anchorTiles));
    }

    void classBalanceEvensOutTheClassesShares() {
        // A round's corrections are mostly one class: its pixels come to weigh less and the rare
        // class's more, so the two shares of the loss come closer; pixels of weight 0 or with no
        // label stay as they are, a class with none is left alone, and no factor passes the limit.
        inference::TrainingSample sample;
        sample.width = 100;
        sample.height = 1;
        sample.mask.assign(100, 0); // class 0: 94 labelled pixels…
        sample.weight.assign(100, 1.f);
        for (int i = 0; i < 4; ++i) // …class 1: 4
            sample.mask[size_t(i)] = 1;
        sample.mask[4] = Unlabeled;
        sample.weight[4] = 0.f;
        sample.mask[5] = 2; // class 2: present but weight 0, so not labelled
        sample.weight[5] = 0.f;
        const std::vector<inference::TrainingSample> samples{sample};

        const std::vector<float> half = classBalanceFactors(samples, 0.5, 5.0);
        QCOMPARE(half.size(), size_t(256));
        QVERIFY(qAbs(half[0] - std::sqrt(49.0 / 94.0)) < 1e-5); // (mean share / its share)^0.5
        QVERIFY(qAbs(half[1] - std::sqrt(49.0 / 4.0)) < 1e-5);
        QCOMPARE(half[2], 1.f);
        const double before = 94.0 / 4.0, after = 94.0 * half[0] / (4.0 * half[1]);
        QVERIFY2(after < before / 4, qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(after)));

        const std::vector<float> full = classBalanceFactors(samples, 1.0, 5.0);
        QCOMPARE(full[1], 5.f); // 49 / 4 = 12.25, held at the limit
        QVERIFY(full[0] >= 1.f / 5.f && full[0] < half[0]);

        std::vector<inference::TrainingSample> balanced = samples;
        balanceClassWeights(balanced, 0.5, 5.0);
        QCOMPARE(balanced[0].weight[0], half[1]);
        QCOMPARE(balanced[0].weight[50], half[0]);
        QCOMPARE(balanced[0].weight[4], 0.f);
        QCOMPARE(balanced[0].weight[5], 0.f);
        std::vector<inference::TrainingSample> untouched = samples;
        balanceClassWeights(untouched, 0.0, 5.0); // power 0: off
        QCOMPARE(untouched[0].weight, samples[0].weight);
    }

    void theScaleIsChosenByPixelAccuracyNotMeanIoU() {
        // On the worst tiles of an image a rare class's few pixels swing mIoU: here 1.33× gets
        // 10 Building pixels wrong and 45 others right that 1× gets wrong. The scale belongs to
        // the whole scene, so the one with more pixels right wins, though its mIoU is lower.
        const auto counts = [](std::initializer_list<std::tuple<quint8, quint8, int>> cells) {
            inference::ConfusionMatrix matrix(3);
            for (const auto& [reference, predicted, count] : cells) {
                const std::vector<quint8> r(size_t(count), reference), p(size_t(count), predicted);
                matrix.add(p.data(), r.data(), r.size());
            }
            return matrix;
        };
        const inference::ConfusionMatrix atOwn = counts({{0, 0, 900}, {1, 1, 10}, {2, 2, 45}, {2, 0, 45}});
        const inference::ConfusionMatrix enlarged = counts({{0, 0, 900}, {1, 0, 10}, {2, 2, 90}});
        QVERIFY(atOwn.meanIoU() > enlarged.meanIoU() + 0.1);
        QVERIFY(enlarged.pixelAccuracy() > atOwn.pixelAccuracy() + 0.03);
        LearningSettings settings;
        const std::vector<std::pair<double, inference::ConfusionMatrix>> scored{{1.0, atOwn}, {1.33, enlarged}};
        QCOMPARE(chooseInputScale(scored, 1.0, 1.0, settings), 1.33);
        settings.scaleMargin = 0.05; // a win within the margin keeps the scale in use
        QCOMPARE(chooseInputScale(scored, 1.0, 1.0, settings), 1.0);
        // From a scale an earlier round chose, the wider margin: 1× would have to win by 0.1.
        const std::vector<std::pair<double, inference::ConfusionMatrix>> reversed{{1.0, enlarged},
                                                                                 {1.33, atOwn}};
        QCOMPARE(chooseInputScale(reversed, 1.0, 1.33, LearningSettings()), 1.33);
    }

    void aRoundLearnsItsCorrectionsAnchorsAndBalancedClasses() {
        // What a round trains on: every corrected tile, 8 anchors a corrected tile from the
        // predicted tiles, and the class balance applied over both (not the corrections alone,
        // not before the anchors are in): each class's weight is its factor over all samples.
        std::string why;
        auto model = inference::SegmentationModel::load(SEGSTUDIO_DEFAULT_MODEL, &why);
        QVERIFY2(model, why.c_str());
        Scene scene = realScene();
        QVERIFY(scene.image);
        inference::PredictOptions options;
        options.device = "cpu";
        auto predictor = inference::TiledPredictor::create(*model, options, &why);
        QVERIFY2(predictor, why.c_str());
        QString error;
        QVERIFY(SegmentationJob(*predictor, *scene.image)
                    .segmentDocument(*scene.document, PredictionRules{}, {}, &error));
        inference::TrainingSample reference;
        QVERIFY2(loadSample({test::dataPath(QStringLiteral("dubai_aerial/tile_6/images/image_part_004.jpg")),
                             test::dataPath(QStringLiteral("dubai_aerial/tile_6/masks/image_part_004.png"))},
                            ClassPalette::dubaiAerial(), reference, &error),
                 qPrintable(error));
        const QList<QPoint> corrected{{0, 0}, {2, 1}};
        QVERIFY(paintTiles(*scene.document, std::vector<quint8>(reference.mask.begin(), reference.mask.end()),
                           corrected));
        const LabelMask& mask = scene.document->mask();
        const std::vector<CorrectionSource> sources{{&mask, scene.image.get()}};
        const int predictedTiles = mask.tilesAcross() * mask.tilesDown() - int(corrected.size());

        LearningSettings unbalanced;
        unbalanced.classBalancePower = 0;
        std::vector<inference::TrainingSample> plain;
        long long pixels = 0;
        QVERIFY2(learningSamples(sources, {corrected}, unbalanced, plain, &pixels, &error), qPrintable(error));
        QCOMPARE(plain.size(), corrected.size() + size_t(std::min(predictedTiles, 16)));
        QVERIFY(pixels > 0 && pixels <= 2 * 256 * 256);
        std::vector<double> plainMass(256, 0.0);
        long long otherWeights = 0;
        for (const inference::TrainingSample& sample : plain)
            for (size_t p = 0; p < sample.mask.size(); ++p) {
                const float w = sample.weight[p];
                otherWeights +=
                    w != 0.f && w != float(unbalanced.editedWeight) && w != float(unbalanced.anchorWeight);
                plainMass[sample.mask[p]] += sample.mask[p] == Unlabeled ? 0.0 : double(w);
            }
        QCOMPARE(otherWeights, 0); // power 0: the weights as the corrections and anchors give them

        LearningSettings settings; // the default: balanced
        std::vector<inference::TrainingSample> balanced;
        long long balancedPixels = 0;
        QVERIFY2(learningSamples(sources, {corrected}, settings, balanced, &balancedPixels, &error),
                 qPrintable(error));
        QCOMPARE(balancedPixels, pixels);
        QCOMPARE(balanced.size(), plain.size());
        const std::vector<float> factors =
            classBalanceFactors(plain, settings.classBalancePower, settings.maxClassFactor);
        std::vector<double> balancedMass(256, 0.0);
        long long differ = 0;
        for (size_t n = 0; n < balanced.size(); ++n) {
            const inference::TrainingSample &was = plain[n], &is = balanced[n];
            QCOMPARE(is.mask.size(), was.mask.size());
            for (size_t p = 0; p < is.mask.size(); ++p) {
                differ += is.mask[p] != was.mask[p] || is.weight[p] != was.weight[p] * factors[was.mask[p]];
                balancedMass[is.mask[p]] += is.mask[p] == Unlabeled ? 0.0 : double(is.weight[p]);
            }
        }
        QCOMPARE(differ, 0);
        const auto spread = [](const std::vector<double>& mass) {
            double most = 0, least = std::numeric_limits<double>::max();
            for (double m : mass)
                if (m > 0) {
                    most = std::max(most, m);
                    least = std::min(least, m);
                }
            return most / least;
        };
        qInfo("largest / smallest class share: %.1f unbalanced, %.1f balanced", spread(plainMass),
              spread(balancedMass));
        QVERIFY(spread(plainMass) > 4);
        QVERIFY(spread(balancedMass) < spread(plainMass) / 2);
    }

    void theScaleSearchKeepsItsScoresAcrossRounds() {
        // A second round scores the same tiles with the same model: from the cache, to the same
        // choice. A repainted tile, or another model, is scored afresh.
        std::string why;
        auto model = inference::SegmentationModel::load(SEGSTUDIO_DEFAULT_MODEL, &why);
        QVERIFY2(model, why.c_str());
        QCOMPARE(model->clone()->weightsDigest(), model->weightsDigest());
        Scene scene = realScene();
        QVERIFY(scene.image);
        QVERIFY(scene.model->weightsDigest() != model->weightsDigest());
        inference::TrainingSample reference;
        QString error;
        QVERIFY2(loadSample({test::dataPath(QStringLiteral("dubai_aerial/tile_6/images/image_part_004.jpg")),
                             test::dataPath(QStringLiteral("dubai_aerial/tile_6/masks/image_part_004.png"))},
                            ClassPalette::dubaiAerial(), reference, &error),
                 qPrintable(error));
        const QList<QPoint> corrected{{0, 0}, {1, 1}};
        const std::vector<quint8> truth(reference.mask.begin(), reference.mask.end());
        QVERIFY(paintTiles(*scene.document, truth, corrected));
        const std::vector<CorrectionSource> sources{{&scene.document->mask(), scene.image.get()}};
        LearningSettings settings;
        settings.candidateScales = {1.33};
        inference::PredictOptions options;
        options.device = "cpu";
        const double uncached = bestInputScale(*model, sources, {corrected}, settings, options, 1.0, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));

        ScaleScoreCache cache;
        QCOMPARE(bestInputScale(*model, sources, {corrected}, settings, options, 1.0, &error, &cache), uncached);
        QCOMPARE(cache.size(), size_t(2 * 2)); // two tiles at two scales
        QCOMPARE(cache.hits(), 0);
        QCOMPARE(bestInputScale(*model, sources, {corrected}, settings, options, 1.0, &error, &cache), uncached);
        QCOMPARE(cache.hits(), 4);

        QVERIFY(paintTiles(*scene.document, std::vector<quint8>(truth.size(), quint8(2)), {{1, 1}}));
        bestInputScale(*model, sources, {corrected}, settings, options, 1.0, &error, &cache);
        QCOMPARE(cache.hits(), 4 + 2); // the other tile from the cache; the repainted one scored again
        QCOMPARE(cache.size(), size_t(6));
        bestInputScale(*scene.model, sources, {corrected}, settings, options, 1.0, &error, &cache);
        QCOMPARE(cache.hits(), 6); // another model: nothing reused
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    void aVersionWorseOnTheReviewedTilesIsNotAccepted() {
        // The person reviews the top half of a real image as the model predicted it and paints
        // one class over whole tiles of the bottom half, where the model sees other things.
        // Learned fast, that drags the network to the painted class everywhere: on the reviewed
        // tiles held out from training it is worse than the current version, and is refused.
        Scene scene = realScene();
        QVERIFY(scene.image);
        const auto& source = scene.image;
        LabelDocument& document = *scene.document;
        auto& model = scene.model;
        inference::PredictOptions options;
        options.device = "cpu";
        std::string why;
        auto predictor = inference::TiledPredictor::create(*model, options, &why);
        QVERIFY2(predictor, why.c_str());
        QString error;
        QVERIFY(
            SegmentationJob(*predictor, *source).segmentDocument(document, PredictionRules{}, {}, &error));
        predictor.reset();
        const LabelMask& mask = document.mask();
        const auto histogram = mask.classHistogram();
        const int painted =
            int(std::min_element(histogram.begin(), histogram.begin() + 6) - histogram.begin());
        {
            MaskPainter painter(document, QStringLiteral("Review and paint"));
            for (int y = 0; y < mask.height(); ++y) {
                if (y < 2 * LabelMask::TileSize)
                    painter.reviewSpan(y, 0, mask.width());
                else
                    painter.paintSpan(y, 0, mask.width(), PaintSpec{quint8(painted)});
            }
            QVERIFY(painter.commit());
        }
        QVERIFY(heldOutTiles(mask).size() >= 1);
        LearningSettings settings;
        settings.steps = 20;
        settings.learningRate = 1e-2;
        settings.anchorTilesPerCorrectedTile = 0;
        settings.device = "cpu";
        const LearningOutcome outcome = learnFromCorrections({*model, *model}, mask, *source, settings);
        QVERIFY2(outcome.model, qPrintable(outcome.error));
        qInfo("held-out mIoU: current %.3f, learned %.3f", outcome.baselineMiou, outcome.heldOutMiou);
        QVERIFY(outcome.baselineMiou > 0);
        QVERIFY(outcome.heldOutMiou < outcome.baselineMiou);
        QVERIFY(!outcome.accepted);
    }

    void registryKeepsOnlyRecentVersionsInMemory() {
        ModelRegistry registry(2);
        std::vector<int> ids;
        for (uint64_t seed = 1; seed <= 4; ++seed) {
            ModelVersionInfo info;
            info.name = QStringLiteral("v%1").arg(seed);
            ids.push_back(
                registry.add(inference::SegmentationModel::createBuiltIn(smallModel(3), seed), info).id);
        }
        QCOMPARE(registry.count(), 4);
        QCOMPARE(registry.inMemoryCount(), 2);
        // Version 1 comes back from disk with its own weights: it predicts as a fresh copy does.
        QString error;
        inference::SegmentationModel* first = registry.model(ids[0], &error);
        QVERIFY2(first, qPrintable(error));
        QCOMPARE(registry.inMemoryCount(), 2);
        QCOMPARE(registry.info(ids[0])->name, QStringLiteral("v1"));
        auto fresh = inference::SegmentationModel::createBuiltIn(smallModel(3), 1);
        std::vector<uint8_t> rgb(96 * 64 * 3);
        for (size_t i = 0; i < rgb.size(); ++i)
            rgb[i] = uint8_t((i * 37) % 251);
        const auto predict = [&](inference::SegmentationModel& model) {
            inference::PredictOptions options;
            options.device = "cpu";
            options.tile = 64;
            options.overlap = 16; // at most half the window
            std::string why;
            auto predictor = inference::TiledPredictor::create(model, options, &why);
            inference::Prediction prediction;
            predictor->predict({rgb.data(), 96, 64, 0}, prediction, {}, nullptr, &why);
            return prediction.confidence;
        };
        QCOMPARE(predict(*first), predict(*fresh));
        // The pinned version is never the one spilled.
        registry.pin(ids[0]);
        QVERIFY(registry.model(ids[1], &error));
        QVERIFY(registry.model(ids[2], &error));
        QVERIFY(registry.model(ids[3], &error));
        QCOMPARE(registry.inMemoryCount(), 2);
        QVERIFY(registry.model(ids[0], &error) == first); // still the same object: never spilled
        QVERIFY(!registry.model(99, &error));
        QVERIFY(error.contains(QStringLiteral("99")));
    }

    void settingsDefaultsAreTheEnginesAndBadValuesFallBack() {
        QSettings().clear();
        const Settings defaults = Settings::load();
        const inference::PredictOptions engine;
        const LearningSettings learning;
        QCOMPARE(defaults.prediction.tile, engine.tile);
        QCOMPARE(defaults.prediction.overlap, engine.overlap);
        QCOMPARE(defaults.prediction.batch, engine.batch);
        QCOMPARE(defaults.prediction.views, engine.views);
        QCOMPARE(defaults.prediction.device, engine.device);
        QCOMPARE(defaults.learning.steps, learning.steps);
        QCOMPARE(defaults.learning.learningRate, learning.learningRate);
        QCOMPARE(defaults.learning.editedWeight, learning.editedWeight);
        QCOMPARE(defaults.undoMaxBytes, UndoHistory::DefaultMaxBytes);
        QCOMPARE(defaults.undoMinDepth, UndoHistory::DefaultMinDepth);

        Settings changed = defaults;
        changed.prediction.tile = 768;
        changed.prediction.views = 4;
        changed.prediction.device = "cpu";
        changed.learning.steps = 12;
        changed.undoMaxBytes = 64ll * 1024 * 1024;
        changed.save();
        const Settings loaded = Settings::load();
        QCOMPARE(loaded.prediction.tile, 768);
        QCOMPARE(loaded.prediction.views, 4);
        QCOMPARE(loaded.learning.steps, 12);
        QCOMPARE(QSettings().value(QStringLiteral("undo/max_megabytes")).toInt(), 64); // the file's unit
        QCOMPARE(loaded.undoMaxBytes, 64ll * 1024 * 1024);
        QCOMPARE(loaded.learning.device, std::string("cpu")); // learning runs where prediction runs

        QSettings().setValue(QStringLiteral("model/views"), 3); // not a view count
        QSettings().setValue(QStringLiteral("model/tile"), QStringLiteral("huge"));
        QSettings().setValue(QStringLiteral("learning/steps"), -5);
        const Settings repaired = Settings::load();
        QCOMPARE(repaired.prediction.views, engine.views);
        QCOMPARE(repaired.prediction.tile, engine.tile);
        QCOMPARE(repaired.learning.steps, learning.steps);
        QSettings().clear();
    }

    void autoPrecisionIsMeasuredOnceAndRedoneWhenTheModelOrRuntimeChanges() {
        QTemporaryDir folder;
        QSettings settings(folder.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        inference::ModelMetadata metadata;
        metadata.name = "calibrated";
        metadata.architecture.width = 0.25;
        for (int c = 0; c < 3; ++c)
            metadata.classes.push_back({"class " + std::to_string(c), "#102030"});
        auto model = inference::SegmentationModel::createBuiltIn(metadata, 1);
        const QString runtime = QStringLiteral("Test CPU (AMX)|LibTorch 1.13.0");

        // First use: measured on this machine and kept, with its reason.
        inference::PredictOptions options;
        options.device = "cpu";
        QString reason;
        PrecisionChoice::resolve(options, *model, nullptr, settings, &reason, runtime);
        QVERIFY2(options.precision == "fp32" || options.precision == "bf16", options.precision.c_str());
        QVERIFY2(reason.contains(QStringLiteral("bf16")), qPrintable(reason));
        inference::PrecisionDecision kept;
        QVERIFY(PrecisionChoice::cached(*model, settings, &kept, runtime));
        QCOMPARE(kept.precision, options.precision);

        // Reused, not measured again: a choice planted under the key is what comes back.
        const QString group = QStringLiteral("precision-auto/") + PrecisionChoice::cacheKey(*model, runtime);
        settings.setValue(group + QStringLiteral("/precision"), QStringLiteral("bf16"));
        settings.setValue(group + QStringLiteral("/reason"), QStringLiteral("planted"));
        settings.setValue(group + QStringLiteral("/channels-last"), true);
        options.precision = "auto";
        options.channelsLast = -1;
        PrecisionChoice::resolve(options, *model, nullptr, settings, &reason, runtime);
        QCOMPARE(options.precision, std::string("bf16"));
        QCOMPARE(reason, QStringLiteral("planted"));
        QCOMPARE(options.channelsLast, 1); // the layout kept with it
        options.precision = "auto";
        options.channelsLast = 0; // one asked for is not overridden
        PrecisionChoice::resolve(options, *model, nullptr, settings, &reason, runtime);
        QCOMPARE(options.channelsLast, 0);

        // Another LibTorch, or another model: measured again (the plant does not carry over).
        const QString newerTorch = QStringLiteral("Test CPU (AMX)|LibTorch 2.5.0");
        QVERIFY(PrecisionChoice::cacheKey(*model, newerTorch) != PrecisionChoice::cacheKey(*model, runtime));
        options.precision = "auto";
        PrecisionChoice::resolve(options, *model, nullptr, settings, &reason, newerTorch);
        QVERIFY(reason != QLatin1String("planted"));
        QVERIFY(PrecisionChoice::cached(*model, settings, &kept, newerTorch));
        metadata.name = "another model";
        auto other = inference::SegmentationModel::createBuiltIn(metadata, 1);
        QVERIFY(PrecisionChoice::cacheKey(*other, runtime) != PrecisionChoice::cacheKey(*model, runtime));
        QVERIFY(!PrecisionChoice::cached(*other, settings, &kept, runtime));
        options.precision = "auto";
        PrecisionChoice::resolve(options, *other, nullptr, settings, &reason, runtime);
        QVERIFY(reason != QLatin1String("planted"));

        // Learning has a choice of its own, measured on training steps, kept beside prediction's
        // (the planted bf16 for prediction does not make learning bf16).
        inference::TrainOptions train;
        train.device = "cpu";
        PrecisionChoice::resolveTraining(train, *model, settings, &reason, runtime);
        QVERIFY2(train.precision == "fp32" || train.precision == "bf16", train.precision.c_str());
        QVERIFY2(reason.contains(QStringLiteral("bf16")) && reason != QLatin1String("planted"),
                 qPrintable(reason));
        QVERIFY(!reason.contains(QStringLiteral("agrees")));
        QVERIFY(PrecisionChoice::cached(*model, settings, &kept, runtime, QStringLiteral("train")));
        QCOMPARE(kept.precision, train.precision);
        PrecisionChoice::cached(*model, settings, &kept, runtime);
        QCOMPARE(kept.precision, std::string("bf16"));
        QVERIFY(!train.channelsLast); // a layout is learning's choice only

        // Learning from corrections (decoder only) is measured apart from whole-network training,
        // and its layout kept with it: a channels-last choice planted under its key is used.
        inference::TrainOptions learn;
        learn.device = "cpu";
        learn.decoderOnly = true;
        learn.freezeBatchNorm = true;
        PrecisionChoice::resolveTraining(learn, *model, settings, &reason, runtime);
        QVERIFY(PrecisionChoice::cached(*model, settings, &kept, runtime, QStringLiteral("learn")));
        QCOMPARE(learn.channelsLast, kept.channelsLast);
        QCOMPARE(learn.precision, std::string("fp32")); // learning is not tried in bf16
        QVERIFY2(reason.startsWith(QStringLiteral("fp32 (learning)")), qPrintable(reason));
        const QString learnGroup = group + QStringLiteral("-learn");
        settings.setValue(learnGroup + QStringLiteral("/precision"), QStringLiteral("fp32"));
        settings.setValue(learnGroup + QStringLiteral("/reason"), QStringLiteral("planted for learning"));
        settings.setValue(learnGroup + QStringLiteral("/channels-last"), true);
        learn.precision = "auto";
        learn.channelsLast = false;
        PrecisionChoice::resolveTraining(learn, *model, settings, &reason, runtime);
        QCOMPARE(reason, QStringLiteral("planted for learning"));
        QVERIFY(learn.channelsLast);
        train.precision = "auto";
        PrecisionChoice::resolveTraining(train, *model, settings, &reason, runtime);
        QVERIFY(!train.channelsLast && reason != QLatin1String("planted for learning"));

        // An explicit precision, or a GPU, is never second-guessed.
        options.precision = "fp32";
        PrecisionChoice::resolve(options, *model, nullptr, settings, &reason, runtime);
        QCOMPARE(options.precision, std::string("fp32"));
        QVERIFY(reason.isEmpty());
        options.precision = "auto";
        options.device = "cuda";
        PrecisionChoice::resolve(options, *model, nullptr, settings, &reason, runtime);
        QCOMPARE(options.precision, std::string("auto"));
    }

    void modelClassesMissingFromThePaletteAreNamed() {
        QCOMPARE(ClassMapping::missingClasses(ClassPalette::dubaiAerial(),
                                              {QStringLiteral("a"), QStringLiteral("b")}),
                 QString());
        QStringList many;
        for (int i = 0; i < 12; ++i)
            many.append(QStringLiteral("class %1").arg(i));
        const QString message = ClassMapping::missingClasses(ClassPalette::dubaiAerial(), many);
        QVERIFY2(message.contains(QStringLiteral("class 6")), qPrintable(message));
    }

    void aRoundThatThrowsEndsWithAMessageAndKeepsTheVersion() {
        // Memory that runs out, or oneDNN's own error where a CPU lacks a kernel (it is not a
        // c10::Error), thrown inside a round: the round ends with a message saying so, the
        // version in use stays, and the worker goes on. Escaping the slot, it ended the program.
        ModelWorker worker;
        QSignalSpy failed(&worker, &ModelWorker::modelFailed);
        worker.openModel(QStringLiteral(SEGSTUDIO_DEFAULT_MODEL));
        QCOMPARE(failed.count(), 0);
        QCOMPARE(worker.registry().count(), 1);
        QSignalSpy finished(&worker, &ModelWorker::learnFinished);
        const LearningSettings settings;
        int rounds = 0;
        worker.learnWith(
            1,
            [&](const LearningModels&, const std::function<void(const inference::TrainStep&)>&,
                const std::atomic<bool>*) -> LearningOutcome {
                ++rounds;
                throw std::runtime_error("could not create a primitive descriptor iterator");
            },
            settings);
        worker.learnWith(
            2,
            [&](const LearningModels&, const std::function<void(const inference::TrainStep&)>&,
                const std::atomic<bool>*) -> LearningOutcome {
                ++rounds;
                throw std::bad_alloc();
            },
            settings);
        QCOMPARE(rounds, 2);
        QCOMPARE(finished.count(), 2);
        for (int i = 0; i < 2; ++i) {
            const auto arguments = finished.at(i);
            QCOMPARE(arguments.at(0).toULongLong(), quint64(i + 1));
            QCOMPARE(arguments.at(1).toBool(), false); // not cancelled: failed
            QCOMPARE(arguments.at(3).toBool(), false); // nothing accepted
            const QString error = arguments.at(2).toString();
            QVERIFY2(error.contains(i == 0 ? QStringLiteral("primitive descriptor")
                                           : QStringLiteral("out of memory")),
                     qPrintable(error));
            QVERIFY2(error.contains(QStringLiteral("unchanged")), qPrintable(error));
        }
        QCOMPARE(worker.registry().count(), 1); // no version added
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestJobs)
#include "test_jobs.moc"

// segstudio-cli as a user runs it: predict to GeoTIFF and PNG, eval, train, bench, and the
// errors a user gets for bad input. The real executable, real files.
#include "annotation/gdal_setup.h"
#include "app/jobs/model_registry.h"
#include "app/jobs/precision_choice.h"
#include "inference/segmentation_model.h"
#include "small_model.h"
#include "test_support.h"

#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <gdal.h>

using namespace segstudio;
using segstudio::test::dataPath;

namespace {

using Run = test::ProcessRun;

Run cli(const QStringList& arguments, int timeoutMs = 600000,
        const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment()) {
    return test::runProcess(QStringLiteral(SEGSTUDIO_CLI), arguments, timeoutMs, environment);
}

QJsonObject lastJsonLine(const QByteArray& out) {
    const QList<QByteArray> lines = out.trimmed().split('\n');
    return QJsonDocument::fromJson(lines.last()).object();
}

// A settings folder in which the default model's kept choices are bf16 for prediction (a CPU
// without bf16 units still runs it) and fp32 for learning, so that neither is measured in a
// test; `environment` points the CLI at it.
bool plantPrecisionChoice(const QString& config, QProcessEnvironment& environment) {
    QString error;
    const auto model = ModelRegistry::load(QStringLiteral("default"), &error);
    if (!model) {
        qWarning("%s", qPrintable(error));
        return false;
    }
    QSettings kept(config + QStringLiteral("/segstudio/segstudio-cli.conf"), QSettings::IniFormat);
    const QString key = QStringLiteral("precision-auto/") +
                        PrecisionChoice::cacheKey(*model, PrecisionChoice::currentRuntime());
    kept.setValue(key + QStringLiteral("/precision"), QStringLiteral("bf16"));
    kept.setValue(key + QStringLiteral("/reason"), QStringLiteral("planted"));
    kept.setValue(key + QStringLiteral("-learn/precision"), QStringLiteral("fp32"));
    kept.setValue(key + QStringLiteral("-learn/reason"), QStringLiteral("planted"));
    kept.sync();
    environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"), config);
    return kept.status() == QSettings::NoError;
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        initializeGdal();
        QVERIFY(m_dir.isValid());
        // A small six-class built-in model: the commands' plumbing, not the model's quality,
        // is under test here.
        std::string error;
        m_model = m_dir.filePath(QStringLiteral("model/model.pt"));
        QVERIFY2(test::saveSmallSixClassModel(m_model.toStdString(), "cli-test", &error), error.c_str());
    }

    void predictGeoTiffKeepsGeoreference() {
        const QString output = m_dir.filePath(QStringLiteral("landsat_classes.tif"));
        const QString confidence = m_dir.filePath(QStringLiteral("landsat_confidence.tif"));
        const Run run = cli({QStringLiteral("predict"), QStringLiteral("--model"), m_model,
                             QStringLiteral("--input"), dataPath(QStringLiteral("geotiff/RGB.byte.tif")),
                             QStringLiteral("--output"), output, QStringLiteral("--confidence"), confidence,
                             QStringLiteral("--tile"), QStringLiteral("256"), QStringLiteral("--block"),
                             QStringLiteral("300"), QStringLiteral("--device"), QStringLiteral("cpu")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QCOMPARE(lastJsonLine(run.out).value(QStringLiteral("width")).toInt(), 791);
        QVERIFY(run.err.contains(QStringLiteral("predict:")));

        GDALDatasetH input =
            GDALOpen(dataPath(QStringLiteral("geotiff/RGB.byte.tif")).toUtf8().constData(), GA_ReadOnly);
        GDALDatasetH classes = GDALOpen(output.toUtf8().constData(), GA_ReadOnly);
        QVERIFY(input && classes);
        QCOMPARE(GDALGetRasterXSize(classes), 791);
        QCOMPARE(GDALGetRasterYSize(classes), 718);
        double a[6], b[6];
        GDALGetGeoTransform(input, a);
        GDALGetGeoTransform(classes, b);
        for (int i = 0; i < 6; ++i)
            QCOMPARE(b[i], a[i]);
        QCOMPARE(QString::fromUtf8(GDALGetProjectionRef(classes)),
                 QString::fromUtf8(GDALGetProjectionRef(input)));
        GDALRasterBandH band = GDALGetRasterBand(classes, 1);
        int hasNoData = 0;
        QCOMPARE(GDALGetRasterNoDataValue(band, &hasNoData), 255.0);
        QVERIFY(hasNoData);
        GDALColorTableH table = GDALGetRasterColorTable(band);
        QVERIFY(table);
        const GDALColorEntry* first = GDALGetColorEntry(table, 0);
        QCOMPARE(QColor(first->c1, first->c2, first->c3).name(), QStringLiteral("#3c1098"));
        QCOMPARE(QString::fromUtf8(GDALGetMetadataItem(classes, "COMPRESSION", "IMAGE_STRUCTURE")),
                 QStringLiteral("DEFLATE"));
        int blockX = 0, blockY = 0;
        GDALGetBlockSize(band, &blockX, &blockY);
        QCOMPARE(blockX, 256); // tiled
        std::vector<uint8_t> values(791 * 718);
        QCOMPARE(GDALRasterIO(band, GF_Read, 0, 0, 791, 718, values.data(), 791, 718, GDT_Byte, 0, 0),
                 CE_None);
        // A class everywhere but the scene's nodata collar (0 in every band), which has none.
        std::vector<uint8_t> rgb(values.size() * 3);
        QCOMPARE(GDALDatasetRasterIO(input, GF_Read, 0, 0, 791, 718, rgb.data(), 791, 718, GDT_Byte, 3,
                                     nullptr, 3, 3 * 791, 1),
                 CE_None);
        for (size_t i = 0; i < values.size(); ++i) {
            const bool noData = rgb[3 * i] == 0 && rgb[3 * i + 1] == 0 && rgb[3 * i + 2] == 0;
            QVERIFY(noData ? values[i] == 255 : values[i] < 6);
        }
        GDALDatasetH confidences = GDALOpen(confidence.toUtf8().constData(), GA_ReadOnly);
        QVERIFY(confidences);
        QCOMPARE(GDALGetRasterDataType(GDALGetRasterBand(confidences, 1)), GDT_Float32);
        float c = 0;
        QCOMPARE(GDALRasterIO(GDALGetRasterBand(confidences, 1), GF_Read, 400, 300, 1, 1, &c, 1, 1,
                              GDT_Float32, 0, 0),
                 CE_None);
        QVERIFY(c >= 1.0f / 6 - 1e-4f && c <= 1.0001f);
        GDALClose(confidences);
        GDALClose(classes);
        GDALClose(input);
        QVERIFY(!QFile::exists(output + QStringLiteral(".partial.tif")));
    }

    void predictPngThenEval() {
        const QString output = m_dir.filePath(QStringLiteral("prediction/image_part_001.png"));
        QDir().mkpath(m_dir.filePath(QStringLiteral("prediction")));
        const QString image = dataPath(QStringLiteral("dubai_aerial/tile_2/images/image_part_001.jpg"));
        const Run run = cli({QStringLiteral("predict"), QStringLiteral("--model"), m_model,
                             QStringLiteral("--input"), image, QStringLiteral("--output"), output,
                             QStringLiteral("--device"), QStringLiteral("cpu")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        GDALDatasetH png = GDALOpen(output.toUtf8().constData(), GA_ReadOnly);
        QVERIFY(png);
        QCOMPARE(QString::fromUtf8(GDALGetDriverShortName(GDALGetDatasetDriver(png))), QStringLiteral("PNG"));
        QCOMPARE(GDALGetRasterCount(png), 1);
        QVERIFY(GDALGetRasterColorTable(GDALGetRasterBand(png, 1)));
        QCOMPARE(GDALGetRasterXSize(png), 509);
        GDALClose(png);

        // A prediction scored against itself is perfect.
        const Run self =
            cli({QStringLiteral("eval"), QStringLiteral("--prediction"), output,
                 QStringLiteral("--reference"), output, QStringLiteral("--classes"),
                 dataPath(QStringLiteral("dubai_aerial/classes.csv")), QStringLiteral("--json")});
        QVERIFY2(self.exitCode == 0, qPrintable(self.err));
        const QJsonObject perfect = lastJsonLine(self.out);
        QCOMPARE(perfect.value(QStringLiteral("miou")).toDouble(), 1.0);
        QCOMPARE(perfect.value(QStringLiteral("pixels")).toInteger(), 509ll * 544);

        // Folders pair masks by name; the colour-coded reference is read through classes.csv.
        const Run folders =
            cli({QStringLiteral("eval"), QStringLiteral("--prediction"),
                 m_dir.filePath(QStringLiteral("prediction")), QStringLiteral("--reference"),
                 dataPath(QStringLiteral("dubai_aerial/tile_2/masks")), QStringLiteral("--classes"),
                 dataPath(QStringLiteral("dubai_aerial/classes.csv"))});
        QVERIFY2(folders.exitCode == 0, qPrintable(folders.err));
        QVERIFY(folders.out.contains("1 mask pair(s)"));
        QVERIFY(folders.out.contains("mIoU"));
        QVERIFY(folders.out.contains("confusion matrix"));
    }

    void trainWritesALoadableModel() {
        // Fine-tune for a few steps on one real tile folder, validated on another.
        const QString output = m_dir.filePath(QStringLiteral("trained/model.pt"));
        const Run run =
            cli({QStringLiteral("train"), QStringLiteral("--data"),
                 dataPath(QStringLiteral("dubai_aerial/tile_2")), QStringLiteral("--init"), m_model,
                 QStringLiteral("--steps"), QStringLiteral("3"), QStringLiteral("--batch"),
                 QStringLiteral("2"), QStringLiteral("--crop"), QStringLiteral("96"),
                 QStringLiteral("--output"), output, QStringLiteral("--device"), QStringLiteral("cpu")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QJsonObject summary = lastJsonLine(run.out);
        QCOMPARE(summary.value(QStringLiteral("steps")).toInt(), 3);
        std::string error;
        auto model = inference::SegmentationModel::load(output.toStdString(), &error);
        QVERIFY2(model, error.c_str());
        QCOMPARE(model->metadata().history.size(), size_t(1));
        QVERIFY(model->metadata().history[0].notes.find("tile_2") != std::string::npos);
    }

    void simulatePrintsOneLinePerRound() {
        // Two real images of a tile the default model never saw, with their reference masks,
        // cropped to 512² (four mask tiles each) so the test stays short.
        const QString data = m_dir.filePath(QStringLiteral("simulate"));
        QVERIFY(QDir().mkpath(data + QStringLiteral("/images")) &&
                QDir().mkpath(data + QStringLiteral("/masks")));
        for (const QString& name : {QStringLiteral("image_part_001"), QStringLiteral("image_part_002")}) {
            const QImage image(dataPath(QStringLiteral("dubai_aerial/tile_6/images/%1.jpg").arg(name)));
            const QImage mask(dataPath(QStringLiteral("dubai_aerial/tile_6/masks/%1.png").arg(name)));
            QVERIFY(image.width() >= 512 && image.height() >= 512 && mask.size() == image.size());
            QVERIFY(image.copy(0, 0, 512, 512).save(data + QStringLiteral("/images/%1.png").arg(name)));
            QVERIFY(mask.copy(0, 0, 512, 512).save(data + QStringLiteral("/masks/%1.png").arg(name)));
        }
        // Predictions in the precision the window would use: the choice kept for the model.
        QProcessEnvironment environment;
        QVERIFY(plantPrecisionChoice(m_dir.filePath(QStringLiteral("simulate-config")), environment));
        const Run run = cli({QStringLiteral("simulate"), QStringLiteral("--model"), QStringLiteral("default"),
                             QStringLiteral("--data"), data, QStringLiteral("--classes"),
                             dataPath(QStringLiteral("dubai_aerial/classes.csv")), QStringLiteral("--rounds"),
                             QStringLiteral("2"), QStringLiteral("--tiles-per-round"), QStringLiteral("2"),
                             QStringLiteral("--steps"), QStringLiteral("5"), QStringLiteral("--device"),
                             QStringLiteral("cpu")},
                            600000, environment);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(run.err.contains(QStringLiteral("predicting in bf16 (planted)")), qPrintable(run.err));
        const QList<QByteArray> lines = run.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 4); // rounds 0-2 and the summary
        long long previous = 0;
        for (int round = 0; round < 3; ++round) {
            QJsonParseError parseError;
            const QJsonObject line = QJsonDocument::fromJson(lines[round], &parseError).object();
            QVERIFY2(parseError.error == QJsonParseError::NoError, lines[round].constData());
            QVERIFY2(lines[round].startsWith("{\"round\": "), lines[round].constData());
            QCOMPARE(line.value(QStringLiteral("round")).toInt(-1), round);
            const long long corrected = line.value(QStringLiteral("corrected_pixels")).toInteger(-1);
            if (round == 0) {
                QCOMPARE(corrected, 0ll);
            } else {
                // Two 256² tiles a round at most, and real predictions leave some tile wrong.
                QVERIFY2(corrected > previous && corrected - previous <= 2 * 65536, lines[round].constData());
                QVERIFY(line.value(QStringLiteral("train_seconds")).toDouble() > 0);
            }
            previous = corrected;
            const double miou = line.value(QStringLiteral("miou")).toDouble(-1);
            QVERIFY2(miou >= 0 && miou <= 1, lines[round].constData());
            QVERIFY(line.value(QStringLiteral("seconds")).toDouble() > 0);
            QCOMPARE(line.value(QStringLiteral("per_class_iou")).toArray().size(), 6);
            QCOMPARE(line.value(QStringLiteral("precision")).toString(), QStringLiteral("bf16"));
        }
        // The summary: per round, the land-cover mIoU on the pixels no round corrected.
        const QJsonObject summary = QJsonDocument::fromJson(lines[3]).object();
        QVERIFY2(summary.value(QStringLiteral("summary")).toBool(), lines[3].constData());
        QCOMPARE(summary.value(QStringLiteral("fixed_miou")).toArray().size(), 3);
        QCOMPARE(summary.value(QStringLiteral("fixed_per_class_iou")).toArray().size(), 3);
        QCOMPARE(summary.value(QStringLiteral("fixed_per_class_iou")).toArray().at(0).toArray().size(), 6);
        const long long fixed = summary.value(QStringLiteral("fixed_pixels")).toInteger(-1);
        QVERIFY(fixed > 0 && fixed < 2 * 512 * 512);
        for (const QJsonValue& miou : summary.value(QStringLiteral("fixed_miou")).toArray())
            QVERIFY(miou.toDouble(-1) >= 0 && miou.toDouble(-1) <= 1);
        // Never scored on corrected pixels: the last round scores fewer pixels than the first.
        QVERIFY(
            QJsonDocument::fromJson(lines[2]).object().value(QStringLiteral("scored_pixels")).toInteger() <
            QJsonDocument::fromJson(lines[0]).object().value(QStringLiteral("scored_pixels")).toInteger());
        QVERIFY(run.err.contains(QStringLiteral("round 2 train")));
    }

    void simulateDatasetPrintsOneLinePerImage() {
        // Three real images of a tile the default model never saw, cropped to 512².
        const QString data = m_dir.filePath(QStringLiteral("dataset/tile_6"));
        QVERIFY(QDir().mkpath(data + QStringLiteral("/images")) &&
                QDir().mkpath(data + QStringLiteral("/masks")));
        for (const QString& name : {QStringLiteral("image_part_001"), QStringLiteral("image_part_002"),
                                    QStringLiteral("image_part_003")}) {
            const QImage image(dataPath(QStringLiteral("dubai_aerial/tile_6/images/%1.jpg").arg(name)));
            const QImage mask(dataPath(QStringLiteral("dubai_aerial/tile_6/masks/%1.png").arg(name)));
            QVERIFY(image.copy(0, 0, 512, 512).save(data + QStringLiteral("/images/%1.png").arg(name)));
            QVERIFY(mask.copy(0, 0, 512, 512).save(data + QStringLiteral("/masks/%1.png").arg(name)));
        }
        QProcessEnvironment environment; // predicting in the kept choice, as the window does
        QVERIFY(plantPrecisionChoice(m_dir.filePath(QStringLiteral("dataset-config")), environment));
        const Run run =
            cli({QStringLiteral("simulate-dataset"), QStringLiteral("--model"), QStringLiteral("default"),
                 QStringLiteral("--data"), data, QStringLiteral("--classes"),
                 dataPath(QStringLiteral("dubai_aerial/classes.csv")), QStringLiteral("--steps"),
                 QStringLiteral("3"), QStringLiteral("--device"), QStringLiteral("cpu")},
                600000, environment);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(run.err.contains(QStringLiteral("predicting in bf16 (planted)")), qPrintable(run.err));
        const QList<QByteArray> lines = run.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 4); // three images and the summary
        for (int k = 0; k < 3; ++k) {
            const QJsonObject line = QJsonDocument::fromJson(lines[k]).object();
            QVERIFY2(lines[k].startsWith("{\"image\": "), lines[k].constData());
            QCOMPARE(line.value(QStringLiteral("image")).toInt(), k + 1);
            QCOMPARE(line.value(QStringLiteral("file")).toString(),
                     QStringLiteral("tile_6/images/image_part_00%1.png").arg(k + 1));
            const double miou = line.value(QStringLiteral("miou")).toDouble(-1);
            const double baseline = line.value(QStringLiteral("baseline_miou")).toDouble(-1);
            QVERIFY2(miou >= 0 && miou <= 1 && baseline >= 0 && baseline <= 1, lines[k].constData());
            if (k == 0) // nothing learnt yet: the project model is the starting model
                QCOMPARE(miou, baseline);
            const long long corrected = line.value(QStringLiteral("corrected_pixels")).toInteger(-1);
            QVERIFY2(corrected > 0 && corrected <= 512 * 512, lines[k].constData());
            QCOMPARE(line.value(QStringLiteral("per_class_iou")).toArray().size(), 6);
            QCOMPARE(line.value(QStringLiteral("baseline_per_class_iou")).toArray().size(), 6);
            QVERIFY(line.value(QStringLiteral("seconds")).toDouble() > 0);
        }
        const QJsonObject summary = QJsonDocument::fromJson(lines[3]).object();
        QVERIFY2(summary.value(QStringLiteral("summary")).toBool(), lines[3].constData());
        QVERIFY(std::isfinite(summary.value(QStringLiteral("mean_gain")).toDouble(std::nan(""))));
        QVERIFY(std::isfinite(summary.value(QStringLiteral("mean_gain_second_half")).toDouble(std::nan(""))));
        QVERIFY(summary.value(QStringLiteral("seconds")).toDouble() > 0);
    }

    void benchPrintsThroughput() {
        const Run run = cli({QStringLiteral("bench"), QStringLiteral("--model"), m_model,
                             QStringLiteral("--size"), QStringLiteral("256x192"), QStringLiteral("--repeat"),
                             QStringLiteral("1"), QStringLiteral("--device"), QStringLiteral("cpu")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY(lastJsonLine(run.out).value(QStringLiteral("mp_per_s")).toDouble() > 0);
    }

    void badInputGivesClearErrors_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::addColumn<int>("exitCode");
        const QString image = dataPath(QStringLiteral("geotiff/rgb-byte-tenth.tif"));
        QTest::newRow("unknown command") << QStringList{"frobnicate"} << "unknown command" << 2;
        QTest::newRow("missing model") << QStringList{"predict", "--model",  "/nonexistent/m.pt", "--input",
                                                      image,     "--output", "/tmp/x.tif"}
                                       << "does not exist" << 1;
        QTest::newRow("not an image")
            << QStringList{"predict", "--input", "/etc/hostname", "--output", "/tmp/x.tif"}
            << "not an image format" << 1;
        QTest::newRow("bad output type") << QStringList{"predict", "--input", image, "--output", "/tmp/x.jpg"}
                                         << "must be .png or .tif" << 1;
        QTest::newRow("fp16 on cpu") << QStringList{"predict",  "--input",     image,
                                                    "--output", "/tmp/x.tif",  "--device",
                                                    "cpu",      "--precision", "fp16"}
                                     << "fp16 needs a CUDA device" << 1;
        QTest::newRow("train without classes")
            << QStringList{"train", "--data", dataPath("dubai_aerial/tile_2"), "--output", "/tmp/m.pt"}
            << "--classes" << 1;
        QTest::newRow("train on an empty folder")
            << QStringList{"train",    "--data",   "EMPTY", "--classes", dataPath("dubai_aerial/classes.csv"),
                           "--output", "/tmp/m.pt"}
            << "no images/ and masks/" << 1;
        QTest::newRow("train with a sampling power above 1")
            << QStringList{"train",
                           "--data",
                           dataPath("dubai_aerial/tile_2"),
                           "--classes",
                           dataPath("dubai_aerial/classes.csv"),
                           "--output",
                           "/tmp/m.pt",
                           "--sample-power",
                           "2"}
            << "--sample-power wants a number from 0 to 1" << 1;
        QTest::newRow("three views") << QStringList{"predict",    "--input", image, "--output",
                                                    "/tmp/x.tif", "--views", "3"}
                                     << "views must be 1, 2, 4 or 8" << 1;
        QTest::newRow("simulate on an empty folder")
            << QStringList{"simulate", "--data", "EMPTY", "--rounds", "1", "--tiles-per-round", "1"}
            << "no images/ and masks/" << 1;
        QTest::newRow("simulate without data") << QStringList{"simulate", "--rounds", "1"} << "--data" << 1;
        QTest::newRow("simulate-dataset without data") << QStringList{"simulate-dataset"} << "--data" << 1;
        QTest::newRow("export without an output")
            << QStringList{"export", "--project", dataPath("dubai_aerial/tile_2")} << "--output" << 1;
        QTest::newRow("export in an unknown format")
            << QStringList{"export",   "--project", dataPath("dubai_aerial/tile_2"), "--output", "OUT",
                           "--format", "yolo"}
            << "voc or coco" << 1;
        QTest::newRow("simulate with a learner switch that is not on or off")
            << QStringList{"simulate", "--data", dataPath("dubai_aerial/tile_2"), "--decoder-only", "maybe"}
            << "--decoder-only takes on or off" << 1;
        QTest::newRow("simulate with a jitter that is not on or off")
            << QStringList{"simulate", "--data", dataPath("dubai_aerial/tile_2"), "--jitter", "some"}
            << "--jitter takes on or off" << 1;
        QTest::newRow("simulate with a class balance that is not a number")
            << QStringList{"simulate", "--data", dataPath("dubai_aerial/tile_2"), "--class-balance", "nan"}
            << "--class-balance must be a number from 0 (off) to 2" << 1;
        QTest::newRow("simulate learning from nowhere")
            << QStringList{"simulate", "--data", dataPath("dubai_aerial/tile_2"), "--learn-from", "yesterday"}
            << "--learn-from takes opened or latest" << 1;
        QTest::newRow("simulate with another correction tile")
            << QStringList{"simulate", "--data", dataPath("dubai_aerial/tile_2"), "--tile", "128"}
            << "only 256 is supported" << 1;
        QTest::newRow("simulate with a mask of another size")
            << QStringList{"simulate", "--data", "MISMATCH", "--classes",
                           dataPath("dubai_aerial/classes.csv")}
            << "is 32 × 32 px but the image is 64 × 48 px" << 1;
        QTest::newRow("simulate with classes the masks do not use")
            << QStringList{"simulate", "--data", dataPath("dubai_aerial/tile_6"), "--classes", "GREYCLASSES"}
            << "not class colours" << 1;
    }

    void badInputGivesClearErrors() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        QFETCH(int, exitCode);
        for (QString& argument : arguments) {
            if (argument == QLatin1String("EMPTY"))
                argument = m_dir.filePath(QStringLiteral("empty"));
            if (argument == QLatin1String("GREYCLASSES"))
                argument = m_dir.filePath(QStringLiteral("grey_classes.csv"));
            if (argument == QLatin1String("MISMATCH"))
                argument = m_dir.filePath(QStringLiteral("mismatch"));
        }
        // An image whose mask has another size.
        QDir().mkpath(m_dir.filePath(QStringLiteral("mismatch/images")));
        QDir().mkpath(m_dir.filePath(QStringLiteral("mismatch/masks")));
        QImage image(64, 48, QImage::Format_RGB888), mask(32, 32, QImage::Format_RGB888);
        image.fill(Qt::gray);
        mask.fill(QColor(QStringLiteral("#3c1098")));
        QVERIFY(image.save(m_dir.filePath(QStringLiteral("mismatch/images/a.png"))));
        QVERIFY(mask.save(m_dir.filePath(QStringLiteral("mismatch/masks/a.png"))));
        QDir().mkpath(m_dir.filePath(QStringLiteral("empty")));
        // Six classes in dark greys that no dubai_aerial mask uses.
        QFile grey(m_dir.filePath(QStringLiteral("grey_classes.csv")));
        QVERIFY(grey.open(QIODevice::WriteOnly));
        grey.write(
            "index,name,hex\n0,a,#010101\n1,b,#020202\n2,c,#030303\n3,d,#040404\n4,e,#050505\n5,f,#060606\n");
        grey.close();
        if (arguments.value(0) == QLatin1String("predict") && !arguments.contains(QStringLiteral("--model")))
            arguments << QStringLiteral("--model") << m_model;
        const Run run = cli(arguments);
        QCOMPARE(run.exitCode, exitCode);
        QVERIFY2(run.err.contains(message), qPrintable(run.err));
        QVERIFY(!QFile::exists(QStringLiteral("/tmp/x.tif")));
    }

private:
    QTemporaryDir m_dir;
    QString m_model;
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"

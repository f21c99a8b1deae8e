// Projects of many images and their export: the project file's round trip (also after the folder
// moved), what a folder of images becomes, damaged project files, and VOC / COCO exports decoded
// back (the COCO RLE by a decoder written here from pycocotools' maskApi.c) to exactly the masks.
#include "annotation/coco_rle.h"
#include "annotation/dataset_export.h"
#include "annotation/dataset_project.h"
#include "annotation/mask_files.h"
#include "annotation/raster_source.h"
#include "app/jobs/class_mapping.h"
#include "app/jobs/dataset_learning.h"
#include "app/jobs/project_files.h"
#include "test_support.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <gdal_priv.h>

using namespace segstudio;

namespace {

// pycocotools' rleFrString, then the column-major decode of rleDecode.
std::vector<long long> countsFromString(const QByteArray& text) {
    std::vector<long long> counts;
    qsizetype p = 0;
    while (p < text.size()) {
        long long x = 0;
        int k = 0;
        bool more = true;
        while (more) {
            const long long c = text[p] - 48;
            x |= (c & 0x1f) << (5 * k);
            more = c & 0x20;
            ++p;
            ++k;
            if (!more && (c & 0x10))
                x |= -1LL << (5 * k);
        }
        if (counts.size() > 2)
            x += counts[counts.size() - 2];
        counts.push_back(x);
    }
    return counts;
}

std::vector<quint8> decodeRle(const QByteArray& text, int width, int height) {
    std::vector<quint8> rowMajor(size_t(width) * height, 0);
    long long p = 0;
    quint8 value = 0;
    for (long long count : countsFromString(text)) {
        for (long long i = 0; i < count; ++i, ++p) {
            if (p >= qint64(width) * height)
                return {}; // runs longer than the image: broken
            const long long x = p / height, y = p % height;
            rowMajor[size_t(y * width + x)] = value;
        }
        value ^= 1;
    }
    return p == qint64(width) * height ? rowMajor : std::vector<quint8>{};
}

std::vector<quint8> readByteRaster(const QString& path, int* width, int* height) {
    GDALDatasetUniquePtr dataset(
        GDALDataset::Open(path.toUtf8().constData(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    if (!dataset)
        return {};
    *width = dataset->GetRasterXSize();
    *height = dataset->GetRasterYSize();
    std::vector<quint8> pixels(size_t(*width) * *height);
    if (dataset->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, *width, *height, pixels.data(), *width, *height,
                                            GDT_Byte, 0, 0) != CE_None)
        return {};
    return pixels;
}

ClassPalette dubaiClasses() {
    QString error;
    return *ClassMapping::loadClasses(test::dataPath(QStringLiteral("dubai_aerial/classes.csv")), &error);
}

// A dataset folder in the layout of dubai_aerial: tile_1/images + tile_1/masks, `count` pairs.
void copyDubaiPairs(const QString& folder, int count) {
    const QDir source(test::dataPath(QStringLiteral("dubai_aerial/tile_1")));
    QDir().mkpath(folder + QStringLiteral("/tile_1/images"));
    QDir().mkpath(folder + QStringLiteral("/tile_1/masks"));
    for (int i = 1; i <= count; ++i) {
        const QString name = QStringLiteral("image_part_%1").arg(i, 3, 10, QLatin1Char('0'));
        QVERIFY(QFile::copy(source.filePath(QStringLiteral("images/%1.jpg").arg(name)),
                            folder + QStringLiteral("/tile_1/images/%1.jpg").arg(name)));
        QVERIFY(QFile::copy(source.filePath(QStringLiteral("masks/%1.png").arg(name)),
                            folder + QStringLiteral("/tile_1/masks/%1.png").arg(name)));
    }
}

QByteArray readAll(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestDataset : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { GDALAllRegister(); }
    void folderBecomesProjectWithImportedMasks();
    void projectRoundTripSurvivesMovingTheFolder();
    void damagedProjectFilesAreClearErrorsAndStayUntouched();
    void rleStringsAreThoseOfPycocotools();
    void cocoRegionsCoverEveryLabelledPixelOnce();
    void vocAndCocoExportsDecodeBackToTheMasks();
    void exportRefusesMissingImagesAndMasksOfTheWrongSize();
    void learningReadsTheNewestAndASpreadOfOlderImages();
};

void TestDataset::learningReadsTheNewestAndASpreadOfOlderImages() {
    const DatasetLearningSettings settings; // at most 8 images, the 4 newest among them
    QCOMPARE(imagesToLearnFrom(0, settings), QList<int>());
    QCOMPARE(imagesToLearnFrom(3, settings), (QList<int>{0, 1, 2}));
    QCOMPARE(imagesToLearnFrom(8, settings), (QList<int>{0, 1, 2, 3, 4, 5, 6, 7}));
    QCOMPARE(imagesToLearnFrom(100, settings), (QList<int>{0, 24, 48, 72, 96, 97, 98, 99}));
    // However many images are reviewed, a round reads at most maxImages of them.
    for (int reviewed : {9, 57, 10000})
        QCOMPARE(int(imagesToLearnFrom(reviewed, settings).size()), settings.maxImages);
}

void TestDataset::folderBecomesProjectWithImportedMasks() {
    QTemporaryDir dir;
    copyDubaiPairs(dir.path(), 2);
    // A flat image beside them, with no mask, and things that are not images to label.
    QVERIFY(QFile::copy(test::dataPath(QStringLiteral("dubai_aerial/tile_1/images/image_part_003.jpg")),
                        dir.filePath(QStringLiteral("loose.jpg"))));
    QDir().mkpath(dir.filePath(QStringLiteral("segstudio/masks")));
    QVERIFY(QFile::copy(dir.filePath(QStringLiteral("loose.jpg")),
                        dir.filePath(QStringLiteral("segstudio/masks/x.jpg"))));
    QFile(dir.filePath(QStringLiteral("notes.txt"))).open(QIODevice::WriteOnly);

    QString error;
    const auto project = ProjectFiles::openOrCreate(dir.path(), {}, &error);
    QVERIFY2(project, qPrintable(error));
    QCOMPARE(project->size(), 3);
    QCOMPARE(project->image(0).image, QStringLiteral("loose.jpg"));
    QCOMPARE(project->image(0).status, ImageStatus::New);
    QCOMPARE(project->image(0).mask, QStringLiteral("segstudio/masks/loose.png"));
    QCOMPARE(project->image(1).image, QStringLiteral("tile_1/images/image_part_001.jpg"));
    QCOMPARE(project->image(1).sourceMask, QStringLiteral("tile_1/masks/image_part_001.png"));
    QCOMPARE(project->image(1).mask, QStringLiteral("segstudio/masks/tile_1/images/image_part_001.png"));
    QCOMPARE(project->image(1).status, ImageStatus::Reviewed);
    QCOMPARE(project->maskToRead(1), dir.filePath(QStringLiteral("tile_1/masks/image_part_001.png")));
    QCOMPARE(project->count(ImageStatus::Reviewed), 2);
    QCOMPARE(project->path(), dir.filePath(QFileInfo(dir.path()).fileName() + QStringLiteral(".segproj")));
    QVERIFY(!QFileInfo::exists(project->path())); // nothing written until saved

    QTemporaryDir empty;
    QVERIFY(!ProjectFiles::openOrCreate(empty.path(), {}, &error));
    QVERIFY2(error.contains(QStringLiteral("holds no images")), qPrintable(error));
}

void TestDataset::projectRoundTripSurvivesMovingTheFolder() {
    QTemporaryDir parent;
    const QString folder = parent.filePath(QStringLiteral("before"));
    copyDubaiPairs(folder, 3);
    QString error;
    auto project = ProjectFiles::openOrCreate(
        folder, test::dataPath(QStringLiteral("dubai_aerial/classes.csv")), &error);
    QVERIFY2(project, qPrintable(error));
    // An edited mask saved into the project's mask folder, statuses and figures changed.
    const auto image = RasterSource::open(project->absolute(project->image(1).image), &error);
    QVERIFY(image);
    auto mask = MaskFiles::load(project->maskToRead(1), image->size(), project->classes(), &error);
    QVERIFY2(mask, qPrintable(error));
    QVERIFY(QDir().mkpath(QFileInfo(project->absolute(project->image(1).mask)).path()));
    QVERIFY2(
        MaskFiles::save(project->absolute(project->image(1).mask), *mask, project->classes(), {}, &error),
        qPrintable(error));
    project->image(1).status = ImageStatus::InProgress;
    project->image(1).changedShare = 0.25;
    project->image(1).meanConfidence = 0.75;
    project->image(1).size = image->size();
    project->image(0).reviewOrder = 0;
    project->markReviewed(0, QDateTime(QDate(2026, 12, 1), QTime(10, 0), Qt::UTC));
    project->addModel(
        {1, QStringLiteral("segstudio/models/v1/model.pt"), QDateTime::currentDateTimeUtc(), 2});
    QVERIFY2(project->save(&error), qPrintable(error));
    const QString projectName = QFileInfo(project->path()).fileName();

    const QString moved = parent.filePath(QStringLiteral("after"));
    QVERIFY(QDir().rename(folder, moved));
    const auto reopened = ProjectFiles::openOrCreate(moved, {}, &error); // finds its .segproj
    QVERIFY2(reopened, qPrintable(error));
    QCOMPARE(reopened->path(), QDir(moved).filePath(projectName));
    QCOMPARE(reopened->toJson(), project->toJson());
    QCOMPARE(reopened->classes(), dubaiClasses());
    QCOMPARE(reopened->image(1).status, ImageStatus::InProgress);
    QCOMPARE(reopened->image(1).changedShare, 0.25);
    QCOMPARE(reopened->image(1).size, image->size());
    QCOMPARE(reopened->image(0).reviewed, QDateTime(QDate(2026, 12, 1), QTime(10, 0), Qt::UTC));
    QCOMPARE(reopened->models().size(), 1);
    // The edited mask is read from the project's mask folder, in the new place.
    QCOMPARE(reopened->maskToRead(1),
             QDir(moved).filePath(QStringLiteral("segstudio/masks/tile_1/images/image_part_002.png")));
    const auto again = MaskFiles::load(reopened->maskToRead(1), image->size(), reopened->classes(), &error);
    QVERIFY2(again, qPrintable(error));
    QVERIFY(again->contentEquals(*mask));
}

void TestDataset::damagedProjectFilesAreClearErrorsAndStayUntouched() {
    QTemporaryDir dir;
    const QByteArray good = R"({"format": "segstudio-project", "version": 1,
        "classes": {"classes": [{"id": 0, "name": "Building", "color": "#3c1098"}]},
        "images": [{"image": "a.jpg", "mask": "segstudio/masks/a.png", "status": "new"}], "models": []})";
    const QString path = dir.filePath(QStringLiteral("p.segproj"));
    const auto attempt = [&](const QByteArray& content, const QString& expected) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(content);
        file.close();
        QString error;
        QVERIFY2(!DatasetProject::load(path, &error), content.constData());
        QVERIFY2(error.contains(expected, Qt::CaseInsensitive), qPrintable(error));
        QCOMPARE(readAll(path), content);
    };
    QString error;
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(good);
    }
    QVERIFY2(DatasetProject::load(path, &error), qPrintable(error));
    attempt(good.left(60), QStringLiteral("not valid JSON"));
    attempt(QByteArray(good).replace("segstudio-project", "labelme"),
            QStringLiteral("not a segstudio project"));
    attempt(QByteArray(good).replace("\"version\": 1", "\"version\": 7"), QStringLiteral("newer segstudio"));
    attempt(QByteArray(good).replace("\"new\"", "\"done\""), QStringLiteral("status \"done\""));
    attempt(QByteArray(good).replace("\"a.jpg\"", "\"../../etc/passwd\""),
            QStringLiteral("not a path inside"));
    attempt(QByteArray(good).replace("\"a.jpg\"", "\"/etc/passwd\""), QStringLiteral("not a path inside"));
    attempt(
        QByteArray(good).replace("\"status\": \"new\"", "\"status\": \"new\", \"mean_confidence\": 1e999"),
        QStringLiteral("not valid JSON"));
    attempt(QByteArray(good).replace("\"status\": \"new\"", "\"status\": \"new\", \"mean_confidence\": 2.5"),
            QStringLiteral("mean_confidence"));
    attempt(QByteArray(good).replace("\"id\": 0", "\"id\": 300"), QStringLiteral("classes"));
    QVERIFY(!DatasetProject::load(dir.filePath(QStringLiteral("missing.segproj")), &error));
    QVERIFY2(error.contains(QStringLiteral("Cannot read")), qPrintable(error));
}

void TestDataset::rleStringsAreThoseOfPycocotools() {
    // Worked by hand from maskApi.c's rleToString: 4 -> '4'; 100 = 4 + 3·32 -> 'T' (4|0x20) '3';
    // the fourth count is written less the second: 1 - 2 = -1 -> 31 -> 'O'.
    QCOMPARE(CocoRle::compress({0, 4}), QByteArray("04"));
    QCOMPARE(CocoRle::compress({100, 2, 1, 1}), QByteArray("T321O"));
    QCOMPARE(CocoRle::compress({}), QByteArray());
    // Large counts and differences of both signs go through the test's own decoder unchanged.
    const std::vector<std::uint32_t> counts{0, 70000, 3, 1, 65536, 2, 4000000, 5};
    const auto decoded = countsFromString(CocoRle::compress(counts));
    QCOMPARE(decoded, std::vector<long long>(counts.begin(), counts.end()));
}

void TestDataset::cocoRegionsCoverEveryLabelledPixelOnce() {
    // Two squares of class 1 touching at a corner (one region: 8-connected), a separate square of
    // class 1, a class 0 band, and unlabeled elsewhere.
    const int width = 13, height = 9;
    std::vector<quint8> classes(size_t(width) * height, 255);
    const auto fill = [&](int x0, int y0, int w, int h, quint8 value) {
        for (int y = y0; y < y0 + h; ++y)
            for (int x = x0; x < x0 + w; ++x)
                classes[size_t(y) * width + x] = value;
    };
    fill(0, 0, 2, 2, 1);
    fill(2, 2, 2, 2, 1);
    fill(9, 5, 3, 3, 1);
    fill(0, 8, 13, 1, 0);
    const auto regions = CocoRle::regions(classes.data(), width, height);
    QCOMPARE(int(regions.size()), 3);
    QCOMPARE(regions[0].classId, 0);
    QCOMPARE(regions[0].area, 13);
    QCOMPARE(regions[0].box, QRect(0, 8, 13, 1));
    QCOMPARE(regions[1].classId, 1);
    QCOMPARE(regions[1].area, 8);
    QCOMPARE(regions[1].box, QRect(0, 0, 4, 4));
    QCOMPARE(regions[2].box, QRect(9, 5, 3, 3));
    std::vector<quint8> rebuilt(classes.size(), 255);
    for (const CocoRegion& region : regions) {
        const auto bits = decodeRle(CocoRle::compress(region.counts), width, height);
        QCOMPARE(bits.size(), classes.size());
        for (size_t i = 0; i < bits.size(); ++i)
            if (bits[i]) {
                QCOMPARE(rebuilt[i], quint8(255));
                rebuilt[i] = quint8(region.classId);
            }
    }
    QCOMPARE(rebuilt, classes);
}

void TestDataset::vocAndCocoExportsDecodeBackToTheMasks() {
    QTemporaryDir dir;
    copyDubaiPairs(dir.filePath(QStringLiteral("data")), 2);
    const QString classes = test::dataPath(QStringLiteral("dubai_aerial/classes.csv"));
    for (const QString& format : {QStringLiteral("voc"), QStringLiteral("coco")}) {
        const auto run = test::runProcess(QStringLiteral(SEGSTUDIO_CLI),
                                          {QStringLiteral("export"), QStringLiteral("--project"),
                                           dir.filePath(QStringLiteral("data")), QStringLiteral("--classes"),
                                           classes, QStringLiteral("--format"), format,
                                           QStringLiteral("--output"), dir.filePath(format)});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QCOMPARE(QJsonDocument::fromJson(run.out).object().value(QStringLiteral("images")).toInt(), 2);
    }
    QString error;
    const QJsonObject coco =
        QJsonDocument::fromJson(readAll(dir.filePath(QStringLiteral("coco/annotations.json")))).object();
    QCOMPARE(coco.value(QStringLiteral("categories")).toArray().size(), dubaiClasses().size());
    QCOMPARE(coco.value(QStringLiteral("categories"))
                 .toArray()
                 .at(2)
                 .toObject()
                 .value(QStringLiteral("name"))
                 .toString(),
             QStringLiteral("Road"));
    const QJsonArray images = coco.value(QStringLiteral("images")).toArray();
    QCOMPARE(images.size(), 2);
    const QStringList vocNames =
        QString::fromUtf8(readAll(dir.filePath(QStringLiteral("voc/ImageSets/Segmentation/trainval.txt"))))
            .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(vocNames, (QStringList{QStringLiteral("tile_1_images_image_part_001"),
                                    QStringLiteral("tile_1_images_image_part_002")}));
    const int splitLines =
        int(QString::fromUtf8(readAll(dir.filePath(QStringLiteral("voc/ImageSets/Segmentation/train.txt"))))
                .count(QLatin1Char('\n')) +
            QString::fromUtf8(readAll(dir.filePath(QStringLiteral("voc/ImageSets/Segmentation/val.txt"))))
                .count(QLatin1Char('\n')));
    QCOMPARE(splitLines, 2);
    for (int i = 0; i < 2; ++i) {
        const QString name = QStringLiteral("image_part_00%1").arg(i + 1);
        const auto image =
            RasterSource::open(dir.filePath(QStringLiteral("data/tile_1/images/%1.jpg").arg(name)), &error);
        QVERIFY(image);
        const auto reference =
            MaskFiles::load(dir.filePath(QStringLiteral("data/tile_1/masks/%1.png").arg(name)), image->size(),
                            dubaiClasses(), &error);
        QVERIFY2(reference, qPrintable(error));
        std::vector<quint8> expected(size_t(image->size().width()) * image->size().height());
        reference->readClasses(reference->rect(), expected.data(), image->size().width());

        // VOC: the indexed PNG holds the class ids, the original JPEG is copied byte for byte.
        int width = 0, height = 0;
        QCOMPARE(readByteRaster(dir.filePath(QStringLiteral("voc/SegmentationClass/%1.png").arg(vocNames[i])),
                                &width, &height),
                 expected);
        QCOMPARE(readAll(dir.filePath(QStringLiteral("voc/JPEGImages/%1.jpg").arg(vocNames[i]))),
                 readAll(dir.filePath(QStringLiteral("data/tile_1/images/%1.jpg").arg(name))));

        // COCO: the annotations of the image, decoded, paint exactly the mask.
        const QJsonObject entry = images.at(i).toObject();
        QCOMPARE(entry.value(QStringLiteral("file_name")).toString(),
                 QStringLiteral("tile_1/images/%1.jpg").arg(name));
        QVERIFY(
            QFileInfo::exists(dir.filePath(QStringLiteral("coco/images/tile_1/images/%1.jpg").arg(name))));
        width = entry.value(QStringLiteral("width")).toInt();
        height = entry.value(QStringLiteral("height")).toInt();
        QCOMPARE(QSize(width, height), image->size());
        std::vector<quint8> painted(expected.size(), 255);
        int annotations = 0;
        for (const QJsonValue& value : coco.value(QStringLiteral("annotations")).toArray()) {
            const QJsonObject annotation = value.toObject();
            if (annotation.value(QStringLiteral("image_id")).toInt() !=
                entry.value(QStringLiteral("id")).toInt())
                continue;
            ++annotations;
            const QJsonObject rle = annotation.value(QStringLiteral("segmentation")).toObject();
            QCOMPARE(rle.value(QStringLiteral("size")).toArray(), (QJsonArray{height, width}));
            const auto bits =
                decodeRle(rle.value(QStringLiteral("counts")).toString().toLatin1(), width, height);
            QCOMPARE(bits.size(), painted.size());
            const quint8 classId = quint8(annotation.value(QStringLiteral("category_id")).toInt() - 1);
            qint64 area = 0;
            int left = width, top = height, right = -1, bottom = -1;
            for (size_t p = 0; p < bits.size(); ++p) {
                if (!bits[p])
                    continue;
                QCOMPARE(painted[p], quint8(255)); // regions never overlap
                painted[p] = classId;
                ++area;
                const int x = int(p % size_t(width)), y = int(p / size_t(width));
                left = std::min(left, x), right = std::max(right, x), top = std::min(top, y),
                bottom = std::max(bottom, y);
            }
            QCOMPARE(annotation.value(QStringLiteral("area")).toInteger(), area);
            QCOMPARE(annotation.value(QStringLiteral("bbox")).toArray(),
                     (QJsonArray{left, top, right - left + 1, bottom - top + 1}));
        }
        QVERIFY(annotations > 10);
        QVERIFY(painted == expected);
    }
}

void TestDataset::exportRefusesMissingImagesAndMasksOfTheWrongSize() {
    QTemporaryDir dir;
    copyDubaiPairs(dir.path(), 2);
    QString error;
    auto project = ProjectFiles::openOrCreate(dir.path(), {}, &error);
    QVERIFY2(project, qPrintable(error));
    DatasetExportSummary summary;
    // A mask that does not fit its image: the second image's mask is the first image's (another size).
    QVERIFY(QFile::remove(dir.filePath(QStringLiteral("tile_1/masks/image_part_002.png"))));
    QVERIFY(QFile::copy(test::dataPath(QStringLiteral("dubai_aerial/tile_2/masks/image_part_001.png")),
                        dir.filePath(QStringLiteral("tile_1/masks/image_part_002.png"))));
    QVERIFY(!exportDataset(*project, dir.filePath(QStringLiteral("out")), {}, &summary, &error));
    QVERIFY2(error.contains(QStringLiteral("image_part_002")) && error.contains(QStringLiteral("509 × 544")),
             qPrintable(error));

    QVERIFY(QFile::remove(dir.filePath(QStringLiteral("tile_1/images/image_part_001.jpg"))));
    QVERIFY(!exportDataset(*project, dir.filePath(QStringLiteral("out")), {}, &summary, &error));
    QVERIFY2(error.contains(QStringLiteral("image_part_001.jpg")), qPrintable(error));

    for (int i = 0; i < project->size(); ++i)
        project->image(i).status = ImageStatus::InProgress;
    QVERIFY(!exportDataset(*project, dir.filePath(QStringLiteral("out")), {}, &summary, &error));
    QVERIFY2(error.contains(QStringLiteral("--all")), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestDataset)
#include "test_dataset.moc"

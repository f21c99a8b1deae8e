// segstudio-cli eval: scores predicted masks against reference masks (files or folders).
#include "annotation/class_areas.h"
#include "annotation/gdal_errors.h"
#include "annotation/mask_files.h"
#include "annotation/mask_reader.h"
#include "annotation/source_policy.h"
#include "app/cli/cli_commands.h"
#include "app/cli/cli_support.h"
#include "app/cli/option_values.h"
#include "app/jobs/class_mapping.h"
#include "inference/evaluation.h"
#include "storage/atomic_file.h"

#include <QCommandLineParser>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <gdal.h>

namespace segstudio::cli {
namespace {

// The tiles --worst ranks: the label mask's tiles, so they are the ones the window shows.
constexpr int WorstTile = 256;

// Mask files under `folder` by path relative to it, without extension ("tile_8/masks/x").
QHash<QString, QString> masksIn(const QString& folder) {
    QHash<QString, QString> found;
    const QDir root(folder);
    QDirIterator it(folder, {QStringLiteral("*.png"), QStringLiteral("*.tif"), QStringLiteral("*.tiff")},
                    QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        if (path.contains(QLatin1String(".provenance.")) || path.contains(QLatin1String(".partial.")))
            continue;
        const QString relative = root.relativeFilePath(path);
        found.insert(relative.left(relative.lastIndexOf(QLatin1Char('.'))), path);
    }
    return found;
}

// What eval needs of a mask file's header: its size and where its pixels lie.
struct MaskHeader {
    QSize size;
    std::array<double, 6> geoTransform{0, 1, 0, 0, 0, 1};
    QString crsWkt;
    bool georeferenced = false;
};

MaskHeader maskHeader(const QString& path) {
    MaskHeader header;
    if (!SourcePolicy::problemWith(path).isEmpty())
        return header; // MaskFiles::load says why
    QuietGdalErrors quiet;
    GDALDatasetH dataset =
        GDALOpenEx(path.toUtf8().constData(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr);
    if (!dataset)
        return header;
    header.size = QSize(GDALGetRasterXSize(dataset), GDALGetRasterYSize(dataset));
    header.georeferenced = GDALGetGeoTransform(dataset, header.geoTransform.data()) == CE_None;
    header.crsWkt = QString::fromUtf8(GDALGetProjectionRef(dataset));
    GDALClose(dataset);
    return header;
}

// The `count` tiles with the most disagreeing pixels, worst first (ties in file, then row-major
// order, so the list is the same every run).
struct TileDisagreement {
    int pair = 0;
    QRect rect;
    long long pixels = 0;
};

std::vector<TileDisagreement> worstOf(std::vector<TileDisagreement> tiles, int count) {
    tiles.erase(std::remove_if(tiles.begin(), tiles.end(), [](const auto& t) { return t.pixels == 0; }),
                tiles.end());
    const auto worse = [](const TileDisagreement& a, const TileDisagreement& b) {
        if (a.pixels != b.pixels)
            return a.pixels > b.pixels;
        if (a.pair != b.pair)
            return a.pair < b.pair;
        return std::pair(a.rect.y(), a.rect.x()) < std::pair(b.rect.y(), b.rect.x());
    };
    const size_t kept = std::min(tiles.size(), size_t(std::max(0, count)));
    std::partial_sort(tiles.begin(), tiles.begin() + long(kept), tiles.end(), worse);
    tiles.resize(kept);
    return tiles;
}

QString baseName(const QString& key) {
    return key.mid(key.lastIndexOf(QLatin1Char('/')) + 1);
}

// Pairs by relative path; failing that, by file name when it is unique on both sides.
QList<QPair<QString, QString>> pairUp(const QString& predictions, const QString& references) {
    const auto predicted = masksIn(predictions), reference = masksIn(references);
    QList<QPair<QString, QString>> pairs;
    for (auto it = reference.begin(); it != reference.end(); ++it)
        if (predicted.contains(it.key()))
            pairs.append({predicted.value(it.key()), it.value()});
    if (!pairs.isEmpty())
        return pairs;
    QHash<QString, QStringList> predictedByName, referenceByName;
    for (auto it = predicted.begin(); it != predicted.end(); ++it)
        predictedByName[baseName(it.key())].append(it.value());
    for (auto it = reference.begin(); it != reference.end(); ++it)
        referenceByName[baseName(it.key())].append(it.value());
    for (auto it = referenceByName.begin(); it != referenceByName.end(); ++it)
        if (it.value().size() == 1 && predictedByName.value(it.key()).size() == 1)
            pairs.append({predictedByName.value(it.key()).first(), it.value().first()});
    std::sort(pairs.begin(), pairs.end());
    return pairs;
}

// Per class, from the confusion matrix (rows reference, columns prediction); NaN where a
// figure has no pixels to be computed from.
struct ClassScores {
    double iou = 0, precision = 0, recall = 0, f1 = 0;
    long long referencePixels = 0, predictedPixels = 0;
};

std::vector<ClassScores> scoresOf(const inference::ConfusionMatrix& matrix) {
    std::vector<ClassScores> scores(size_t(matrix.classes()));
    for (int c = 0; c < matrix.classes(); ++c) {
        ClassScores& k = scores[size_t(c)];
        for (int other = 0; other < matrix.classes(); ++other) {
            k.referencePixels += matrix.count(c, other);
            k.predictedPixels += matrix.count(other, c);
        }
        const double hits = double(matrix.count(c, c));
        const double nan = std::nan("");
        k.iou = matrix.iou(c);
        k.precision = k.predictedPixels > 0 ? hits / double(k.predictedPixels) : nan;
        k.recall = k.referencePixels > 0 ? hits / double(k.referencePixels) : nan;
        k.f1 = k.referencePixels + k.predictedPixels > 0
                   ? 2 * hits / double(k.referencePixels + k.predictedPixels)
                   : nan;
    }
    return scores;
}

QJsonValue jsonNumber(double value) {
    return std::isfinite(value) ? QJsonValue(value) : QJsonValue(QJsonValue::Null);
}

QString tableNumber(double value) {
    return std::isfinite(value) ? QString::number(value, 'f', 4) : QStringLiteral("—");
}

QString csvNumber(double value) {
    return std::isfinite(value) ? QString::number(value, 'f', 6) : QString();
}

} // namespace

int runEval(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Score predicted masks against reference masks."));
    parser.addHelpOption();
    parser.addOptions({
        {QStringLiteral("prediction"), QStringLiteral("Predicted mask, or a folder of them."),
         QStringLiteral("P")},
        {QStringLiteral("reference"), QStringLiteral("Reference mask, or a folder of them."),
         QStringLiteral("R")},
        {QStringLiteral("classes"), QStringLiteral("Class list (classes.csv, palette JSON, model sidecar)."),
         QStringLiteral("FILE")},
        {QStringLiteral("json"), QStringLiteral("Print one JSON object instead of a table.")},
        {QStringLiteral("areas"),
         QStringLiteral("Also each class's area in the reference and the prediction, in m² and ha "
                        "(georeferenced masks; geodesic per row in a geographic CRS).")},
        {QStringLiteral("worst"),
         QStringLiteral("Also the N %1 × %1 tiles with the most pixels where prediction and reference "
                        "disagree, worst first.")
             .arg(WorstTile),
         QStringLiteral("N")},
        {QStringLiteral("csv"),
         QStringLiteral("Also write the per-class figures to FILE (class_id,class_name,iou,precision,recall,"
                        "f1,reference_pixels,predicted_pixels[,reference_area_m2,predicted_area_m2])."),
         QStringLiteral("FILE")},
    });
    parser.process(arguments);
    QString optionError;
    int worstCount = 0;
    if (parser.isSet(QStringLiteral("worst")) &&
        !intOption(parser, QStringLiteral("worst"), 1, 1'000'000, worstCount, &optionError))
        return failWith(optionError);
    const QString prediction = parser.value(QStringLiteral("prediction"));
    const QString reference = parser.value(QStringLiteral("reference"));
    if (prediction.isEmpty() || reference.isEmpty())
        return failWith(QStringLiteral("eval needs --prediction P and --reference R"));

    QList<QPair<QString, QString>> pairs;
    if (QFileInfo(prediction).isDir() != QFileInfo(reference).isDir())
        return failWith(QStringLiteral("--prediction and --reference must both be files or both be folders"));
    if (QFileInfo(prediction).isDir()) {
        pairs = pairUp(prediction, reference);
        if (pairs.isEmpty())
            return failWith(QStringLiteral("no masks in %1 match masks in %2 by path or name")
                                .arg(prediction, reference));
    } else {
        pairs.append({prediction, reference});
    }

    QString error;
    std::optional<ClassPalette> palette;
    if (parser.isSet(QStringLiteral("classes")))
        palette = ClassMapping::loadClasses(parser.value(QStringLiteral("classes")), &error);
    else
        palette = MaskFiles::loadPaletteSidecar(pairs.first().first, &error);
    if (!palette)
        return failWith(error.isEmpty() ? QStringLiteral("name the classes with --classes FILE") : error);
    std::vector<inference::ClassInfo> classes;
    if (!ClassMapping::classesForModel(*palette, classes, &error))
        return failWith(error);

    const bool withAreas = parser.isSet(QStringLiteral("areas"));
    const QString csv = parser.value(QStringLiteral("csv"));
    if (!csv.isEmpty()) {
        QStringList inputs{parser.value(QStringLiteral("classes"))};
        for (const auto& [predicted, referenced] : pairs)
            inputs << predicted << referenced;
        if (!checkOutputs({{QStringLiteral("csv"), csv}}, inputs, &error))
            return failWith(error);
    }

    inference::ConfusionMatrix matrix(int(classes.size()));
    std::vector<double> referenceM2(classes.size(), 0.0), predictedM2(classes.size(), 0.0);
    std::vector<TileDisagreement> tiles;
    for (int pair = 0; pair < pairs.size(); ++pair) {
        const auto& [predicted, referenced] = pairs[pair];
        const MaskHeader referenceHeader = maskHeader(referenced), predictedHeader = maskHeader(predicted);
        const QSize referenceSize = referenceHeader.size, predictedSize = predictedHeader.size;
        if (referenceSize.isValid() && predictedSize.isValid() && referenceSize != predictedSize)
            return failWith(
                QStringLiteral("the prediction %1 is %2 × %3 px but the reference %4 is %5 × %6 px: "
                               "they are not masks of the same image")
                    .arg(predicted)
                    .arg(predictedSize.width())
                    .arg(predictedSize.height())
                    .arg(referenced)
                    .arg(referenceSize.width())
                    .arg(referenceSize.height()));
        // Areas in the reference's georeference, or the prediction's when the reference has none.
        const MaskHeader& where = referenceHeader.georeferenced ? referenceHeader : predictedHeader;
        if (withAreas && !where.georeferenced)
            return failWith(QStringLiteral("--areas needs georeferenced masks, and neither %1 nor %2 has a "
                                           "georeference (the pixel counts are in the table without it)")
                                .arg(predicted, referenced));
        AreaCounter referenceArea, predictedArea;
        if (withAreas && (!referenceArea.start(where.geoTransform, where.crsWkt, true, &error) ||
                          !predictedArea.start(where.geoTransform, where.crsWkt, true, &error)))
            return failWith(QStringLiteral("%1: %2").arg(referenced, error));
        // Streamed in strips of 256 rows and at most 4096 columns: memory stays a few MB for
        // masks of any size (a 40 000² pair included), whatever their format.
        const auto referenceReader = MaskReader::open(referenced, QSize(), *palette, &error);
        if (!referenceReader)
            return failWith(error);
        const auto predictedReader = MaskReader::open(predicted, referenceReader->size(), *palette, &error);
        if (!predictedReader)
            return failWith(error);
        const int width = referenceReader->size().width(), height = referenceReader->size().height();
        const int tilesAcross = (width + WorstTile - 1) / WorstTile;
        constexpr int ChunkColumns = 16 * WorstTile;
        std::vector<long long> disagreeing(size_t(tilesAcross), 0);
        std::vector<uint8_t> p(size_t(std::min(ChunkColumns, width)) * WorstTile), r(p.size());
        for (int top = 0; top < height; top += WorstTile) {
            const int rows = std::min(WorstTile, height - top);
            for (int x0 = 0; x0 < width; x0 += ChunkColumns) {
                const int columns = std::min(ChunkColumns, width - x0);
                const QRect chunk(x0, top, columns, rows);
                if (!predictedReader->read(chunk, p.data(), &error) ||
                    !referenceReader->read(chunk, r.data(), &error))
                    return failWith(error);
                for (const MaskReader* reader : {predictedReader.get(), referenceReader.get()})
                    if (reader->failed())
                        return failWith(reader->decodeError());
                const size_t count = size_t(columns) * size_t(rows);
                if (!matrix.add(p.data(), r.data(), count))
                    return failWith(QStringLiteral("%1 holds a class outside the class list").arg(predicted));
                for (int y = 0; y < rows; ++y) {
                    const uint8_t* predictedRow = p.data() + size_t(y) * columns;
                    const uint8_t* referenceRow = r.data() + size_t(y) * columns;
                    if (withAreas) {
                        referenceArea.addRow(referenceRow, columns, top + y);
                        predictedArea.addRow(predictedRow, columns, top + y);
                    }
                    for (int x = 0; x < columns; ++x)
                        disagreeing[size_t((x0 + x) / WorstTile)] +=
                            referenceRow[x] != Unlabeled && predictedRow[x] != referenceRow[x];
                }
            }
            for (int tx = 0; tx < tilesAcross; ++tx)
                tiles.push_back(
                    {pair, QRect(tx * WorstTile, top, std::min(WorstTile, width - tx * WorstTile), rows),
                     disagreeing[size_t(tx)]});
            std::fill(disagreeing.begin(), disagreeing.end(), 0);
            if (tiles.size() > size_t(8 * std::max(worstCount, 1)) + 4096)
                tiles = worstOf(std::move(tiles), worstCount); // bounded, whatever the size
        }
        if (withAreas) {
            AreaReport referenceReport, predictedReport;
            if (!referenceArea.finish(*palette, referenced, referenceReport, &error) ||
                !predictedArea.finish(*palette, predicted, predictedReport, &error))
                return failWith(error);
            for (int c = 0; c < int(classes.size()) && c < referenceReport.classes.size(); ++c) {
                referenceM2[size_t(c)] += referenceReport.classes[c].areaM2;
                predictedM2[size_t(c)] += predictedReport.classes[c].areaM2;
            }
        }
    }
    tiles = worstOf(std::move(tiles), worstCount);
    const std::vector<ClassScores> scores = scoresOf(matrix);

    if (!csv.isEmpty()) {
        QByteArray table = "class_id,class_name,iou,precision,recall,f1,reference_pixels,predicted_pixels";
        table += withAreas ? ",reference_area_m2,predicted_area_m2\n" : "\n";
        for (int c = 0; c < matrix.classes(); ++c) {
            const ClassScores& k = scores[size_t(c)];
            QStringList fields{QString::number(c),
                               ClassAreas::csvField(QString::fromStdString(classes[size_t(c)].name)),
                               csvNumber(k.iou),
                               csvNumber(k.precision),
                               csvNumber(k.recall),
                               csvNumber(k.f1),
                               QString::number(k.referencePixels),
                               QString::number(k.predictedPixels)};
            if (withAreas)
                fields << QString::number(referenceM2[size_t(c)], 'f', 2)
                       << QString::number(predictedM2[size_t(c)], 'f', 2);
            table += fields.join(QLatin1Char(',')).toUtf8() + '\n';
        }
        storage::PendingFile file;
        std::string why;
        if (!file.create(QFile::encodeName(csv).toStdString(), &why) ||
            !file.write(table.constData(), size_t(table.size()), &why) || !file.commit(&why))
            return failWith(QString::fromStdString(why));
    }

    std::vector<std::string> names;
    for (const auto& c : classes)
        names.push_back(c.name);
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonObject out = QJsonDocument::fromJson(QByteArray::fromStdString(matrix.toJson(names))).object();
        QJsonArray perClass;
        for (int c = 0; c < matrix.classes(); ++c) {
            const ClassScores& k = scores[size_t(c)];
            QJsonObject entry{{QStringLiteral("id"), c},
                              {QStringLiteral("name"), QString::fromStdString(names[size_t(c)])},
                              {QStringLiteral("iou"), jsonNumber(k.iou)},
                              {QStringLiteral("precision"), jsonNumber(k.precision)},
                              {QStringLiteral("recall"), jsonNumber(k.recall)},
                              {QStringLiteral("f1"), jsonNumber(k.f1)},
                              {QStringLiteral("reference_pixels"), double(k.referencePixels)},
                              {QStringLiteral("predicted_pixels"), double(k.predictedPixels)}};
            if (withAreas) {
                entry.insert(QStringLiteral("reference_area_m2"), referenceM2[size_t(c)]);
                entry.insert(QStringLiteral("predicted_area_m2"), predictedM2[size_t(c)]);
            }
            perClass.append(entry);
        }
        out.insert(QStringLiteral("classes"), perClass);
        if (parser.isSet(QStringLiteral("worst"))) {
            QJsonArray worst;
            for (const TileDisagreement& t : tiles) {
                QJsonObject entry{{QStringLiteral("x"), t.rect.x()},
                                  {QStringLiteral("y"), t.rect.y()},
                                  {QStringLiteral("width"), t.rect.width()},
                                  {QStringLiteral("height"), t.rect.height()},
                                  {QStringLiteral("disagreeing_pixels"), double(t.pixels)}};
                if (pairs.size() > 1)
                    entry.insert(QStringLiteral("prediction"), pairs[t.pair].first);
                worst.append(entry);
            }
            out.insert(QStringLiteral("worst"), worst);
        }
        std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
        return 0;
    }
    std::printf("%zu mask pair(s), %lld labelled reference pixels\n\n%-24s %8s %9s %8s %8s",
                size_t(pairs.size()), matrix.total(), "class", "IoU", "precision", "recall", "F1");
    if (withAreas)
        std::printf(" %14s %14s", "reference ha", "predicted ha");
    std::printf("\n");
    for (int c = 0; c < matrix.classes(); ++c) {
        const ClassScores& k = scores[size_t(c)];
        std::printf("%-24s %8s %9s %8s %8s", names[size_t(c)].c_str(), qUtf8Printable(tableNumber(k.iou)),
                    qUtf8Printable(tableNumber(k.precision)), qUtf8Printable(tableNumber(k.recall)),
                    qUtf8Printable(tableNumber(k.f1)));
        if (withAreas)
            std::printf(" %14.3f %14.3f", referenceM2[size_t(c)] / 1e4, predictedM2[size_t(c)] / 1e4);
        std::printf("\n");
    }
    std::printf(
        "\nmIoU %.4f   pixel accuracy %.4f\n\nconfusion matrix (rows: reference, columns: prediction)\n",
        matrix.meanIoU(), matrix.pixelAccuracy());
    for (int r = 0; r < matrix.classes(); ++r) {
        for (int p = 0; p < matrix.classes(); ++p)
            std::printf("%12lld", matrix.count(r, p));
        std::printf("   %s\n", names[size_t(r)].c_str());
    }
    if (parser.isSet(QStringLiteral("worst"))) {
        std::printf("\nworst %d tiles of %d × %d px (x, y, width, height: disagreeing pixels)\n", worstCount,
                    WorstTile, WorstTile);
        for (const TileDisagreement& t : tiles)
            std::printf("%s%d, %d, %d, %d: %lld\n",
                        pairs.size() > 1 ? qUtf8Printable(pairs[t.pair].first + QStringLiteral("  ")) : "",
                        t.rect.x(), t.rect.y(), t.rect.width(), t.rect.height(), t.pixels);
    }
    return 0;
}

} // namespace segstudio::cli

// segstudio-cli eval: scores predicted masks against reference masks (files or folders).
#include "annotation/gdal_errors.h"
#include "annotation/mask_files.h"
#include "annotation/source_policy.h"
#include "app/cli/cli_commands.h"
#include "app/cli/cli_support.h"
#include "app/jobs/class_mapping.h"
#include "inference/evaluation.h"

#include <QCommandLineParser>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <cmath>
#include <cstdio>
#include <gdal.h>

namespace segstudio::cli {
namespace {

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

QSize rasterSize(const QString& path) {
    if (!SourcePolicy::problemWith(path).isEmpty())
        return {}; // MaskFiles::load says why
    QuietGdalErrors quiet;
    GDALDatasetH dataset =
        GDALOpenEx(path.toUtf8().constData(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr);
    if (!dataset)
        return {};
    const QSize size(GDALGetRasterXSize(dataset), GDALGetRasterYSize(dataset));
    GDALClose(dataset);
    return size;
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
    });
    parser.process(arguments);
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

    inference::ConfusionMatrix matrix(int(classes.size()));
    for (const auto& [predicted, referenced] : pairs) {
        const QSize referenceSize = rasterSize(referenced), predictedSize = rasterSize(predicted);
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
        const auto referenceMask = MaskFiles::load(referenced, referenceSize, *palette, &error);
        if (!referenceMask)
            return failWith(error);
        const auto predictedMask = MaskFiles::load(predicted, referenceMask->size(), *palette, &error);
        if (!predictedMask)
            return failWith(error);
        // Row by row: masks may be far larger than memory allows as one buffer.
        std::vector<uint8_t> p(size_t(referenceMask->width())), r(p.size());
        for (int y = 0; y < referenceMask->height(); ++y) {
            const QRect row(0, y, referenceMask->width(), 1);
            predictedMask->readClasses(row, p.data(), qsizetype(p.size()));
            referenceMask->readClasses(row, r.data(), qsizetype(r.size()));
            if (!matrix.add(p.data(), r.data(), p.size()))
                return failWith(QStringLiteral("%1 holds a class outside the class list").arg(predicted));
        }
    }
    std::vector<std::string> names;
    for (const auto& c : classes)
        names.push_back(c.name);
    if (parser.isSet(QStringLiteral("json"))) {
        std::printf("%s\n", matrix.toJson(names).c_str());
        return 0;
    }
    std::printf("%zu mask pair(s), %lld labelled reference pixels\n\n%-24s %8s\n", size_t(pairs.size()),
                matrix.total(), "class", "IoU");
    for (int c = 0; c < matrix.classes(); ++c) {
        const double iou = matrix.iou(c);
        std::printf("%-24s %8s\n", names[size_t(c)].c_str(),
                    std::isnan(iou) ? "—" : qUtf8Printable(QString::number(iou, 'f', 4)));
    }
    std::printf(
        "\nmIoU %.4f   pixel accuracy %.4f\n\nconfusion matrix (rows: reference, columns: prediction)\n",
        matrix.meanIoU(), matrix.pixelAccuracy());
    for (int r = 0; r < matrix.classes(); ++r) {
        for (int p = 0; p < matrix.classes(); ++p)
            std::printf("%12lld", matrix.count(r, p));
        std::printf("   %s\n", names[size_t(r)].c_str());
    }
    return 0;
}

} // namespace segstudio::cli

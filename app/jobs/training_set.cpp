#include "app/jobs/training_set.h"

#include "annotation/mask_files.h"
#include "annotation/raster_source.h"
#include "annotation/tile_pyramid.h"
#include "app/jobs/model_input.h"
#include "inference/segmentation_model.h"

#include <QDir>
#include <QFileInfo>

namespace segstudio {
namespace {

void collectPairs(const QDir& folder, QList<LabelledImage>& pairs) {
    const QDir images(folder.filePath(QStringLiteral("images")));
    const QDir masks(folder.filePath(QStringLiteral("masks")));
    if (images.exists() && masks.exists()) {
        QHash<QString, QString> maskByName;
        // Masks only (not their .qml styles or sidecars beside them).
        const QStringList maskFiles{QStringLiteral("*.png"), QStringLiteral("*.tif"),
                                    QStringLiteral("*.tiff")};
        for (const QFileInfo& mask : masks.entryInfoList(maskFiles, QDir::Files, QDir::Name))
            maskByName.insert(mask.completeBaseName(), mask.absoluteFilePath());
        // An image is a file (an MBTiles file too) or a folder of map tiles (ZOOM/X/Y.png), whose
        // mask covers the rectangle of its tiles at their finest zoom, as predict writes it.
        for (const QFileInfo& image :
             images.entryInfoList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
            if (image.isDir() && !TilePyramid::looksLikeTileFolder(image.absoluteFilePath()))
                continue;
            const QString mask =
                maskByName.value(image.isDir() ? image.fileName() : image.completeBaseName());
            if (!mask.isEmpty() && !image.fileName().endsWith(QLatin1String(".json")) &&
                !image.fileName().endsWith(QLatin1String(".xml")))
                pairs.append({image.absoluteFilePath(), mask});
        }
    }
    for (const QFileInfo& child :
         folder.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::NoSymLinks, QDir::Name)) {
        if (child.fileName() != QLatin1String("images") && child.fileName() != QLatin1String("masks"))
            collectPairs(QDir(child.absoluteFilePath()), pairs);
    }
}

} // namespace

QList<LabelledImage> findLabelledImages(const QString& folder, QString* error) {
    QList<LabelledImage> pairs;
    if (!QFileInfo(folder).isDir()) {
        *error = QStringLiteral("%1 is not a folder").arg(folder);
        return pairs;
    }
    collectPairs(QDir(folder), pairs);
    if (pairs.isEmpty())
        *error =
            QStringLiteral("%1 holds no images/ and masks/ folders with files of matching names").arg(folder);
    return pairs;
}

bool loadSample(const LabelledImage& pair, const ClassPalette& palette, inference::TrainingSample& sample,
                QString* error) {
    // Say which file of which pair: a folder may hold hundreds of a.png.
    const auto fail = [&](const QString& which, const QString& path) {
        *error = QStringLiteral("%1 %2: %3").arg(which, QDir::toNativeSeparators(path), *error);
        return false;
    };
    const auto image = RasterSource::open(pair.image, error);
    if (!image)
        return fail(QStringLiteral("training image"), pair.image);
    // Training holds whole images in memory (RGB, classes and weights: 8 bytes a pixel).
    if (double(image->size().width()) * image->size().height() > 1e9) {
        *error = QStringLiteral("it is %1 × %2 px; training reads whole images, so cut it into tiles of at "
                                "most 1 000 megapixels")
                     .arg(image->size().width())
                     .arg(image->size().height());
        return fail(QStringLiteral("training image"), pair.image);
    }
    const auto mask = MaskFiles::load(pair.mask, image->size(), palette, error);
    if (!mask)
        return fail(QStringLiteral("mask"), pair.mask);
    sample.width = image->size().width();
    sample.height = image->size().height();
    if (!ModelInput::forSource(*image).read(*image, QRect(QPoint(0, 0), image->size()), sample.rgb, error))
        return fail(QStringLiteral("training image"), pair.image);
    sample.mask.resize(size_t(sample.width) * sample.height);
    mask->readClasses(mask->rect(), sample.mask.data(), sample.width);
    sample.weight.clear();
    return true;
}

inference::ConfusionMatrix evaluateOn(inference::SegmentationModel& model,
                                      const std::vector<inference::TrainingSample>& samples,
                                      const inference::PredictOptions& options, QString* error) {
    inference::ConfusionMatrix matrix(model.classCount());
    std::string why;
    auto predictor = inference::TiledPredictor::create(model, options, &why);
    if (!predictor) {
        *error = QString::fromStdString(why);
        return matrix;
    }
    for (const auto& sample : samples) {
        inference::Prediction prediction;
        if (!predictor->predict({sample.rgb.data(), sample.width, sample.height, 0}, prediction, {}, nullptr,
                                &why)) {
            *error = QString::fromStdString(why);
            return matrix;
        }
        matrix.add(prediction.classes.data(), sample.mask.data(), sample.mask.size());
    }
    return matrix;
}

} // namespace segstudio

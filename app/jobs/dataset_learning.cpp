#include "app/jobs/dataset_learning.h"

#include "annotation/label_mask.h"
#include "annotation/mask_files.h"
#include "annotation/raster_source.h"

#include <QDir>
#include <QFileInfo>
#include <QObject>
#include <QSet>

namespace segstudio {
namespace {

// A reviewed image's pixels that still say "predicted" were accepted by the person as they are.
void promotePredictedToReviewed(LabelMask& mask) {
    for (int ty = 0; ty < mask.tilesDown(); ++ty)
        for (int tx = 0; tx < mask.tilesAcross(); ++tx) {
            if (!mask.tileHolds(tx, ty, Provenance::Predicted))
                continue;
            MaskTile& writable = mask.mutableTile(tx, ty);
            for (quint8& provenance : writable.provenance)
                if (provenance == quint8(Provenance::Predicted))
                    provenance = quint8(Provenance::Reviewed);
        }
}

} // namespace

QList<int> imagesToLearnFrom(int reviewed, const DatasetLearningSettings& settings) {
    QList<int> chosen;
    const int newest = std::min(reviewed, std::max(1, settings.newestImages));
    const int older = reviewed - newest;
    const int spread = std::min(older, std::max(0, settings.maxImages - newest));
    for (int i = 0; i < spread; ++i) // evenly over 0 .. older-1
        chosen.append(int((qint64(i) * older) / spread));
    for (int i = reviewed - newest; i < reviewed; ++i)
        chosen.append(i);
    return chosen;
}

LearningOutcome learnFromDataset(const LearningModels& models, const QList<ReviewedImage>& reviewed,
                                 const ClassPalette& classes, const DatasetLearningSettings& settings,
                                 const std::function<void(const inference::TrainStep&)>& progress,
                                 const std::atomic<bool>* cancel) {
    LearningOutcome outcome;
    // Which file holds each reviewed image's labels is decided here, on the worker.
    QList<ReviewedImage> withMasks;
    for (ReviewedImage entry : reviewed) {
        if (!QFileInfo::exists(entry.mask))
            entry.mask = entry.sourceMask;
        if (!entry.mask.isEmpty() && QFileInfo::exists(entry.mask))
            withMasks.append(entry);
    }
    std::vector<std::shared_ptr<RasterSource>> images;
    std::vector<LabelMask> masks;
    const QList<int> chosen = imagesToLearnFrom(int(withMasks.size()), settings);
    images.reserve(size_t(chosen.size()));
    masks.reserve(size_t(chosen.size()));
    for (int index : chosen) {
        const ReviewedImage& entry = withMasks[index];
        QString error;
        auto image = RasterSource::open(entry.image, &error);
        if (!image) {
            outcome.error = QObject::tr("Image %1: %2").arg(QDir::toNativeSeparators(entry.image), error);
            return outcome;
        }
        auto mask = MaskFiles::load(entry.mask, image->size(), classes, &error);
        if (!mask) {
            outcome.error = QObject::tr("Mask %1: %2").arg(QDir::toNativeSeparators(entry.mask), error);
            return outcome;
        }
        promotePredictedToReviewed(*mask);
        images.push_back(std::move(image));
        masks.push_back(std::move(*mask));
    }
    std::vector<CorrectionSource> sources;
    for (size_t i = 0; i < masks.size(); ++i)
        sources.push_back({&masks[i], images[i].get()});
    return learnFromCorrections(models, sources, settings.learning, progress, cancel);
}

} // namespace segstudio

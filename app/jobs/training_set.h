#pragma once

#include "annotation/class_palette.h"
#include "inference/evaluation.h"
#include "inference/segmentation_model.h"
#include "inference/tiled_predictor.h"
#include "inference/trainer.h"

#include <QList>
#include <QString>

namespace segstudio {

struct LabelledImage {
    QString image;
    QString mask;
};

// Image/mask pairs under `folder`: a folder holding images/ and masks/ with files of the same
// base name (the mask may have another extension), or any folder below it that does. Sorted by
// path, so runs are reproducible.
QList<LabelledImage> findLabelledImages(const QString& folder, QString* error);

// Reads the whole image as the model sees it (ModelInput) and the mask as class ids
// through `palette` (indexed or colour-coded; unknown colours are an error).
bool loadSample(const LabelledImage& pair, const ClassPalette& palette, inference::TrainingSample& sample,
                QString* error);

// Predicts every sample and counts predictions against its mask (255 ignored).
inference::ConfusionMatrix evaluateOn(inference::SegmentationModel& model,
                                      const std::vector<inference::TrainingSample>& samples,
                                      const inference::PredictOptions& options, QString* error);

} // namespace segstudio

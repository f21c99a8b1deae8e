#pragma once

#include "annotation/class_palette.h"
#include "app/jobs/correction_learning.h"

#include <QList>
#include <QString>

namespace segstudio {

// One image of a project a person has reviewed (absolute paths): the image, its project mask,
// and the mask it came with, read when the project mask does not exist. An image with neither
// file is left out of learning.
struct ReviewedImage {
    QString image;
    QString mask;
    QString sourceMask;
};

// How a project's model learns across its images.
struct DatasetLearningSettings {
    // The window's learner with one change: across reviewed images the whole network learns, not
    // only its decoder and head. A reviewed image is labelled all over, far more evidence than the
    // few tiles corrected on one image that the decoder-only default is for. Measured with
    // simulate-dataset on tiles 2 and 6 (docs/datasets.md), seeds 1-5: the second half of the
    // images gains +0.046 to +0.095 (mean +0.070) instead of +0.039 to +0.057 (mean +0.048); the
    // one image that loses more (-0.05 instead of -0.02) is the second, learnt from one image only.
    // The input scale stays the model's: the figures above were measured without the scale
    // search, and scoring every tile of eight whole images at four scales took minutes a round.
    static LearningSettings acrossImages(LearningSettings learning) {
        learning.decoderOnly = false;
        learning.candidateScales.clear();
        return learning;
    }
    LearningSettings learning = acrossImages(LearningSettings());
    // A round reads at most this many reviewed images: the newest ones and an even spread of the
    // older ones, so memory holds that many masks whatever the project's size.
    int maxImages = 8;
    int newestImages = 4;
};

// The reviewed images a round learns from, out of `reviewed` (in the order they were reviewed):
// the `newestImages` last ones and the rest of `maxImages` spread evenly over the older ones.
QList<int> imagesToLearnFrom(int reviewed, const DatasetLearningSettings& settings);

// Fine-tunes a copy of `models.start` on the reviewed images chosen by imagesToLearnFrom(), read
// from their masks on disk (through `classes`) one round at a time: every labelled pixel of a
// reviewed image counts as a person's label (a prediction the person accepted by marking the
// image reviewed is a reviewed label). Scored and accepted as learnFromCorrections() does.
// Worker thread.
LearningOutcome learnFromDataset(const LearningModels& models, const QList<ReviewedImage>& reviewed,
                                 const ClassPalette& classes, const DatasetLearningSettings& settings,
                                 const std::function<void(const inference::TrainStep&)>& progress = {},
                                 const std::atomic<bool>* cancel = nullptr);

} // namespace segstudio

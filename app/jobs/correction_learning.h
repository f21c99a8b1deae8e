#pragma once

#include "inference/evaluation.h"
#include "inference/segmentation_model.h"
#include "inference/tiled_predictor.h"
#include "inference/trainer.h"

#include <QList>
#include <QPoint>
#include <QRect>
#include <QString>
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace segstudio {

class LabelMask;
class RasterSource;
class ScaleScoreCache;

// How a model learns from a person's corrections. The window's "Learn from corrections" and
// `segstudio-cli simulate` both go through learnFromCorrections(), so what the simulation
// measures is what the user gets.
struct LearningSettings {
    int steps = 40;
    int batch = 4;
    int crop = 256;
    double learningRate = 1e-4;  // fine-tuning: well below the from-scratch rate
    double editedWeight = 3.0;   // pixels a person painted weigh more…
    double reviewedWeight = 1.0; // …than predictions a person accepted as they were
    // Anchors against forgetting: a few tiles nobody corrected, labelled with the current
    // model's own confident predictions at a low weight, are learned alongside the corrections,
    // so a handful of corrected tiles bends the model there without dragging the rest along.
    // The cap keeps 8 anchors a corrected tile up to 12 corrected tiles, so the corrections'
    // share of the loss stays what it is in the first round. With a cap of 48 it grew from about
    // a half to two thirds by the third round, and the hardest tiles, corrected last, pulled the
    // rest of the image along: tile 6, stage-5 model (docs/learning.md, seventh series), seeds
    // 1-3 gained +0.029/+0.034/+0.022 with rounds falling by up to 0.014; with 96, +0.036/+0.033/
    // +0.033, no round more than 0.006 below the one before. 96 anchor samples hold ~110 MB.
    int anchorTilesPerCorrectedTile = 8;
    int maxAnchorTiles = 96;
    double anchorWeight = 0.5;
    double anchorMinConfidence = 0.7;
    // Every class's share of the loss evened out: the labelled pixels of a class (corrections
    // and anchors, by weight) weigh (mean mass of the classes present / its mass)^power more,
    // within [1 / maxClassFactor, maxClassFactor]. A round learns the class mix of the tiles a
    // person corrected, which is not the image's, and mIoU counts every class alike: rare
    // classes (buildings, roads) lost what the common ones gained. Measured on three pairs of
    // model and unseen tile (docs/learning.md, ninth series), seeds 1-3, the scale still
    // chosen by mIoU then: stage 5 on tile 6 +0.034 -> +0.039, stage 3 on tile 2 +0.057 ->
    // +0.073, stage 3 on tile 6 +0.008 -> +0.001; power 1 gained less on all three (+0.038,
    // +0.070, -0.003).
    double classBalancePower = 0.5;
    double maxClassFactor = 5.0;
    int context = 64; // image pixels around a corrected tile that windows may show
    // Measured on tile 6 with a model that never saw it (docs/learning.md): training only the
    // decoder and head, averaging the weights, and starting every round from the model as opened
    // (on all corrections so far) rather than from the last learned version, which let drift add
    // up round after round, turned a seed-dependent -0.022..+0.026 into +0.007..+0.018.
    bool decoderOnly = true;     // train the decoder and head only (TrainOptions::decoderOnly)
    bool averageWeights = true;  // keep the weights averaged over the second half of the steps
    bool fromOpenedModel = true; // fine-tune the version opened from disk, not the last learned one
    // Photometric jitter while fine-tuning (TrainOptions::photometricJitter). Off: the
    // corrections and the pixels to predict are the same scene, in the same colours. Measured on
    // tile 6 (docs/learning.md), seeds 1-5: with it +0.018, +0.009, +0.014, -0.005, -0.003 and
    // rounds falling by up to 0.022; without it +0.018, +0.017, +0.014, +0.026, +0.010, no round
    // more than 0.008 below the one before.
    bool photometricJitter = false;
    // Input scales tried on the corrected tiles before fine-tuning, as factors of the opened
    // model's (ModelMetadata::inputScale): the one whose predictions score best there, by more
    // than `scaleMargin` over the scale of the version in use, is the new version's, and it is
    // fine-tuned at that scale (bestInputScale). Scenes differ in ground resolution; one number chosen
    // from the corrections cannot overfit them the way weights can. Measured on tile 6 (docs/learning.md):
    // enlarging it 1.33-1.6× gains +0.02 mIoU with no learning at all. Empty: keep the model's scale.
    // The score is pixel accuracy, not mIoU: the scale belongs to the whole scene, and on the
    // worst tiles of an image mIoU swings with a rare class's few pixels. Stage 3 on tile 6
    // (docs/learning.md, ninth series) kept 1× because Building's IoU on 9 668 pixels favoured it
    // (mIoU 0.170 against 0.157 at 1.33×), where 1.33× lifted Building on the rest from 0.29 to 0.40.
    std::vector<double> candidateScales{0.75, 1.33, 1.6};
    double scaleMargin = 0.01; // in pixel accuracy
    // Leaving a scale an earlier round chose (the version in use was fine-tuned at it) takes a
    // far wider margin: tiles corrected since are the ones that scale got most wrong, so they
    // always argue against it. On tile 6 (docs/learning.md), when mIoU was the score, third
    // rounds moved from 1.6× to 0.75× (won by 0.011 on the scored tiles) and to 1× (by 0.037),
    // both worse on the whole tile by 0.09 and 0.02; the rounds fell by up to 0.043. The first
    // move, from the model's own scale, keeps scaleMargin.
    double scaleMarginOnceChosen = 0.1;
    // The scales are scored on at most this many corrected tiles, spread evenly over them: the
    // search costs about 0.33 s a tile on two cores (four scales), 4 s of a 10 s budget with 12
    // tiles, and a person who has reviewed hundreds of tiles would wait minutes for it.
    int maxScaleTiles = 6;
    std::string device = "auto";
    std::string precision = "auto";
    int threads = 0;
    uint64_t seed = 1;
};

inference::TrainOptions trainOptionsFor(const LearningSettings& settings);

// Mask tiles (256², in tile coordinates) that hold pixels a person edited or reviewed.
QList<QPoint> humanLabelledTiles(const LabelMask& mask);
// Mask tiles that hold pixels a person painted (the re-prediction after learning skips them).
QList<QPoint> editedTiles(const LabelMask& mask);
// Tiles kept out of training to score a new version: every fifth tile that a person only
// reviewed (never painted), when there are at least two such tiles.
QList<QPoint> heldOutTiles(const LabelMask& mask);

// How many anchor tiles a round with `correctedTiles` corrected tiles learns alongside them.
size_t anchorTileBudget(size_t correctedTiles, const LearningSettings& settings);

// The image pixels a sample of mask tile `tile` shows: the tile and `context` pixels around it.
QRect tileWithContext(const LabelMask& mask, QPoint tile, int context);

// One training sample per tile in `tiles`: the tile and `context` pixels around it, labelled
// only where a person edited or reviewed (255 elsewhere), weighted by settings.
bool correctionSamples(const LabelMask& mask, const RasterSource& image, const QList<QPoint>& tiles,
                       const LearningSettings& settings, std::vector<inference::TrainingSample>& samples,
                       long long* humanPixels, QString* error);

// Samples of predicted tiles nobody corrected, labelled with their confident predictions at
// settings.anchorWeight (see LearningSettings).
bool anchorSamples(const LabelMask& mask, const RasterSource& image, const QList<QPoint>& tiles,
                   const LearningSettings& settings, std::vector<inference::TrainingSample>& samples,
                   QString* error);

// The factor each class's labelled pixels are weighted by so that the classes' shares of the
// loss (their summed pixel weights in `samples`) come closer to equal: (mean share / share)^power,
// clamped to [1 / maxFactor, maxFactor]; 1 for a class with no labelled pixel. One entry per
// class index 0-255.
std::vector<float> classBalanceFactors(const std::vector<inference::TrainingSample>& samples, double power,
                                       double maxFactor);
// Multiplies every labelled pixel's weight by its class's classBalanceFactors().
void balanceClassWeights(std::vector<inference::TrainingSample>& samples, double power, double maxFactor);

// Predicts the given tiles (with `context` pixels around each) and counts the predictions
// against the human-labelled pixels in them.
inference::ConfusionMatrix scoreOnTiles(inference::SegmentationModel& model, const LabelMask& mask,
                                        const RasterSource& image, const QList<QPoint>& tiles, int context,
                                        const inference::PredictOptions& options, QString* error);

struct LearningOutcome {
    std::unique_ptr<inference::SegmentationModel> model; // the new version; null on failure/cancel
    inference::TrainResult training;
    long long correctedPixels = 0; // human-labelled pixels it learned from
    double heldOutMiou = -1;       // on held-out reviewed tiles; -1 when there were none
    double baselineMiou = -1;      // the current model's score on the same pixels
    // The acceptance check: false when the new version is worse than the current one on the
    // held-out reviewed pixels. It is then not to be used for the rest of the image.
    bool accepted = true;
    double inputScale = 1;          // the new version's (ModelMetadata::inputScale)
    bool inputScaleChanged = false; // chosen from LearningSettings::candidateScales
    QString error;
};

// One document a model learns from: a label mask and the image it labels (same size). Both
// must outlive the call.
struct CorrectionSource {
    const LabelMask* mask = nullptr;
    const RasterSource* image = nullptr;
};

// Everything a round learns from, into an empty `samples` (the class balance spans all it
// holds): a sample of every tile in `training[i]` of `sources[i]` (correctionSamples), anchor
// tiles drawn at random among the predicted tiles nobody labelled in all of them (anchorSamples,
// anchorTileBudget of them), and every class's share of the loss evened out
// (balanceClassWeights). *correctedPixels: the human-labelled pixels.
bool learningSamples(const std::vector<CorrectionSource>& sources, const std::vector<QList<QPoint>>& training,
                     const LearningSettings& settings, std::vector<inference::TrainingSample>& samples,
                     long long* correctedPixels, QString* error);

// What a round of learning starts from (a copy of it is fine-tuned; it is left unchanged) and
// the version in use, which the result is judged against. Often the same model.
struct LearningModels {
    const inference::SegmentationModel& start;
    const inference::SegmentationModel& current;
    // Optional: the scale search's scores of earlier rounds, kept by whoever runs the rounds.
    ScaleScoreCache* scaleScores = nullptr;
};

// Fine-tunes a copy of `models.start` on the human-labelled pixels of all `sources` together,
// then scores it and `models.current` on their held-out reviewed tiles: `accepted` says whether
// the new version is at least as good there. Runs on a worker thread; the masks are snapshots.
LearningOutcome learnFromCorrections(const LearningModels& models,
                                     const std::vector<CorrectionSource>& sources,
                                     const LearningSettings& settings,
                                     const std::function<void(const inference::TrainStep&)>& progress = {},
                                     const std::atomic<bool>* cancel = nullptr);
// The same for one document (the window's "Learn from corrections").
LearningOutcome learnFromCorrections(const LearningModels& models, const LabelMask& mask,
                                     const RasterSource& image, const LearningSettings& settings,
                                     const std::function<void(const inference::TrainStep&)>& progress = {},
                                     const std::atomic<bool>* cancel = nullptr);

} // namespace segstudio

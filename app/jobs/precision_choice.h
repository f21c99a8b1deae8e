#pragma once

#include "inference/precision_calibration.h"
#include "inference/segmentation_model.h"
#include "inference/trainer.h"

#include <QSettings>
#include <QString>

namespace segstudio {

// `--precision auto` on the CPU, decided by measuring (inference::measurePrecision) the first
// time a model predicts on a machine, then kept in the settings under the CPU, the LibTorch
// version and the model's shape: measured again when any of them changes, never at every start.
class PrecisionChoice {
public:
    // What the choice is kept under. The model counts by its format, name, architecture and
    // class count (and size, for TorchScript): versions learned from corrections share their
    // model's arithmetic, so they share its choice.
    static QString cacheKey(const inference::SegmentationModel& model,
                            const QString& runtime = currentRuntime());
    // This machine's CPU and LibTorch version, as the key names them.
    static QString currentRuntime();

    // Replaces options.precision "auto" by "fp32" or "bf16" where the prediction runs on the CPU
    // and sets *reason to why ("bf16 0.10× fp32, agrees on 99.8 %: not faster"), and an "auto"
    // options.channelsLast by the layout measured faster; leaves any other request, and CUDA,
    // as they are (*reason empty). Measured at options.tile and batch. `sample`: a part of the
    // image about to be predicted, or null for a synthetic one. Measuring takes a few seconds: a
    // worker's job.
    static void resolve(inference::PredictOptions& options, const inference::SegmentationModel& model,
                        const inference::ImageView* sample, QSettings& settings, QString* reason,
                        const QString& runtime = currentRuntime());

    // What resolve() chose, for a log line: "bf16 (bf16 channels-last 5.86× fp32, …)", or the
    // precision alone where nothing was measured.
    static QString inWords(const inference::PredictOptions& options, const QString& reason);

    // The same for learning (inference::measureTrainingPrecision), kept apart from prediction's
    // choice: bf16 autocast where a training step measured ≥ 1.2× faster. With
    // options.decoderOnly (learning from corrections) kept apart from whole-network training
    // too: fp32, and options.channelsLast where that layout measured faster
    // (inference::measureLearningLayouts).
    static void resolveTraining(inference::TrainOptions& options, const inference::SegmentationModel& model,
                                QSettings& settings, QString* reason,
                                const QString& runtime = currentRuntime());

    // The decision and its reason as kept, if this machine has measured this model.
    static bool cached(const inference::SegmentationModel& model, const QSettings& settings,
                       inference::PrecisionDecision* decision, const QString& runtime = currentRuntime(),
                       const QString& purpose = QStringLiteral("predict"));
};

} // namespace segstudio

#pragma once

#include "annotation/class_palette.h"
#include "annotation/label_mask.h"
#include "annotation/model_version_info.h"
#include "app/jobs/correction_learning.h"
#include "app/jobs/input_scale_search.h"
#include "app/jobs/model_registry.h"
#include "app/jobs/predicted_region.h"
#include "inference/tiled_predictor.h"

#include <QColor>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPoint>
#include <QRect>
#include <QStringList>
#include <atomic>
#include <memory>

class QTimer;

namespace segstudio {

class RasterSource;

// The classes of a model, for checking it against a document's palette.
struct ModelClasses {
    QStringList names;
    QList<QColor> colors;
};

// The one place the application runs networks: a thin runner on its own thread that owns the
// model versions (ModelRegistry) and runs one job at a time in the order they were asked for
// (the thread's event queue), so prediction and training never share the GPU. Jobs are started
// by queued calls from the GUI thread (see SegmentationController) and report with signals; the
// work itself is SegmentationJob and learnFromCorrections(), which the command line runs too.
// Cancel is the only call made across threads directly: it sets a flag the running job polls.
// An image to predict outside the window (Segment All, the next image ahead of the person).
struct FileToSegment {
    int index = -1; // the caller's (a project's image index)
    QString image;
    QString mask;       // where the prediction is saved, and read first when it exists
    QString sourceMask; // else this one, when there is one (a mask that came with the image)
};

class ModelWorker : public QObject {
    Q_OBJECT
public:
    explicit ModelWorker(int maxVersionsInMemory = ModelRegistry::DefaultMaxInMemory);
    ~ModelWorker() override;

    // Thread-safe. Cancels job `job` and every job before it (queued ones are skipped).
    void cancelUpTo(quint64 job) { m_cancelledUpTo.store(job); }

    // All of these run on the worker's thread (invoke them queued).
    void openModel(const QString& path);
    void setPredictOptions(const inference::PredictOptions& options);
    void segment(quint64 job, std::shared_ptr<const RasterSource> image, const QList<QRect>& regions);
    void learn(quint64 job, std::shared_ptr<const RasterSource> image, std::shared_ptr<const LabelMask> mask,
               const LearningSettings& settings);
    // What a round learns from, given the model to fine-tune and the one in use (the one image's
    // corrections, or a project's reviewed images); run on this thread, versioned as learn() does.
    using Learner = std::function<LearningOutcome(
        const LearningModels& models, const std::function<void(const inference::TrainStep&)>& progress,
        const std::atomic<bool>* cancel)>;
    void learnWith(quint64 job, const Learner& learner, const LearningSettings& settings);
    // Predicts whole images that are not open, each into its mask file (read first when it
    // exists, so a person's labels stay; written atomically), one after another; cancelled
    // between regions. fileSegmented() after each, filesFinished() at the end.
    void segmentFiles(quint64 job, const QList<segstudio::FileToSegment>& files, const ClassPalette& palette);
    // The whole image predicted with model version `version` into a mask of its own (the
    // document is not touched): what a comparison with that version shows. versionPredicted()
    // follows, with a null mask when cancelled (between regions) or failed.
    void predictWithVersion(quint64 job, int version, std::shared_ptr<const RasterSource> image,
                            const ClassPalette& palette);
    void useVersion(int id);
    void saveVersion(int id, const QString& path);

    const ModelRegistry& registry() const { return m_registry; } // on the worker's thread only

Q_SIGNALS:
    void modelFailed(const QString& message);
    void versionAdded(const segstudio::ModelVersionInfo& version, const segstudio::ModelClasses& classes);
    void currentVersionChanged(int id);
    void deviceChanged(const QString& description);
    void regionPredicted(const segstudio::PredictedRegion& region);
    void segmentProgress(quint64 job, int done, int total);
    void segmentFinished(quint64 job, bool cancelled, const QString& error);
    void learnProgress(quint64 job, int step, int steps, double loss);
    // `accepted`: the new version passed the acceptance check and is the current one now (else
    // it is listed but not used); `summary` says what it gained on held-out pixels.
    void learnFinished(quint64 job, bool cancelled, const QString& error, bool accepted,
                       const QString& summary);
    void versionSaved(const QString& path, const QString& error);
    void message(const QString& text);
    void fileSegmented(quint64 job, int index, double meanConfidence, const QString& error);
    void filesFinished(quint64 job, bool cancelled);
    void versionPredicted(quint64 job, int version, std::shared_ptr<const segstudio::LabelMask> mask,
                          bool cancelled, const QString& error);

private:
    bool isCancelled(quint64 job) const { return job <= m_cancelledUpTo.load(); }
    bool ensurePredictor(QString* error);
    // The window's options with `auto` precision and layout resolved for `model` (measured once
    // per machine and model, then kept in the settings); `reason` says why, when measured.
    inference::PredictOptions resolvedOptions(inference::SegmentationModel& model, QString* reason) const;
    ModelVersionInfo addVersion(std::unique_ptr<inference::SegmentationModel> model,
                                const ModelVersionInfo& info, bool makeCurrent = true);

    ModelRegistry m_registry;
    int m_currentId = 0;
    inference::PredictOptions m_options;
    int m_predictorVersion = 0; // the version m_predictor was made for
    std::unique_ptr<inference::TiledPredictor> m_predictor;
    QHash<int, int> m_openedOf; // version -> the version opened from disk it descends from
    ScaleScoreCache m_scaleScores; // learning's scale search, from one round to the next
    std::atomic<quint64> m_cancelledUpTo{0};
    QTimer* m_idleRelease; // restarted by every job; fires once the worker has been idle a while
};

} // namespace segstudio

Q_DECLARE_METATYPE(segstudio::ModelClasses)
Q_DECLARE_METATYPE(segstudio::FileToSegment)
Q_DECLARE_METATYPE(std::shared_ptr<const segstudio::LabelMask>)

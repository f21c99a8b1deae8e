#pragma once

#include "annotation/label_mask.h"
#include "app/loop/correction_learning.h"
#include "inference/tiled_predictor.h"
#include "ui/model_versions_panel.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPoint>
#include <QRect>
#include <QStringList>
#include <atomic>
#include <memory>
#include <vector>

namespace segstudio {

class RasterSource;

// One finished piece of a segmentation job: the classes and confidences (0-255) of `rect`.
struct PredictedChunk {
    quint64 job = 0;
    int version = 0; // the model version that predicted it
    QRect rect;
    QByteArray classes;
    QByteArray confidence;
};

// The classes of a model, for checking it against a document's palette.
struct ModelClasses {
    QStringList names;
    QList<QColor> colors;
};

// The one place the application runs networks: it lives on its own thread, owns every model
// version, and runs one job at a time in the order they were asked for (the thread's event
// queue), so prediction and training never share the GPU at the same time. Jobs are started by
// queued calls from the GUI thread (see SegmentationController) and report with signals.
// Cancel is the only call made across threads directly: it sets a flag the running job polls
// between windows and between training steps.
class ModelWorker : public QObject {
    Q_OBJECT
public:
    // The context around each region predicted with it, so its borders see their surroundings.
    static constexpr int Context = 64;

    ModelWorker();
    ~ModelWorker() override;

    // Thread-safe. Cancels job `job` and every job before it (queued ones are skipped).
    void cancelUpTo(quint64 job) { m_cancelledUpTo.store(job); }

    // All of these run on the worker's thread (invoke them queued).
    void openModel(const QString& path);
    // How to predict: the user's preferences.
    void setPredictOptions(const inference::PredictOptions& options);
    void segment(quint64 job, std::shared_ptr<const RasterSource> image, const QList<QRect>& regions);
    void learn(quint64 job, std::shared_ptr<const RasterSource> image, std::shared_ptr<const LabelMask> mask,
               const LearningSettings& settings);
    void useVersion(int id);
    void saveVersion(int id, const QString& path);

Q_SIGNALS:
    void modelFailed(const QString& message);
    void versionAdded(const segstudio::ModelVersionInfo& version, const segstudio::ModelClasses& classes);
    void currentVersionChanged(int id);
    void deviceChanged(const QString& description);
    void chunkPredicted(const segstudio::PredictedChunk& chunk);
    void segmentProgress(quint64 job, int done, int total);
    void segmentFinished(quint64 job, bool cancelled, const QString& error);
    void learnProgress(quint64 job, int step, int steps, double loss);
    // `editedTiles`: the tiles of the mask snapshot a person painted, found here rather than on
    // the GUI thread (a whole-image scan).
    void learnFinished(quint64 job, bool cancelled, const QString& error, const QList<QPoint>& editedTiles);
    void versionSaved(const QString& path, const QString& error);
    void message(const QString& text);

private:
    struct Version;
    bool isCancelled(quint64 job) const { return job <= m_cancelledUpTo.load(); }
    Version* find(int id);
    Version* current();
    bool ensurePredictor(QString* error);
    void addVersion(std::unique_ptr<Version> version);

    std::vector<std::unique_ptr<Version>> m_versions;
    int m_currentId = 0;
    int m_nextId = 1;
    inference::PredictOptions m_options;
    struct PredictorState;
    std::unique_ptr<PredictorState> m_predictor; // for the current version and settings
    std::atomic<quint64> m_cancelledUpTo{0};
};

} // namespace segstudio

Q_DECLARE_METATYPE(segstudio::PredictedChunk)
Q_DECLARE_METATYPE(segstudio::ModelClasses)

#pragma once

#include "annotation/model_version_info.h"
#include "app/jobs/dataset_learning.h"
#include "app/jobs/model_worker.h"
#include "app/jobs/settings.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QRect>
#include <QSet>
#include <deque>
#include <functional>
#include <memory>

class QThread;

namespace segstudio {

class LabelDocument;

// The interactive loop on the GUI side: starts segmentation and learning jobs on the
// ModelWorker's thread, writes the finished regions into the document as they stream in (one
// undo step per job, never over a person's edits unless asked), keeps the per-tile confidence
// for "next uncertain" and the model version of every tile it wrote, and reports progress with
// an ETA. Results of a job that was cancelled or replaced, or predicted by another model
// version, are dropped: no stale tiles. A learned version that passes the acceptance check
// predicts every pixel nobody labelled again, inside edited tiles too, so no seam is left.
class SegmentationController : public QObject {
    Q_OBJECT
public:
    // Batch: whole images that are not open (Segment All, the next image ahead); like Learn it
    // goes on when the window opens another image.
    enum class Job { None, Segment, Learn, Batch, Compare };
    explicit SegmentationController(QObject* parent = nullptr,
                                    int maxVersionsInMemory = ModelRegistry::DefaultMaxInMemory);
    ~SegmentationController() override; // cancels what runs and waits for the worker to stop

    void setDocument(LabelDocument* document);
    void openModel(const QString& path);
    // Reads the preferences (Settings) and hands them to the worker.
    void applySettings();
    LearningSettings learningSettings() const { return Settings::load().learning; }

    Job runningJob() const { return m_running; }
    // Whether learn() can run now: a document with its image, and a model whose classes it has.
    bool canLearn() const;
    bool isBusy() const { return m_running != Job::None; }
    bool hasModel() const { return m_currentVersion > 0; }
    int currentVersion() const { return m_currentVersion; }
    QString deviceDescription() const { return m_device; }

    // Segments `area` (image pixels; clipped to the image), starting nearest to `focus`.
    void segment(const QRect& area, QPointF focus);
    // Fine-tunes the current model on the document's edited and reviewed pixels; when the new
    // version is accepted, predicts every pixel nobody labelled again with it, nearest to the
    // focus (the view) first.
    void learn();
    // The same across a project: fine-tunes on its reviewed images (learnFromDataset()), then
    // predicts the open document's unlabeled pixels again as learn() does.
    void learnAcrossProject(const QList<ReviewedImage>& reviewed, const ClassPalette& classes);
    // Where the person looks (the centre of the view), for the order of re-predictions.
    void setFocusProvider(std::function<QPointF()> focus) { m_focus = std::move(focus); }
    // Predicts `files` one after another into their mask files. A background batch (the next
    // image, predicted before the person gets there) gives way: any job asked for meanwhile
    // cancels it and starts at once.
    void segmentFiles(const QList<FileToSegment>& files, const ClassPalette& palette, bool background);
    bool isBackgroundBatch() const { return m_running == Job::Batch && m_batchInBackground; }
    // The open image predicted with model version `version` into a mask of its own, for the
    // comparison layer; versionPredicted() follows (cancel() stops it between regions).
    void predictWithVersion(int version);
    void cancel();
    void useVersion(int id);
    void saveVersion(int id, const QString& path);

    bool overwritesHumanWork() const { return m_overwrite; }
    void setOverwriteHumanWork(bool overwrite) { m_overwrite = overwrite; }

    // The least confident predicted tile that nobody reviewed and "next uncertain" has not shown
    // since the last segmentation, as a rectangle of image pixels; null when there is none.
    QRect nextUncertainTile();
    double tileConfidence(QPoint tile) const { return m_tileConfidence.value(key(tile), -1.0); }
    // The model version that last predicted into a tile; 0 when none did.
    int tileVersion(QPoint tile) const { return m_tileVersion.value(key(tile), 0); }

Q_SIGNALS:
    void versionAdded(const segstudio::ModelVersionInfo& version);
    void currentVersionChanged(int id);
    void deviceChanged(const QString& description);
    void modelFailed(const QString& message);
    void jobStarted(segstudio::SegmentationController::Job job, const QString& text);
    void jobProgress(int done, int total, double secondsLeft);
    void learnStep(int step, int steps, double loss);
    // Every region that finished is in the document when these come.
    void segmentFinished(bool cancelled, const QString& error);
    // `accepted`: a new version passed the acceptance check and is in use (message() says what
    // it gained on held-out pixels, or why it was not taken).
    void learnFinished(bool cancelled, const QString& error, bool accepted);
    void versionSaved(const QString& path, const QString& error);
    void message(const QString& text);
    // A file of the batch is predicted and saved (`meanConfidence` -1 and `error` when not).
    void fileSegmented(int index, double meanConfidence, const QString& error);
    void batchFinished(bool cancelled, bool background);
    void versionPredicted(int version, std::shared_ptr<const segstudio::LabelMask> mask, bool cancelled,
                          const QString& error);

private:
    static quint64 key(QPoint tile) { return (quint64(quint32(tile.y())) << 32) | quint32(tile.x()); }
    void startSegment(const QList<QRect>& regions, const QString& text, bool overwriteHumanWork);
    void onRegion(const PredictedRegion& region);
    void applyPending();
    void apply(const PredictedRegion& region);
    void finishSegment();
    void onSegmentFinished(quint64 job, bool cancelled, const QString& error);
    void onLearnFinished(quint64 job, bool cancelled, const QString& error, bool accepted,
                         const QString& summary);
    void onVersionAdded(const ModelVersionInfo& version, const ModelClasses& classes);
    bool checkClasses(QString* error) const;
    void yieldBackground(); // cancels a background batch so that another job can start

    QThread* m_thread;
    ModelWorker* m_worker;
    QPointer<LabelDocument> m_document;
    Job m_running = Job::None;
    bool m_batchInBackground = false;
    quint64 m_job = 0;
    int m_currentVersion = 0;
    QString m_device;
    QHash<int, ModelClasses> m_classes; // of every version
    bool m_overwrite = false;           // "Prediction Overwrites My Edits", for segmentations asked for
    bool m_jobOverwrites = false;       // the rule of the segmentation in progress

    std::function<QPointF()> m_focus;

    // The segmentation in progress.
    bool m_workerDone = false;
    bool m_cancelled = false;
    QString m_error;
    std::deque<PredictedRegion> m_pending; // waiting for a stroke in progress to end
    int m_regionsDone = 0;
    int m_regionsTotal = 0;
    QElapsedTimer m_clock;

    QHash<quint64, double> m_tileConfidence; // mean confidence of each predicted tile
    QHash<quint64, int> m_tileVersion;       // the version that predicted each tile
    QSet<quint64> m_shownUncertain;
};

} // namespace segstudio

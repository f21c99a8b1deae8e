#include "app/jobs/segmentation_controller.h"

#include "annotation/label_document.h"
#include "annotation/raster_source.h"
#include "app/jobs/class_mapping.h"
#include "app/jobs/prediction_writer.h"
#include "app/jobs/segmentation_job.h"

#include <QThread>
#include <QTimer>
#include <algorithm>
#include <cmath>
#include <limits>

namespace segstudio {
namespace {

// Commits of one job share this undo merge id, so the job is one undo step.
int mergeIdOf(quint64 job) {
    return 0x53470000 | int(job & 0xFFFF);
}

} // namespace

SegmentationController::SegmentationController(QObject* parent, int maxVersionsInMemory)
    : QObject(parent)
    , m_thread(new QThread(this))
    , m_worker(new ModelWorker(maxVersionsInMemory)) {
    qRegisterMetaType<PredictedRegion>();
    qRegisterMetaType<ModelClasses>();
    qRegisterMetaType<ModelVersionInfo>();
    qRegisterMetaType<std::shared_ptr<const LabelMask>>();
    m_thread->setObjectName(QStringLiteral("model worker"));
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &ModelWorker::versionAdded, this, &SegmentationController::onVersionAdded);
    connect(m_worker, &ModelWorker::currentVersionChanged, this, [this](int id) {
        m_currentVersion = id;
        Q_EMIT currentVersionChanged(id);
    });
    connect(m_worker, &ModelWorker::deviceChanged, this, [this](const QString& device) {
        m_device = device;
        Q_EMIT deviceChanged(device);
    });
    connect(m_worker, &ModelWorker::modelFailed, this, &SegmentationController::modelFailed);
    connect(m_worker, &ModelWorker::message, this, &SegmentationController::message);
    connect(m_worker, &ModelWorker::versionSaved, this, &SegmentationController::versionSaved);
    connect(m_worker, &ModelWorker::regionPredicted, this, &SegmentationController::onRegion);
    connect(m_worker, &ModelWorker::segmentFinished, this, &SegmentationController::onSegmentFinished);
    connect(m_worker, &ModelWorker::learnFinished, this, &SegmentationController::onLearnFinished);
    connect(m_worker, &ModelWorker::fileSegmented, this,
            [this](quint64 job, int index, double confidence, const QString& error) {
                if (job == m_job && m_running == Job::Batch)
                    Q_EMIT fileSegmented(index, confidence, error);
            });
    connect(m_worker, &ModelWorker::segmentProgress, this, [this](quint64 job, int done, int total) {
        if (job != m_job || (m_running != Job::Batch && m_running != Job::Compare))
            return;
        const double elapsed = m_clock.nsecsElapsed() / 1e9;
        Q_EMIT jobProgress(done, total, done > 0 ? elapsed / done * (total - done) : -1);
    });
    connect(m_worker, &ModelWorker::filesFinished, this, [this](quint64 job, bool cancelled) {
        if (job != m_job || m_running != Job::Batch)
            return;
        m_running = Job::None;
        Q_EMIT batchFinished(cancelled, m_batchInBackground);
    });
    connect(m_worker, &ModelWorker::versionPredicted, this,
            [this](quint64 job, int version, std::shared_ptr<const LabelMask> mask, bool cancelled,
                   const QString& error) {
                if (job != m_job || m_running != Job::Compare)
                    return; // for a document left meanwhile
                m_running = Job::None;
                Q_EMIT versionPredicted(version, std::move(mask), cancelled, error);
            });
    connect(m_worker, &ModelWorker::learnProgress, this,
            [this](quint64 job, int step, int steps, double loss) {
                if (job != m_job || m_running != Job::Learn)
                    return;
                const double elapsed = m_clock.nsecsElapsed() / 1e9;
                Q_EMIT learnStep(step, steps, loss);
                Q_EMIT jobProgress(step, steps, step > 0 ? elapsed / step * (steps - step) : -1);
            });
    m_thread->start();
    applySettings();
}

SegmentationController::~SegmentationController() {
    m_worker->cancelUpTo(std::numeric_limits<quint64>::max());
    m_thread->quit();
    m_thread->wait();
}

void SegmentationController::setDocument(LabelDocument* document) {
    // A segmentation belongs to its document; learning does not: it goes on, and its new version
    // predicts the new document when accepted (a project learns while the person moves on).
    if (m_running == Job::Segment || m_running == Job::Compare) {
        cancel();
        if (m_running == Job::Compare)
            Q_EMIT versionPredicted(0, nullptr, true, {});
        m_running = Job::None;
    }
    m_pending.clear();
    m_document = document;
    m_tileConfidence.clear();
    m_tileVersion.clear();
    m_shownUncertain.clear();
}

void SegmentationController::openModel(const QString& path) {
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, path] { worker->openModel(path); }, Qt::QueuedConnection);
}

void SegmentationController::applySettings() {
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, prediction = Settings::load().prediction] {
            worker->setPredictOptions(prediction);
        },
        Qt::QueuedConnection);
}

bool SegmentationController::checkClasses(QString* error) const {
    const auto classes = m_classes.constFind(m_currentVersion);
    if (classes == m_classes.cend()) {
        *error = tr("No model is open yet.");
        return false;
    }
    *error = ClassMapping::missingClasses(m_document->palette(), classes->names);
    return error->isEmpty();
}

void SegmentationController::yieldBackground() {
    if (!isBackgroundBatch())
        return;
    m_worker->cancelUpTo(m_job);
    m_running = Job::None;
    Q_EMIT batchFinished(true, true);
}

void SegmentationController::segmentFiles(const QList<FileToSegment>& files, const ClassPalette& palette,
                                          bool background) {
    yieldBackground();
    if (files.isEmpty() || !hasModel() || isBusy())
        return;
    m_running = Job::Batch;
    m_batchInBackground = background;
    ++m_job;
    m_clock.start();
    Q_EMIT jobStarted(Job::Batch, background ? tr("Predicting the next image")
                                             : tr("Segmenting %n image(s)", nullptr, int(files.size())));
    Q_EMIT jobProgress(0, int(files.size()), -1);
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, job = m_job, files, palette] { worker->segmentFiles(job, files, palette); },
        Qt::QueuedConnection);
}

void SegmentationController::predictWithVersion(int version) {
    yieldBackground();
    if (!m_document || !m_document->image() || isBusy())
        return;
    m_running = Job::Compare;
    ++m_job;
    m_clock.start();
    Q_EMIT jobStarted(Job::Compare, tr("Predicting with model version %1 for the comparison").arg(version));
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, job = m_job, version, image = m_document->image(),
         palette = m_document->palette()] { worker->predictWithVersion(job, version, image, palette); },
        Qt::QueuedConnection);
}

void SegmentationController::segment(const QRect& area, QPointF focus) {
    yieldBackground();
    if (!m_document || !m_document->image() || isBusy())
        return;
    QString error;
    if (!checkClasses(&error)) {
        Q_EMIT segmentFinished(false, error);
        return;
    }
    const QList<QRect> regions = SegmentationJob::regionsOf(area, m_document->mask().size(), focus);
    if (regions.isEmpty())
        return;
    startSegment(regions, tr("Segmenting"), m_overwrite);
}

void SegmentationController::startSegment(const QList<QRect>& regions, const QString& text,
                                          bool overwriteHumanWork) {
    m_jobOverwrites = overwriteHumanWork;
    m_running = Job::Segment;
    ++m_job;
    m_workerDone = false;
    m_cancelled = false;
    m_error.clear();
    m_pending.clear();
    m_regionsDone = 0;
    m_regionsTotal = int(regions.size());
    m_shownUncertain.clear();
    m_clock.start();
    Q_EMIT jobStarted(Job::Segment, text);
    Q_EMIT jobProgress(0, m_regionsTotal, -1);
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, job = m_job, image = m_document->image(), regions] {
            worker->segment(job, image, regions);
        },
        Qt::QueuedConnection);
}

bool SegmentationController::canLearn() const {
    QString error;
    return m_document && m_document->image() && !isBusy() && checkClasses(&error);
}

void SegmentationController::learn() {
    yieldBackground();
    if (!m_document || !m_document->image() || isBusy())
        return;
    QString error;
    if (!checkClasses(&error)) {
        Q_EMIT learnFinished(false, error, false);
        return;
    }
    m_running = Job::Learn;
    ++m_job;
    m_clock.start();
    Q_EMIT jobStarted(Job::Learn, tr("Learning from corrections"));
    // A snapshot: tiles are shared copy-on-write, so the user keeps editing meanwhile.
    auto mask = std::make_shared<const LabelMask>(m_document->mask());
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, job = m_job, image = m_document->image(), mask, settings = learningSettings()] {
            worker->learn(job, image, mask, settings);
        },
        Qt::QueuedConnection);
}

void SegmentationController::learnAcrossProject(const QList<ReviewedImage>& reviewed,
                                                const ClassPalette& classes) {
    yieldBackground();
    if (reviewed.isEmpty() || !hasModel() || isBusy())
        return;
    QString error;
    if (m_document && !checkClasses(&error)) {
        Q_EMIT learnFinished(false, error, false);
        return;
    }
    m_running = Job::Learn;
    ++m_job;
    m_clock.start();
    Q_EMIT jobStarted(Job::Learn, tr("Learning from %n reviewed image(s)", nullptr, int(reviewed.size())));
    DatasetLearningSettings settings;
    settings.learning = DatasetLearningSettings::acrossImages(learningSettings());
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, job = m_job, reviewed, classes, settings] {
            worker->learnWith(
                job,
                [&](const LearningModels& models,
                    const std::function<void(const inference::TrainStep&)>& progress,
                    const std::atomic<bool>* cancel) {
                    return learnFromDataset(models, reviewed, classes, settings, progress, cancel);
                },
                settings.learning);
        },
        Qt::QueuedConnection);
}

void SegmentationController::cancel() {
    if (!isBusy())
        return;
    m_worker->cancelUpTo(m_job);
    Q_EMIT message(tr("Cancelling…"));
}

void SegmentationController::useVersion(int id) {
    if (isBusy())
        return;
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, id] { worker->useVersion(id); }, Qt::QueuedConnection);
}

void SegmentationController::saveVersion(int id, const QString& path) {
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, id, path] { worker->saveVersion(id, path); }, Qt::QueuedConnection);
}

void SegmentationController::onVersionAdded(const ModelVersionInfo& version, const ModelClasses& classes) {
    m_classes.insert(version.id, classes);
    Q_EMIT versionAdded(version);
}

void SegmentationController::onRegion(const PredictedRegion& region) {
    if (region.job != m_job || m_running != Job::Segment || region.version != m_currentVersion || !m_document)
        return; // from a cancelled or replaced job, or another model: never shown
    m_pending.push_back(region);
    applyPending();
}

void SegmentationController::applyPending() {
    if (!m_document)
        return;
    if (m_document->isEditing()) {
        // One painter per document: the stroke in progress finishes first.
        QTimer::singleShot(30, this, &SegmentationController::applyPending);
        return;
    }
    while (!m_pending.empty()) {
        apply(m_pending.front());
        m_pending.pop_front();
    }
    if (m_workerDone)
        finishSegment();
}

void SegmentationController::apply(const PredictedRegion& region) {
    if (region.job != m_job)
        return;
    PredictionRules rules;
    rules.overwriteHumanWork = m_jobOverwrites;
    rules.mergeId = mergeIdOf(region.job);
    for (const TileConfidence& tile : PredictionWriter::write(*m_document, region, rules)) {
        m_tileConfidence.insert(key(tile.tile), tile.mean);
        m_tileVersion.insert(key(tile.tile), region.version);
    }
    // A whole 40 000² orthophoto predicted is gigabytes of tiles: those far from the view wait
    // on disk until someone looks at them.
    m_document->releaseTiles(m_focus ? m_focus() : QRectF(region.rect).center());
    ++m_regionsDone;
    const double elapsed = m_clock.nsecsElapsed() / 1e9;
    Q_EMIT jobProgress(m_regionsDone, m_regionsTotal,
                       elapsed / m_regionsDone * (m_regionsTotal - m_regionsDone));
}

void SegmentationController::onSegmentFinished(quint64 job, bool cancelled, const QString& error) {
    if (job != m_job || m_running != Job::Segment)
        return;
    m_workerDone = true;
    m_cancelled = cancelled;
    m_error = error;
    applyPending();
}

void SegmentationController::finishSegment() {
    m_running = Job::None;
    m_workerDone = false;
    Q_EMIT segmentFinished(m_cancelled, m_error);
}

void SegmentationController::onLearnFinished(quint64 job, bool cancelled, const QString& error, bool accepted,
                                             const QString& summary) {
    if (job != m_job || m_running != Job::Learn)
        return;
    m_running = Job::None;
    Q_EMIT learnFinished(cancelled, error, accepted);
    if (!summary.isEmpty())
        Q_EMIT message(summary);
    if (cancelled || !error.isEmpty() || !accepted || !m_document)
        return;
    // Every pixel nobody labelled, edited tiles included (the writer keeps a person's labels):
    // a tile that kept the old version's prediction around an edit would show a seam.
    const QRect whole = m_document->mask().rect();
    const QPointF focus = m_focus ? m_focus() : QRectF(whole).center();
    const QList<QRect> regions = SegmentationJob::regionsOf(whole, whole.size(), focus);
    if (!regions.isEmpty())
        // Never over a person's labels, whatever the toggle says: they are what it learned from.
        startSegment(regions, tr("Predicting again with the new version"), false);
}

QRect SegmentationController::nextUncertainTile() {
    if (!m_document)
        return {};
    const LabelMask& mask = m_document->mask();
    // Least confident first; only the tiles up to the first one that qualifies are looked into.
    std::vector<std::pair<double, quint64>> candidates;
    candidates.reserve(size_t(m_tileConfidence.size()));
    for (auto it = m_tileConfidence.cbegin(); it != m_tileConfidence.cend(); ++it)
        if (!m_shownUncertain.contains(it.key()))
            candidates.emplace_back(it.value(), it.key());
    std::sort(candidates.begin(), candidates.end());
    const auto isReviewed = [&](quint64 tileKey) {
        const int tx = int(quint32(tileKey)), ty = int(tileKey >> 32);
        // A tile only in the store: nobody touched it since it was predicted (and the GUI thread
        // does not read the store's file).
        if (!mask.isInMemory(tx, ty) && mask.storedTile(tx, ty))
            return !mask.tileHolds(tx, ty, Provenance::Predicted);
        const auto t = mask.tile(tx, ty);
        if (!t)
            return true; // nothing predicted there any more (undone)
        // Reviewed: a person went over most of its labels.
        const auto human = std::count_if(t->provenance.begin(), t->provenance.end(), isHumanProvenance);
        const auto labelled =
            std::count_if(t->classes.begin(), t->classes.end(), [](quint8 c) { return c != Unlabeled; });
        return labelled == 0 || human * 2 >= labelled;
    };
    const auto next = std::find_if(candidates.begin(), candidates.end(),
                                   [&](const auto& candidate) { return !isReviewed(candidate.second); });
    if (next == candidates.end())
        return {};
    const quint64 best = next->second;
    m_shownUncertain.insert(best);
    return mask.tileRect(int(quint32(best)), int(best >> 32));
}

} // namespace segstudio

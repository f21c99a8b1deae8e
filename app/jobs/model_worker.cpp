#include "app/jobs/model_worker.h"

#include "annotation/label_document.h"
#include "annotation/mask_files.h"
#include "annotation/mask_statistics.h"
#include "annotation/raster_source.h"
#include "app/jobs/app_paths.h"
#include "app/jobs/precision_choice.h"
#include "app/jobs/segmentation_job.h"
#include "app/jobs/settings.h"
#include "inference/heap_tuning.h"
#include "inference/segmentation_model.h"

#include <QDateTime>
#include <QFileInfo>
#include <QTimer>
#include <exception>
#include <new>

namespace segstudio {
namespace {

ModelClasses classesOf(const inference::SegmentationModel& model) {
    ModelClasses classes;
    for (const auto& c : model.metadata().classes) {
        classes.names.append(QString::fromStdString(c.name));
        classes.colors.append(QColor(QString::fromStdString(c.color)));
    }
    return classes;
}

} // namespace

ModelWorker::ModelWorker(int maxVersionsInMemory)
    : m_registry(maxVersionsInMemory)
    , m_idleRelease(new QTimer(this)) {
    // The engine keeps freed memory for the next forward pass (see heap_tuning.h); once no job
    // has started for a while it goes back to the system. A child, so it moves with the worker's
    // thread.
    m_idleRelease->setSingleShot(true);
    m_idleRelease->setInterval(std::chrono::seconds(5));
    connect(m_idleRelease, &QTimer::timeout, this, [] { inference::releaseFreedMemory(); });
}

ModelWorker::~ModelWorker() = default;

ModelVersionInfo ModelWorker::addVersion(std::unique_ptr<inference::SegmentationModel> model,
                                         const ModelVersionInfo& info, bool makeCurrent) {
    const ModelClasses classes = classesOf(*model);
    // Adding may spill the current version to disk: no predictor may hold it then.
    m_predictor.reset();
    m_registry.pin(0);
    const ModelVersionInfo added = m_registry.add(std::move(model), info);
    Q_EMIT versionAdded(added, classes);
    if (makeCurrent)
        useVersion(added.id);
    else
        m_registry.pin(m_currentId);
    return added;
}

void ModelWorker::openModel(const QString& path) {
    QString why;
    auto model = ModelRegistry::load(path, &why);
    if (!model) {
        Q_EMIT modelFailed(tr("Cannot open the model %1: %2").arg(path, why));
        return;
    }
    const ModelVersionInfo info = ModelRegistry::describeFile(*model, path);
    const ModelVersionInfo added = addVersion(std::move(model), info);
    m_openedOf.insert(added.id, added.id);
}

void ModelWorker::setPredictOptions(const inference::PredictOptions& options) {
    m_options = options;
    m_predictor.reset(); // made again for the new device or precision on the next job
    QString error;
    if (m_registry.contains(m_currentId) && !ensurePredictor(&error))
        Q_EMIT message(error);
}

inference::PredictOptions ModelWorker::resolvedOptions(inference::SegmentationModel& model,
                                                       QString* reason) const {
    inference::PredictOptions options = m_options;
    QSettings settings;
    PrecisionChoice::resolve(options, model, nullptr, settings, reason);
    return options;
}

bool ModelWorker::ensurePredictor(QString* error) {
    if (!m_registry.contains(m_currentId)) {
        *error = tr("No model is open.");
        return false;
    }
    if (m_predictor && m_predictorVersion == m_currentId)
        return true;
    m_predictor.reset();
    inference::SegmentationModel* model = m_registry.model(m_currentId, error);
    if (!model)
        return false;
    std::string why;
    QString precisionReason;
    const inference::PredictOptions options = resolvedOptions(*model, &precisionReason);
    auto predictor = inference::TiledPredictor::create(*model, options, &why);
    if (!predictor) {
        *error = tr("Cannot use the model on %1: %2")
                     .arg(QString::fromStdString(m_options.device), QString::fromStdString(why));
        return false;
    }
    predictor->setMessageCallback(
        [this](const std::string& text) { Q_EMIT message(QString::fromStdString(text)); });
    const QString precision = QString::fromStdString(predictor->precisionName());
    QString device = QString::fromStdString(predictor->deviceDescription()) + QStringLiteral(" · ");
    // A measured choice's reason starts with what it chose ("bf16 channels-last 4.87× fp32…"):
    // said once, not "bf16 (bf16 channels-last …)".
    if (precisionReason.startsWith(precision + QLatin1Char(' ')))
        device += precisionReason;
    else if (!precisionReason.isEmpty())
        device += QStringLiteral("%1 (%2)").arg(precision, precisionReason);
    else
        device += precision;
    if (m_options.views > 1)
        device += tr(" · %1 views").arg(m_options.views);
    Q_EMIT deviceChanged(device);
    m_predictorVersion = m_currentId;
    m_predictor = std::move(predictor);
    return true;
}

void ModelWorker::segment(quint64 job, std::shared_ptr<const RasterSource> image,
                          const QList<QRect>& regions) {
    m_idleRelease->start();
    if (isCancelled(job)) {
        Q_EMIT segmentFinished(job, true, {});
        return;
    }
    QString error;
    if (!ensurePredictor(&error)) {
        Q_EMIT segmentFinished(job, false, error);
        return;
    }
    const int version = m_predictorVersion;
    int done = 0;
    SegmentationJob segmentation(*m_predictor, *image);
    const bool ok = segmentation.run(
        regions,
        [&](PredictedRegion& region) {
            region.job = job;
            region.version = version;
            Q_EMIT regionPredicted(region);
            Q_EMIT segmentProgress(job, ++done, int(regions.size()));
        },
        [&] { return isCancelled(job); }, &error);
    if (!ok && (isCancelled(job) || error.isEmpty()))
        Q_EMIT segmentFinished(job, true, {});
    else
        Q_EMIT segmentFinished(job, false, error);
}

void ModelWorker::learn(quint64 job, std::shared_ptr<const RasterSource> image,
                        std::shared_ptr<const LabelMask> mask, const LearningSettings& settings) {
    learnWith(
        job,
        [image, mask, settings](const LearningModels& models,
                                const std::function<void(const inference::TrainStep&)>& progress,
                                const std::atomic<bool>* cancel) {
            return learnFromCorrections(models, *mask, *image, settings, progress, cancel);
        },
        settings);
}

void ModelWorker::learnWith(quint64 job, const Learner& learner, const LearningSettings& settings) {
    m_idleRelease->start();
    QString error;
    // What is fine-tuned: the version opened from disk that the current one descends from (every
    // round learns all corrections so far from there, so drift does not add up), or the current.
    const int baseId = settings.fromOpenedModel ? m_openedOf.value(m_currentId, m_currentId) : m_currentId;
    inference::SegmentationModel* current =
        m_registry.contains(m_currentId) ? m_registry.model(m_currentId, &error) : nullptr;
    inference::SegmentationModel* base =
        current && baseId != m_currentId ? m_registry.model(baseId, &error) : current;
    if (isCancelled(job) || !base) {
        Q_EMIT learnFinished(job, isCancelled(job),
                             base || isCancelled(job) ? QString()
                             : error.isEmpty()        ? tr("No model is open.")
                                                      : error,
                             false, {});
        return;
    }
    const ModelVersionInfo baseInfo = *m_registry.info(baseId);
    std::atomic<bool> cancel{false};
    const auto progress = [&](const inference::TrainStep& step) {
        cancel.store(isCancelled(job));
        Q_EMIT learnProgress(job, step.step, step.steps, step.loss);
    };
    // The new version is judged against the current one, whatever it was fine-tuned from.
    current = m_registry.model(m_currentId, &error);
    if (!current) {
        Q_EMIT learnFinished(job, false, error, false, {});
        return;
    }
    LearningOutcome outcome;
    // Whatever a library throws on the way (memory that runs out, a kernel that cannot run here)
    // ends this round with a message; left to escape, it would end the program. The version in
    // use stays, and the person's corrections are in the document, untouched.
    try {
        outcome = learner({*base, *current, &m_scaleScores}, progress, &cancel);
    } catch (const std::bad_alloc&) {
        Q_EMIT learnFinished(job, false, tr("Learning ran out of memory; the model in use is unchanged."),
                             false, {});
        return;
    } catch (const std::exception& e) {
        const QString why = QString::fromUtf8(e.what());
        Q_EMIT learnFinished(job, false, tr("Learning failed: %1. The model in use is unchanged.").arg(why),
                             false, {});
        return;
    }
    if (isCancelled(job) || outcome.training.cancelled) {
        Q_EMIT learnFinished(job, true, {}, false, {});
        return;
    }
    if (!outcome.model) {
        Q_EMIT learnFinished(job, false, outcome.error, false, {});
        return;
    }
    ModelVersionInfo info;
    info.name = tr("learned %1").arg(m_registry.count() + 1);
    info.origin =
        tr("fine-tuned from %1 on %2 corrected pixels").arg(baseInfo.name).arg(outcome.correctedPixels);
    if (outcome.inputScaleChanged) // chosen on the corrected tiles: worth saying where it came from
        info.origin += tr(", input scale %1×").arg(outcome.inputScale, 0, 'g', 3);
    info.created = QDateTime::currentDateTime();
    info.correctedPixels = outcome.correctedPixels;
    info.steps = outcome.training.steps;
    info.finalLoss = outcome.training.finalLoss;
    info.heldOutMiou = outcome.heldOutMiou;
    outcome.model->metadata().name = info.name.toStdString();
    const int previous = m_currentId;
    const ModelVersionInfo added = addVersion(std::move(outcome.model), info, outcome.accepted);
    m_openedOf.insert(added.id, m_openedOf.value(baseId, baseId));
    QString summary;
    if (outcome.baselineMiou < 0)
        summary = tr("Learned %1 from %2 corrected pixels (no reviewed tiles held out to score it)")
                      .arg(added.name)
                      .arg(outcome.correctedPixels);
    else if (outcome.accepted)
        summary = tr("Learned %1: held-out mIoU %2 → %3")
                      .arg(added.name)
                      .arg(outcome.baselineMiou, 0, 'f', 3)
                      .arg(outcome.heldOutMiou, 0, 'f', 3);
    else
        summary = tr("%1 was worse on your reviewed tiles (held-out mIoU %2 → %3): version %4 stays in use; "
                     "%1 is listed in Model Versions")
                      .arg(added.name)
                      .arg(outcome.baselineMiou, 0, 'f', 3)
                      .arg(outcome.heldOutMiou, 0, 'f', 3)
                      .arg(previous);
    Q_EMIT learnFinished(job, false, {}, outcome.accepted, summary);
}

void ModelWorker::segmentFiles(quint64 job, const QList<FileToSegment>& files, const ClassPalette& palette) {
    m_idleRelease->start();
    QString error;
    if (!ensurePredictor(&error)) {
        for (const FileToSegment& file : files)
            Q_EMIT fileSegmented(job, file.index, -1, error);
        Q_EMIT filesFinished(job, false);
        return;
    }
    for (int n = 0; n < files.size(); ++n) {
        if (isCancelled(job)) {
            Q_EMIT filesFinished(job, true);
            return;
        }
        const FileToSegment& file = files[n];
        error.clear();
        double confidence = -1;
        const auto image = RasterSource::open(file.image, &error);
        std::optional<LabelMask> mask;
        // Which mask to start from is decided here: checking thousands of files is no work for
        // the GUI thread. A person's labels in it are kept.
        const QString readFrom = QFileInfo::exists(file.mask) ? file.mask : file.sourceMask;
        if (image)
            mask = QFileInfo::exists(readFrom) ? MaskFiles::load(readFrom, image->size(), palette, &error)
                                               : std::optional<LabelMask>(LabelMask(image->size()));
        if (image && mask) {
            // A document of this thread's own, never shown: the window's writer and rules.
            LabelDocument document(std::move(*mask), palette);
            document.setImage(image);
            document.history().setLimits(0, 1);
            SegmentationJob segmentation(*m_predictor, *image);
            const bool ok = segmentation.segmentDocument(document, PredictionRules{}, {}, &error,
                                                         [&] { return isCancelled(job); });
            if (isCancelled(job)) {
                Q_EMIT filesFinished(job, true);
                return;
            }
            if (ok && MaskFiles::save(file.mask, document.mask(), palette, image->georeference(), &error,
                                      image->info().attribution))
                confidence = MaskStatistics::of(document.mask()).meanPredictedConfidence;
        }
        Q_EMIT fileSegmented(job, file.index, confidence, error);
        Q_EMIT segmentProgress(job, n + 1, int(files.size()));
    }
    Q_EMIT filesFinished(job, false);
}

void ModelWorker::useVersion(int id) {
    if (!m_registry.contains(id)) {
        Q_EMIT message(tr("There is no model version %1.").arg(id));
        return;
    }
    m_currentId = id;
    m_registry.pin(id);
    Q_EMIT currentVersionChanged(id);
    QString error;
    if (!ensurePredictor(&error))
        Q_EMIT message(error);
}

void ModelWorker::predictWithVersion(quint64 job, int version, std::shared_ptr<const RasterSource> image,
                                     const ClassPalette& palette) {
    m_idleRelease->start();
    QString error;
    const auto finish = [&](std::shared_ptr<const LabelMask> mask) {
        Q_EMIT versionPredicted(job, version, std::move(mask), isCancelled(job), error);
    };
    if (isCancelled(job))
        return finish(nullptr);
    // The current version's predictor is kept for the window; another gets one for this job.
    std::unique_ptr<inference::TiledPredictor> own;
    inference::TiledPredictor* predictor = nullptr;
    if (version == m_currentId) {
        if (!ensurePredictor(&error))
            return finish(nullptr);
        predictor = m_predictor.get();
    } else {
        inference::SegmentationModel* model =
            m_registry.contains(version) ? m_registry.model(version, &error) : nullptr;
        if (!model) {
            if (error.isEmpty())
                error = tr("There is no model version %1.").arg(version);
            return finish(nullptr);
        }
        std::string why;
        // In the precision this version would predict in for the window (the settings keep
        // that choice), so that the comparison is what the version itself shows.
        QString precisionReason;
        own = inference::TiledPredictor::create(*model, resolvedOptions(*model, &precisionReason), &why);
        if (!own) {
            error = tr("Cannot use model version %1 on %2: %3")
                        .arg(version)
                        .arg(QString::fromStdString(m_options.device), QString::fromStdString(why));
            return finish(nullptr);
        }
        predictor = own.get();
    }
    // A document of this thread's own, never shown: the window's writer and rules.
    LabelDocument document(LabelMask(image->size()), palette);
    document.setImage(image);
    document.history().setLimits(0, 1);
    // Beyond the memory budget the predicted tiles wait in a scratch file, as the window's do
    // (a 40 000² prediction is 4.7 GB); the overlay reads those in view back.
    document.setTileStoreFolder(tileScratchFolder());
    document.setMemoryBudget(Settings::load().maskMemoryBytes);
    const bool ok = SegmentationJob(*predictor, *image)
                        .segmentDocument(
                            document, PredictionRules{},
                            [&](int done, int total) {
                                document.releaseTiles(QPointF());
                                Q_EMIT segmentProgress(job, done, total);
                            },
                            &error, [&] { return isCancelled(job); });
    finish(ok && !isCancelled(job) ? std::make_shared<const LabelMask>(document.mask()) : nullptr);
}

void ModelWorker::saveVersion(int id, const QString& path) {
    QString error;
    Q_EMIT versionSaved(path, m_registry.save(id, path, &error) ? QString() : error);
}

} // namespace segstudio

#include "app/loop/model_worker.h"

#include "annotation/raster_source.h"
#include "app/cli/cli_support.h"
#include "inference/segmentation_model.h"
#include "inference/tiled_predictor.h"

#include <QColor>
#include <QFileInfo>
#include <cmath>

namespace segstudio {

struct ModelWorker::Version {
    ModelVersionInfo info;
    std::unique_ptr<inference::SegmentationModel> model;
};

struct ModelWorker::PredictorState {
    int version = 0;
    std::unique_ptr<inference::TiledPredictor> predictor;
};

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

ModelWorker::ModelWorker() = default;
ModelWorker::~ModelWorker() = default;

ModelWorker::Version* ModelWorker::find(int id) {
    for (auto& version : m_versions)
        if (version->info.id == id)
            return version.get();
    return nullptr;
}

ModelWorker::Version* ModelWorker::current() {
    return find(m_currentId);
}

void ModelWorker::addVersion(std::unique_ptr<Version> version) {
    version->info.id = m_nextId++;
    const ModelVersionInfo info = version->info;
    const ModelClasses classes = classesOf(*version->model);
    m_versions.push_back(std::move(version));
    Q_EMIT versionAdded(info, classes);
    useVersion(info.id);
}

void ModelWorker::openModel(const QString& path) {
    std::string why;
    auto model = inference::SegmentationModel::load(cli::resolveModelPath(path).toStdString(), &why);
    if (!model) {
        Q_EMIT modelFailed(tr("Cannot open the model %1: %2").arg(path, QString::fromStdString(why)));
        return;
    }
    auto version = std::make_unique<Version>();
    const QFileInfo file(cli::resolveModelPath(path));
    const auto& metadata = model->metadata();
    version->info.name =
        metadata.name.empty() ? file.completeBaseName() : QString::fromStdString(metadata.name);
    version->info.origin = file.absoluteFilePath();
    version->info.created = file.lastModified();
    if (!metadata.history.empty()) {
        const auto& last = metadata.history.back();
        version->info.correctedPixels = 0; // trained elsewhere, not on corrections made here
        version->info.steps = 0;
        version->info.finalLoss = last.finalLoss;
    }
    version->model = std::move(model);
    addVersion(std::move(version));
}

void ModelWorker::setPredictOptions(const inference::PredictOptions& options) {
    m_options = options;
    m_predictor.reset(); // made again for the new device or precision on the next job
    QString error;
    if (current() && !ensurePredictor(&error))
        Q_EMIT message(error);
}

bool ModelWorker::ensurePredictor(QString* error) {
    Version* version = current();
    if (!version) {
        *error = tr("No model is open.");
        return false;
    }
    if (m_predictor && m_predictor->version == version->info.id)
        return true;
    m_predictor.reset();
    std::string why;
    auto predictor = inference::TiledPredictor::create(*version->model, m_options, &why);
    if (!predictor) {
        *error = tr("Cannot use the model on %1: %2")
                     .arg(QString::fromStdString(m_options.device), QString::fromStdString(why));
        return false;
    }
    predictor->setMessageCallback(
        [this](const std::string& text) { Q_EMIT message(QString::fromStdString(text)); });
    QString device =
        QString::fromStdString(predictor->deviceDescription() + " · " + predictor->precisionName());
    if (m_options.views > 1)
        device += tr(" · %1 views").arg(m_options.views);
    Q_EMIT deviceChanged(device);
    m_predictor = std::make_unique<PredictorState>();
    m_predictor->version = version->info.id;
    m_predictor->predictor = std::move(predictor);
    return true;
}

void ModelWorker::segment(quint64 job, std::shared_ptr<const RasterSource> image,
                          const QList<QRect>& regions) {
    if (isCancelled(job)) {
        Q_EMIT segmentFinished(job, true, {});
        return;
    }
    QString error;
    if (!ensurePredictor(&error)) {
        Q_EMIT segmentFinished(job, false, error);
        return;
    }
    const int version = m_predictor->version;
    const QRect bounds(QPoint(0, 0), image->size());
    // The running job's cancel flag, as the predictor polls it between batches of windows.
    std::atomic<bool> cancel{false};
    int done = 0;
    for (const QRect& region : regions) {
        if (isCancelled(job)) {
            Q_EMIT segmentFinished(job, true, {});
            return;
        }
        const QRect window = region.adjusted(-Context, -Context, Context, Context) & bounds;
        std::vector<uint8_t> rgb;
        if (!cli::readRgb(*image, window, rgb, &error)) {
            Q_EMIT segmentFinished(job, false, tr("Cannot read the image: %1").arg(error));
            return;
        }
        inference::Prediction prediction;
        std::string why;
        const bool ok = m_predictor->predictor->predict(
            {rgb.data(), window.width(), window.height(), 0}, prediction,
            [&](int, int) { cancel.store(isCancelled(job)); }, &cancel, &why);
        if (!ok) {
            if (isCancelled(job))
                Q_EMIT segmentFinished(job, true, {});
            else
                Q_EMIT segmentFinished(job, false, QString::fromStdString(why));
            return;
        }
        PredictedChunk chunk;
        chunk.job = job;
        chunk.version = version;
        chunk.rect = region & bounds;
        chunk.classes.resize(qsizetype(chunk.rect.width()) * chunk.rect.height());
        chunk.confidence.resize(chunk.classes.size());
        const int dx = chunk.rect.left() - window.left(), dy = chunk.rect.top() - window.top();
        for (int y = 0; y < chunk.rect.height(); ++y) {
            const size_t in = size_t(y + dy) * window.width() + dx;
            const qsizetype out = qsizetype(y) * chunk.rect.width();
            std::memcpy(chunk.classes.data() + out, prediction.classes.data() + in,
                        size_t(chunk.rect.width()));
            for (int x = 0; x < chunk.rect.width(); ++x) {
                // 0 means "never predicted": the least a prediction can say is 1.
                const int byte = int(std::lround(prediction.confidence[in + x] * 255.0f));
                chunk.confidence[out + x] = char(std::clamp(byte, 1, 255));
            }
        }
        Q_EMIT chunkPredicted(chunk);
        Q_EMIT segmentProgress(job, ++done, int(regions.size()));
    }
    Q_EMIT segmentFinished(job, false, {});
}

void ModelWorker::learn(quint64 job, std::shared_ptr<const RasterSource> image,
                        std::shared_ptr<const LabelMask> mask, const LearningSettings& settings) {
    Version* base = current();
    if (isCancelled(job) || !base) {
        Q_EMIT learnFinished(job, isCancelled(job), base ? QString() : tr("No model is open."), {});
        return;
    }
    std::atomic<bool> cancel{false};
    const auto progress = [&](const inference::TrainStep& step) {
        cancel.store(isCancelled(job));
        Q_EMIT learnProgress(job, step.step, step.steps, step.loss);
    };
    LearningOutcome outcome = learnFromCorrections(*base->model, *mask, *image, settings, progress, &cancel);
    if (isCancelled(job) || outcome.training.cancelled) {
        Q_EMIT learnFinished(job, true, {}, {});
        return;
    }
    if (!outcome.model) {
        Q_EMIT learnFinished(job, false, outcome.error, {});
        return;
    }
    auto version = std::make_unique<Version>();
    version->info.name = tr("learned %1").arg(m_nextId);
    version->info.origin =
        tr("fine-tuned from %1 on %2 corrected pixels").arg(base->info.name).arg(outcome.correctedPixels);
    version->info.created = QDateTime::currentDateTime();
    version->info.correctedPixels = outcome.correctedPixels;
    version->info.steps = outcome.training.steps;
    version->info.finalLoss = outcome.training.finalLoss;
    version->info.heldOutMiou = outcome.heldOutMiou;
    version->model = std::move(outcome.model);
    version->model->metadata().name = version->info.name.toStdString();
    addVersion(std::move(version));
    Q_EMIT learnFinished(job, false, {}, editedTiles(*mask));
}

void ModelWorker::useVersion(int id) {
    if (!find(id)) {
        Q_EMIT message(tr("There is no model version %1.").arg(id));
        return;
    }
    m_currentId = id;
    Q_EMIT currentVersionChanged(id);
    QString error;
    if (!ensurePredictor(&error))
        Q_EMIT message(error);
}

void ModelWorker::saveVersion(int id, const QString& path) {
    Version* version = find(id);
    if (!version) {
        Q_EMIT versionSaved(path, tr("There is no model version %1.").arg(id));
        return;
    }
    std::string why;
    if (!version->model->save(path.toStdString(), &why)) {
        Q_EMIT versionSaved(path, QString::fromStdString(why));
        return;
    }
    Q_EMIT versionSaved(path, {});
}

} // namespace segstudio

#include "app/jobs/model_registry.h"

#include "app/jobs/app_paths.h"
#include "inference/segmentation_model.h"

#include <QDir>
#include <QFileInfo>
#include <algorithm>

namespace segstudio {

struct ModelRegistry::Version {
    ModelVersionInfo info;
    std::unique_ptr<inference::SegmentationModel> model; // null while spilled
    QString spillPath;                                   // set once written to the spill folder
    quint64 lastUse = 0;
};

ModelRegistry::ModelRegistry(int maxInMemory)
    : m_maxInMemory(std::max(1, maxInMemory)) {
}

ModelRegistry::~ModelRegistry() = default;

QString ModelRegistry::resolvePath(const QString& model) {
    if (model == QLatin1String("default"))
        return QDir(sharedDataDirectory()).absoluteFilePath(QStringLiteral("models/default/model.pt"));
    return model;
}

std::unique_ptr<inference::SegmentationModel> ModelRegistry::load(const QString& model, QString* error) {
    std::string why;
    auto loaded = inference::SegmentationModel::load(resolvePath(model).toStdString(), &why);
    if (!loaded && error)
        *error = QString::fromStdString(why);
    return loaded;
}

ModelVersionInfo ModelRegistry::describeFile(const inference::SegmentationModel& model, const QString& path) {
    const QFileInfo file(resolvePath(path));
    const auto& metadata = model.metadata();
    ModelVersionInfo info;
    info.name = metadata.name.empty() ? file.completeBaseName() : QString::fromStdString(metadata.name);
    info.origin = file.absoluteFilePath();
    info.created = file.lastModified();
    if (!metadata.history.empty())
        info.finalLoss = metadata.history.back().finalLoss; // trained elsewhere: no corrections here
    return info;
}

ModelRegistry::Version* ModelRegistry::find(int id) {
    for (auto& version : m_versions)
        if (version->info.id == id)
            return version.get();
    return nullptr;
}

const ModelRegistry::Version* ModelRegistry::find(int id) const {
    return const_cast<ModelRegistry*>(this)->find(id);
}

const ModelVersionInfo* ModelRegistry::info(int id) const {
    const Version* version = find(id);
    return version ? &version->info : nullptr;
}

int ModelRegistry::inMemoryCount() const {
    return int(std::count_if(m_versions.begin(), m_versions.end(),
                             [](const auto& v) { return v->model != nullptr; }));
}

ModelVersionInfo ModelRegistry::add(std::unique_ptr<inference::SegmentationModel> model,
                                    ModelVersionInfo info) {
    auto version = std::make_unique<Version>();
    info.id = m_nextId++;
    version->info = info;
    version->model = std::move(model);
    version->lastUse = ++m_clock;
    m_versions.push_back(std::move(version));
    spillBeyondLimit(info.id);
    return info;
}

inference::SegmentationModel* ModelRegistry::model(int id, QString* error) {
    Version* version = find(id);
    if (!version) {
        if (error)
            *error = QStringLiteral("There is no model version %1.").arg(id);
        return nullptr;
    }
    version->lastUse = ++m_clock;
    if (!version->model) {
        std::string why;
        version->model = inference::SegmentationModel::load(version->spillPath.toStdString(), &why);
        if (!version->model) {
            if (error)
                *error = QStringLiteral("Cannot load model version %1 back from %2: %3")
                             .arg(id)
                             .arg(version->spillPath, QString::fromStdString(why));
            return nullptr;
        }
        spillBeyondLimit(id);
    }
    return version->model.get();
}

bool ModelRegistry::save(int id, const QString& path, QString* error) {
    inference::SegmentationModel* network = model(id, error);
    if (!network)
        return false;
    std::string why;
    if (!network->save(path.toStdString(), &why)) {
        if (error)
            *error = QString::fromStdString(why);
        return false;
    }
    return true;
}

void ModelRegistry::spillBeyondLimit(int keep) {
    while (inMemoryCount() > m_maxInMemory) {
        Version* oldest = nullptr;
        for (auto& version : m_versions)
            if (version->model && version->info.id != keep && version->info.id != m_pinned &&
                (!oldest || version->lastUse < oldest->lastUse))
                oldest = version.get();
        if (!oldest)
            return;
        if (oldest->spillPath.isEmpty()) {
            if (!m_spillDir)
                m_spillDir = std::make_unique<QTemporaryDir>(
                    QDir::temp().filePath(QStringLiteral("segstudio-models-XXXXXX")));
            if (!m_spillDir->isValid())
                return; // no folder to spill to: keep every version in memory
            const QString path = m_spillDir->filePath(QStringLiteral("version-%1.pt").arg(oldest->info.id));
            std::string why;
            if (!oldest->model->save(path.toStdString(), &why))
                return; // a full disk: keep it in memory rather than lose it
            oldest->spillPath = path;
        }
        oldest->model.reset(); // the spilled files are immutable: a version never changes
    }
}

} // namespace segstudio

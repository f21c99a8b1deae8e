#pragma once

#include "annotation/model_version_info.h"

#include <QString>
#include <QTemporaryDir>
#include <memory>
#include <vector>

namespace segstudio {

namespace inference {
class SegmentationModel;
}

// Every model version of a session: the model opened and each version learned from it. Memory
// is bounded: only the `maxInMemory` most recently used versions keep their network loaded; the
// others are written to a private temporary folder and loaded back when used. A version whose
// spill fails (a full disk) stays in memory: nothing is lost. Not thread-safe: it lives on the
// model worker's thread.
class ModelRegistry {
public:
    static constexpr int DefaultMaxInMemory = 3;

    explicit ModelRegistry(int maxInMemory = DefaultMaxInMemory);
    ~ModelRegistry();
    ModelRegistry(const ModelRegistry&) = delete;
    ModelRegistry& operator=(const ModelRegistry&) = delete;

    // "default" is the bundled model; anything else is a path (a .pt file or a folder).
    static QString resolvePath(const QString& model);
    static std::unique_ptr<inference::SegmentationModel> load(const QString& model, QString* error);
    // The record of a model opened from `path` (name, origin, date).
    static ModelVersionInfo describeFile(const inference::SegmentationModel& model, const QString& path);

    // Takes `model` as a new version; returns its record with the id set.
    ModelVersionInfo add(std::unique_ptr<inference::SegmentationModel> model, ModelVersionInfo info);
    bool contains(int id) const { return find(id) != nullptr; }
    const ModelVersionInfo* info(int id) const;
    // The network of version `id`, loaded back if it was spilled (which may spill another); null
    // with *error when there is no such version or it cannot be read back.
    inference::SegmentationModel* model(int id, QString* error);
    bool save(int id, const QString& path, QString* error);
    // The version that is never spilled (the one a predictor is using); 0 pins none.
    void pin(int id) { m_pinned = id; }

    int count() const { return int(m_versions.size()); }
    int inMemoryCount() const;
    int maxInMemory() const { return m_maxInMemory; }

private:
    struct Version;
    Version* find(int id);
    const Version* find(int id) const;
    void spillBeyondLimit(int keep);

    std::vector<std::unique_ptr<Version>> m_versions;
    int m_maxInMemory;
    int m_nextId = 1;
    int m_pinned = 0;
    quint64 m_clock = 0; // use order, for least-recently-used spilling
    std::unique_ptr<QTemporaryDir> m_spillDir;
};

} // namespace segstudio

// libFuzzer harness: project files (DatasetProject::fromJson). A project that loads must write
// out and load back to the same JSON; one that is refused must say why.
#include "annotation/dataset_project.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QByteArray content(reinterpret_cast<const char*>(data), qsizetype(size));
    const QString path = QStringLiteral("/nonexistent/p.segproj");
    QString error;
    const auto project = segstudio::DatasetProject::fromJson(content, path, &error);
    if (!project) {
        if (error.isEmpty())
            __builtin_trap();
        return 0;
    }
    const QByteArray written = project->toJson();
    const auto again = segstudio::DatasetProject::fromJson(written, path, &error);
    if (!again || again->toJson() != written)
        __builtin_trap(); // what we write, we read back unchanged
    return 0;
}

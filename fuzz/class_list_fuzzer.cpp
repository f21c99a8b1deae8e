// libFuzzer harness: class lists as CSV, as our JSON palette and as a model sidecar
// (ClassMapping::parseClasses). The first byte picks the format.
#include "app/jobs/class_mapping.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0)
        return 0;
    static const char* const names[] = {"classes.csv", "classes.json", "model.json"};
    const QString name = QString::fromLatin1(names[data[0] % 3]);
    const QByteArray content(reinterpret_cast<const char*>(data + 1), qsizetype(size - 1));
    QString error;
    const auto palette = segstudio::ClassMapping::parseClasses(name, content, &error);
    if (!palette && error.isEmpty())
        __builtin_trap(); // a refusal must say why
    if (palette && (palette->isEmpty() || !palette->sharedColorProblem().isEmpty()))
        __builtin_trap(); // parseClasses promises neither
    return 0;
}

// libFuzzer harness: reading an edit journal (EditJournal::read), as after a crash. Any bytes:
// the contents (a torn tail ignored) or a message, never a crash or a runaway allocation.
#include "annotation/edit_journal.h"

#include <QFile>
#include <QTemporaryDir>
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static QTemporaryDir folder;
    const QString path = folder.filePath(QStringLiteral("fuzz.journal"));
    {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return 0;
        file.write(reinterpret_cast<const char*>(data), qint64(size));
    }
    QString error;
    const auto contents = segstudio::EditJournal::read(path, &error);
    if (!contents && error.isEmpty())
        __builtin_trap();
    return 0;
}

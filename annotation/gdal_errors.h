#pragma once

#include <QString>
#include <cpl_error.h>

namespace segstudio {

// Silences GDAL's default stderr reporting for the current thread while a read runs, so a
// failure becomes our error message instead of console noise. CPL error state is thread-local.
class QuietGdalErrors {
public:
    QuietGdalErrors() {
        CPLPushErrorHandler(CPLQuietErrorHandler);
        CPLErrorReset();
    }
    ~QuietGdalErrors() { CPLPopErrorHandler(); }
    QuietGdalErrors(const QuietGdalErrors&) = delete;
    QuietGdalErrors& operator=(const QuietGdalErrors&) = delete;

    static QString lastMessage() {
        const char* message = CPLGetLastErrorMsg();
        return message && *message ? QString::fromUtf8(message).trimmed() : QString();
    }
};

} // namespace segstudio

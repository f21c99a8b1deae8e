#include "app/jobs/app_paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QStandardPaths>

namespace segstudio {

QString sharedDataDirectory() {
    return QDir(QCoreApplication::applicationDirPath())
        .absoluteFilePath(QStringLiteral("../share/segstudio"));
}

QString sampleImagePath() {
    return QDir(sharedDataDirectory()).absoluteFilePath(QStringLiteral("samples/dubai_tile1_part003.jpg"));
}

QString tileScratchFolder() {
    return QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + QStringLiteral("/tile-store");
}

} // namespace segstudio

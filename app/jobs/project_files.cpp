#include "app/jobs/project_files.h"

#include "app/jobs/class_mapping.h"

#include <QDir>
#include <QFileInfo>
#include <QObject>

namespace segstudio::ProjectFiles {

bool isProjectFile(const QString& path) {
    return QFileInfo(path).suffix().compare(QLatin1String(DatasetProject::Extension), Qt::CaseInsensitive) ==
           0;
}

std::optional<DatasetProject> openOrCreate(const QString& path, const QString& classesFile, QString* error) {
    const QFileInfo info(path);
    if (!info.exists()) {
        *error = QObject::tr("%1 does not exist").arg(QDir::toNativeSeparators(path));
        return std::nullopt;
    }
    if (!info.isDir())
        return DatasetProject::load(path, error);
    const QString projectPath = DatasetProject::defaultPathFor(path);
    if (QFileInfo::exists(projectPath))
        return DatasetProject::load(projectPath, error);
    // A folder that was renamed keeps its project file under the old name.
    const QStringList projects = QDir(path).entryList(
        {QStringLiteral("*.") + QLatin1String(DatasetProject::Extension)}, QDir::Files, QDir::Name);
    if (projects.size() == 1)
        return DatasetProject::load(QDir(path).filePath(projects.first()), error);
    if (projects.size() > 1) {
        *error = QObject::tr("%1 holds several projects (%2); open one of them")
                     .arg(QDir::toNativeSeparators(path), projects.join(QStringLiteral(", ")));
        return std::nullopt;
    }
    QString classList = classesFile;
    for (const char* name : {"classes.json", "classes.csv"})
        if (classList.isEmpty() && QFileInfo::exists(QDir(path).filePath(QLatin1String(name))))
            classList = QDir(path).filePath(QLatin1String(name));
    ClassPalette classes = ClassPalette::dubaiAerial();
    if (!classList.isEmpty()) {
        const auto loaded = ClassMapping::loadClasses(classList, error);
        if (!loaded)
            return std::nullopt;
        classes = *loaded;
    }
    return DatasetProject::fromFolder(path, projectPath, classes, error);
}

} // namespace segstudio::ProjectFiles

#pragma once

#include "annotation/dataset_project.h"

#include <QString>
#include <optional>

namespace segstudio {

// How the window and the command line find a project from what a person names: a .segproj file,
// or a folder of images (its project file when it has one at its top, whatever its name, else a
// new project made from the folder, not yet written). Reads files: call on a worker thread.
namespace ProjectFiles {

bool isProjectFile(const QString& path);

// `classesFile` (a class list, see ClassMapping) gives a new project its classes; without it a
// classes.json or classes.csv at the top of the folder does, else the default classes.
std::optional<DatasetProject> openOrCreate(const QString& path, const QString& classesFile, QString* error);

} // namespace ProjectFiles
} // namespace segstudio

#pragma once

#include "annotation/class_palette.h"
#include "inference/model_metadata.h"

#include <QString>
#include <QStringList>
#include <optional>
#include <vector>

namespace segstudio {

// The two views of a class list: the document's palette (ids, names, colours, visibility) and a
// model's classes (output channel i is class i). Every command and the window convert between
// them here, and read class lists from files here.
namespace ClassMapping {

// Classes from a JSON palette (ClassPalette format), a CSV like dubai_aerial's classes.csv
// (index,name,hex[,r,g,b]; index 255 names the colour of unlabeled pixels), or a model's sidecar.
std::optional<ClassPalette> loadClasses(const QString& path, QString* error);
// The same from the file's content; `path` decides the format by its extension and names the
// file in messages. An empty list or two classes sharing a colour is an error.
std::optional<ClassPalette> parseClasses(const QString& path, const QByteArray& content, QString* error);
// Output channel i of the model is class id i, with the model's name and colour.
ClassPalette paletteOfModel(const inference::ModelMetadata& metadata);
// The classes of a palette as model metadata; fails unless the ids are 0..n-1.
bool classesForModel(const ClassPalette& palette, std::vector<inference::ClassInfo>& classes, QString* error);
// Empty when every class the model predicts is a class of the palette; else a message saying
// which is missing and what to do.
QString missingClasses(const ClassPalette& palette, const QStringList& modelClassNames);

} // namespace ClassMapping
} // namespace segstudio

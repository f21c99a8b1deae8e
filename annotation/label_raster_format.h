#pragma once

#include "annotation/class_palette.h"

#include <QString>
#include <cpl_string.h>

class GDALColorTable;

namespace segstudio {

// What every label raster segstudio writes has in common, whoever writes it (MaskFiles for the
// editor's masks, LabelRasterWriter for the command line's predictions): the GeoTIFF layout, the
// colour table, and how a file comes into place (a temporary name in the same folder, then an
// atomic rename, with no GDAL .aux.xml sidecar left behind). Private to annotation's file code.
namespace LabelRasterFormat {

// GeoTIFF creation options: 256² tiles, DEFLATE, BigTIFF when needed, blocks that hold nothing
// left out.
CPLStringList geoTiffOptions();
// Every entry gets a colour: a class's colour, the unlabeled colour for every other value (255
// included), so any reader shows something sensible for any value.
void fillColorTable(GDALColorTable& table, const ClassPalette& palette);
// A name beside `path` that no other writer uses.
QString temporaryNameFor(const QString& path);
// Renames `temporary` over `path`: rename(2) replaces atomically, so a reader sees the old file
// or the new, never half of one.
bool replace(const QString& temporary, const QString& path, QString* error);

// While one lives, GDAL writes no PAM .aux.xml sidecar on this thread: one would be written
// under the temporary name and left behind by the rename.
class NoAuxSidecar {
public:
    NoAuxSidecar();
    ~NoAuxSidecar();
    NoAuxSidecar(const NoAuxSidecar&) = delete;
    NoAuxSidecar& operator=(const NoAuxSidecar&) = delete;
};

} // namespace LabelRasterFormat
} // namespace segstudio

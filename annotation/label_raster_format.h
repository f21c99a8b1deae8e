#pragma once

#include "annotation/class_palette.h"

#include <QString>
#include <cpl_string.h>

class GDALColorTable;
typedef void* GDALDatasetH;

namespace segstudio::storage {
class PendingFile;
}

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
// Copies `source` with GDAL's `driver` into the pending file's temporary (created exclusively by
// storage::PendingFile; it becomes the target on commit). A PNG is read back whole afterwards:
// GDAL's PNG writer does not report every failed write, and a truncated PNG must never replace
// a good one.
bool writeCopy(storage::PendingFile& file, const char* driver, GDALDatasetH source, char** options,
               QString* error);
// Why writing `target` failed, in words: a full disk (from errno, or from the free space left)
// rather than GDAL's message about a TIFF directory.
QString writeFailure(const QString& target, int savedErrno, const QString& gdalMessage);

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

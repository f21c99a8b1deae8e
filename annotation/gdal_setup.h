#pragma once

#include <QString>

typedef void* GDALDatasetH;

namespace segstudio {

// Registers GDAL's drivers and sets process-wide GDAL options once. Call from main() (and from
// test fixtures) before any raster is opened; later calls do nothing.
void initializeGdal();

// GDAL reads whole blocks: a header that claims strips of 2 000 000 000 × 1 px would make every
// read allocate gigabytes. Empty when the blocks of `dataset` are at most 256 MB (all bands of a
// pixel-interleaved block together); else a message saying so, for refusing before any read.
QString oversizedBlockProblem(GDALDatasetH dataset);

} // namespace segstudio

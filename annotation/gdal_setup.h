#pragma once

#include <QString>

typedef void* GDALDatasetH;

namespace segstudio {

// Registers GDAL's drivers and sets process-wide GDAL options once. Call from main() (and from
// test fixtures) before any raster is opened; later calls do nothing.
void initializeGdal();

// For a pass that reads a raster once, top to bottom, and writes its outputs in row order (the
// command line's predict): GDAL's block cache then needs about two rows of 256-px blocks of the
// input and one of each output (1-byte classes, 4-byte confidence): 16 bytes a column of such
// a row, with room to spare. More only fills with blocks never read again (on an 8192² JPEG
// GeoTIFF, 128 MB of cache were 135 MB of predict's 693 MB peak). Leaves a GDAL_CACHEMAX the
// person set alone; never raises the cache.
void sizeGdalCacheForOnePass(int rasterWidth);

// GDAL reads whole blocks: a header that claims strips of 2 000 000 000 × 1 px would make every
// read allocate gigabytes. Empty when the blocks of `dataset` are at most 256 MB (all bands of a
// pixel-interleaved block together); else a message saying so, for refusing before any read.
QString oversizedBlockProblem(GDALDatasetH dataset);

} // namespace segstudio

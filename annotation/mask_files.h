#pragma once

#include "annotation/class_palette.h"
#include "annotation/georeference.h"
#include "annotation/label_mask.h"

#include <QString>
#include <optional>

namespace segstudio {

class TileStore;

// Reading and writing label masks. Functions here read or write files: call them on a worker
// thread, never on the GUI thread.
//
// Formats, chosen by the file extension:
//  - .png: 8-bit indexed PNG, pixel value = class id, 255 = unlabeled, the palette's colours as
//    PLTE (Pascal VOC convention). Limited by PNG to sequential rows, but written block by block.
//  - .tif/.tiff: GeoTIFF label raster: Byte, one band, colour table, nodata 255, 256² tiles,
//    DEFLATE, the image's CRS and geotransform; blocks with no label are left out (sparse).
// Read, besides those: colour-coded RGB(A) masks (each colour a class of the palette, the
// palette's unlabeled colour 255) and palette images whose indices are not our class ids
// (decoded through their colour table). Unknown colours or values are an error, never a guess.
//
// Next to a mask two sidecars travel with it: MASK.classes.json (the palette) and
// MASK.provenance.tif (where each label came from). Every save is atomic: each file is written
// under a temporary name in the same folder and renamed over the old one only when complete.
namespace MaskFiles {

QString paletteSidecarPath(const QString& maskPath);
QString provenanceSidecarPath(const QString& maskPath);
bool isSupportedForWriting(const QString& path, QString* error);

// Loads the palette sidecar of `maskPath` if there is one; nullopt when absent; error when
// present but damaged (then *error is set).
std::optional<ClassPalette> loadPaletteSidecar(const QString& maskPath, QString* error);

// Reads a mask for an image of `imageSize`, decoding classes through `palette`. Returns nothing
// and sets *error (naming the file and what is wrong) when the file cannot be used. With a
// `store`, every tile goes into it as it is read and the mask holds none in memory (a 40 000²
// mask is 3.2 GB in memory); the store may go once this returns, the tiles keep its file.
std::optional<LabelMask> load(const QString& path, QSize imageSize, const ClassPalette& palette,
                              QString* error, TileStore* store = nullptr);
// The same, in memory when a whole mask of `imageSize` fits in `memoryBudget` bytes, else out of
// memory in a TileStore in `scratchFolder` (in memory after all when no file can be made there).
std::optional<LabelMask> loadWithin(const QString& path, QSize imageSize, const ClassPalette& palette,
                                    qint64 memoryBudget, const QString& scratchFolder, QString* error);

// Writes the classes of `mask` (and both sidecars) atomically. False with *error on failure;
// the previous files are then untouched. `attribution`: the imagery's credit, written into the
// file's metadata (TIFFTAG_COPYRIGHT and SOURCE_ATTRIBUTION, as predict writes them; PNG text).
bool save(const QString& path, const LabelMask& mask, const ClassPalette& palette,
          const Georeference& georeference, QString* error, const QString& attribution = {});

} // namespace MaskFiles
} // namespace segstudio

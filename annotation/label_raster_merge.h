#pragma once

#include <QString>
#include <QStringList>

namespace segstudio {

// Joins the parts of a label raster predicted in shards (segstudio-cli predict --shard I/N) into
// one tiled GeoTIFF in the layout of every label raster we write, with the parts' colour table
// and their QGIS style beside it. The parts must be single-band 8-bit rasters in one CRS with one
// pixel size; where they overlap, the later part wins. Streams through a GDAL VRT: memory stays
// bounded whatever the size. The output appears whole or not at all.
namespace LabelRasterMerge {

bool merge(const QStringList& parts, const QString& output, QString* error);

} // namespace LabelRasterMerge
} // namespace segstudio

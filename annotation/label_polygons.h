#pragma once

#include "annotation/class_palette.h"

#include <QString>

namespace segstudio {

// Polygons of a label raster, the way a mapper takes a land-cover map into a GIS: small regions
// merged into their neighbours first (GDAL's sieve, `minAreaM2`), then GDAL's polygonize of the
// whole raster, which streams rows, so polygons run across processing blocks without seams and
// keep their holes. In the raster's CRS, one feature per region with `class_id`, `class_name`
// and `area_m2` (geodesic, through an equal-area projection, when the CRS is geographic);
// unlabeled (255) pixels make no polygon. `.gpkg` or `.geojson` by extension; a GeoPackage
// carries its QGIS style in `layer_styles` (categorised by class, our colours), a GeoJSON gets a
// `.qml` beside it. The output appears whole or not at all.
struct VectorizeOptions {
    double minAreaM2 = 0; // regions smaller than this are merged into a neighbour (0: keep all)
    double simplify = 0;  // Douglas-Peucker tolerance in CRS units (0: exact pixel edges)
};

struct VectorizeResult {
    qint64 features = 0;
    double areaM2 = 0; // of all features
};

namespace LabelPolygons {

bool vectorize(const QString& rasterPath, const QString& outputPath, const ClassPalette& palette,
               const VectorizeOptions& options, VectorizeResult* result, QString* error);

} // namespace LabelPolygons
} // namespace segstudio

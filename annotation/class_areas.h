#pragma once

#include "annotation/class_palette.h"

#include <QList>
#include <QString>

namespace segstudio {

// How much of a label raster each class covers: pixels, and area in square metres when the
// raster is georeferenced (pixel area from the geotransform in a projected CRS; in a geographic
// CRS the area of each row's pixels on the CRS's ellipsoid, which shrinks towards the poles).
struct ClassArea {
    int id = 0;
    QString name;
    qint64 pixels = 0;
    double areaM2 = 0; // 0 when the raster has no georeference
};

struct AreaReport {
    QList<ClassArea> classes; // every class of the palette, in palette order
    qint64 labelledPixels = 0;
    double labelledM2 = 0;
    bool inSquareMetres = false; // false: pixels only (no georeference)
    QString crs;                 // authority code or name of the raster's CRS
    // Share of class i: of the labelled area (or pixels without a georeference).
    double shareOf(const ClassArea& c) const;
    QByteArray toCsv() const; // class_id,class_name,pixels,area_m2,area_ha,share
    QByteArray toJson() const;
};

namespace ClassAreas {

// Streams the raster in rows of blocks (bounded memory for any size). Values outside the palette
// other than 255 (unlabeled) are an error naming the value: they belong to another class list.
bool measure(const QString& rasterPath, const ClassPalette& palette, AreaReport& report, QString* error);

// Area in m² of one pixel of a row in a geographic CRS: the cell between latitudes (degrees)
// `north` and `south`, `widthDegrees` wide, on the ellipsoid with these axes.
double geographicCellArea(double north, double south, double widthDegrees, double semiMajor,
                          double inverseFlattening);

} // namespace ClassAreas
} // namespace segstudio

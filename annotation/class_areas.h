#pragma once

#include "annotation/class_palette.h"
#include "annotation/label_mask.h"

#include <QColor>
#include <QList>
#include <QString>
#include <array>

namespace segstudio {

class AreaOfInterest;

// How much of a label raster each class covers: pixels, and area in square metres when the
// raster is georeferenced (pixel area from the geotransform in a projected CRS; in a geographic
// CRS the area of each row's pixels on the CRS's ellipsoid, which shrinks towards the poles).
struct ClassArea {
    int id = 0;
    QString name;
    QColor color;
    qint64 pixels = 0;
    double areaM2 = 0; // 0 when the raster has no georeference
};

struct AreaReport {
    QList<ClassArea> classes; // every class of the palette, in palette order
    qint64 labelledPixels = 0;
    double labelledM2 = 0;
    bool inSquareMetres = false; // false: pixels only (no georeference)
    QString crs;                 // authority code or name of the raster's CRS
    QString region;              // the area of interest's file name; empty: the whole raster
    // Share of class i: of the labelled area (or pixels without a georeference).
    double shareOf(const ClassArea& c) const;
    QByteArray toCsv() const; // class_id,class_name,pixels,area_m2,area_ha,share
    QByteArray toJson() const;
};

// Sums a label raster row by row: pixels per value, and area per value with each row's pixel
// area (constant in a projected CRS, per latitude in a geographic one).
class AreaCounter {
public:
    // `crsWkt` empty: pixels only. False (and *error) for a geographic CRS with a rotated
    // geotransform, whose rows are not parallels.
    bool start(const std::array<double, 6>& geoTransform, const QString& crsWkt, bool georeferenced,
               QString* error);
    void addRow(const quint8* classes, int width, int row);
    // m² of one pixel of `row`; 0 when counting pixels only.
    double pixelAreaOfRow(int row) const;
    // Fails, naming the value, when a value other than 255 is no class of the palette.
    bool finish(const ClassPalette& palette, const QString& name, AreaReport& report, QString* error) const;

private:
    std::array<double, 6> m_transform{};
    bool m_inSquareMetres = false;
    bool m_geographic = false;
    double m_pixelM2 = 0, m_semiMajor = 0, m_inverseFlattening = 0;
    QString m_crs;
    std::array<qint64, 256> m_pixels{};
    std::array<double, 256> m_areas{};
};

namespace ClassAreas {

// Streams the raster in rows of blocks (bounded memory for any size). Values outside the palette
// other than 255 (unlabeled) are an error naming the value: they belong to another class list.
// With `area`, only the pixels inside its polygons count (the raster must be georeferenced).
bool measure(const QString& rasterPath, const ClassPalette& palette, AreaReport& report, QString* error,
             AreaOfInterest* area = nullptr);
// The same for a mask in memory, georeferenced like its image (`crsWkt` empty: pixels only),
// with `area` inside its polygons only.
bool measureMask(const LabelMask& mask, const ClassPalette& palette,
                 const std::array<double, 6>& geoTransform, const QString& crsWkt, bool georeferenced,
                 AreaReport& report, QString* error, AreaOfInterest* area = nullptr);

// A CSV field as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break.
QString csvField(QString text);

// Area in m² of one pixel of a row in a geographic CRS: the cell between latitudes (degrees)
// `north` and `south`, `widthDegrees` wide, on the ellipsoid with these axes.
double geographicCellArea(double north, double south, double widthDegrees, double semiMajor,
                          double inverseFlattening);

} // namespace ClassAreas
} // namespace segstudio

#pragma once

#include <QList>
#include <QSize>
#include <QString>
#include <QStringList>
#include <optional>

namespace segstudio {

// What a user (and the image-info panel) wants to know about an opened raster.
struct RasterInfo {
    QString path;
    QString driverName;        // GDAL short name: "GTiff", "PNG", "MBTiles", "WMS", ...
    QString driverDescription; // "GeoTIFF"
    int width = 0;
    int height = 0;
    int bandCount = 0;
    QString dataType; // GDAL type name of band 1: "Byte", "UInt16", "Float32", ...
    bool isByteData = true;
    QStringList bandNames;  // per band: description or colour interpretation ("Red", "Gray")
    QList<QSize> overviews; // the file's own reduced-resolution copies, finest first
    std::optional<double> noData;
    int alphaBand = 0; // 1-based index of an alpha band, 0 if none
    bool hasColorTable = false;
    // Who the imagery is credited to: an MBTiles file's `attribution` (or any dataset's metadata
    // item of that name). Shown in the window and written into the outputs made from it.
    QString attribution;
};

} // namespace segstudio

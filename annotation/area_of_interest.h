#pragma once

#include <QString>
#include <QtGlobal>
#include <array>
#include <memory>
#include <vector>

namespace segstudio {

// The polygons of a vector file (GeoPackage, GeoJSON, Shapefile, FlatGeobuf, KML, GML) that limit
// a measurement to an area of interest, burnt onto a label raster's grid a band of rows at a time
// (bounded memory for any raster size). Polygons in another CRS than the raster's are reprojected
// by GDAL; a pixel is inside when its centre is. Points and lines in the file are left out (they
// have no area). The polygons are held in memory. Not thread-safe.
class AreaOfInterest {
public:
    // Null with a message when the file cannot be opened or holds no polygon.
    static std::unique_ptr<AreaOfInterest> open(const QString& path, QString* error);
    ~AreaOfInterest();
    AreaOfInterest(const AreaOfInterest&) = delete;
    AreaOfInterest& operator=(const AreaOfInterest&) = delete;

    // inside[i] (width × count, row-major) becomes 1 for the pixels of rows y0 … y0+count−1 of a
    // raster with this geotransform and CRS whose centre lies in a polygon, else 0.
    bool rasterizeRows(const std::array<double, 6>& geoTransform, const QString& crsWkt, int y0, int width,
                       int count, std::vector<quint8>& inside, QString* error);

    const QString& name() const { return m_name; }

private:
    AreaOfInterest() = default;
    void* m_dataset = nullptr; // GDALDatasetH: the file's polygons, in memory
    QString m_name;
};

} // namespace segstudio

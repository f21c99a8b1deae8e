#pragma once

#include <QPointF>
#include <QString>
#include <array>
#include <memory>
#include <optional>

namespace segstudio {

// Where a raster's pixels lie on the Earth: the affine geotransform plus the CRS. A
// default-constructed Georeference means "not georeferenced" (a plain photo). Copies are cheap
// and safe to use from any thread.
class Georeference {
public:
    Georeference() = default;
    Georeference(const std::array<double, 6>& geoTransform, const QString& crsWkt);

    bool isValid() const { return m_valid; }
    bool hasCrs() const { return !m_crsWkt.isEmpty(); }
    const std::array<double, 6>& geoTransform() const { return m_geoTransform; }
    const QString& crsWkt() const { return m_crsWkt; }
    // Human-readable name ("WGS 84 / UTM zone 18N") and authority code ("EPSG:32618"), or empty.
    QString crsName() const;
    QString crsAuthority() const;
    bool crsIsGeographic() const;

    // Pixel coordinates are GDAL's: (0,0) is the top-left corner of the top-left pixel.
    QPointF pixelToMap(QPointF pixel) const;
    std::optional<QPointF> mapToPixel(QPointF map) const;
    // Longitude (x) and latitude (y) in degrees on WGS 84, when the CRS can be transformed.
    std::optional<QPointF> mapToLonLat(QPointF map) const;

private:
    struct Crs;
    bool m_valid = false;
    std::array<double, 6> m_geoTransform{0, 1, 0, 0, 0, 1};
    QString m_crsWkt;
    std::shared_ptr<Crs> m_crs;
};

} // namespace segstudio

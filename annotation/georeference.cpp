#include "annotation/georeference.h"

#include <gdal.h>
#include <mutex>
#include <ogr_spatialref.h>

namespace segstudio {

// OGRCoordinateTransformation is not thread-safe; the mutex lets copies of one Georeference be
// used from the UI thread and workers alike.
struct Georeference::Crs {
    OGRSpatialReference srs;
    std::unique_ptr<OGRCoordinateTransformation> toLonLat;
    std::mutex mutex;
};

Georeference::Georeference(const std::array<double, 6>& geoTransform, const QString& crsWkt)
    : m_valid(true)
    , m_geoTransform(geoTransform)
    , m_crsWkt(crsWkt) {
    if (crsWkt.isEmpty())
        return;
    auto crs = std::make_shared<Crs>();
    const QByteArray wkt = crsWkt.toUtf8();
    if (crs->srs.importFromWkt(wkt.constData()) != OGRERR_NONE) {
        m_crsWkt.clear();
        return;
    }
    crs->srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRSpatialReference wgs84;
    wgs84.SetWellKnownGeogCS("WGS84");
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    crs->toLonLat.reset(OGRCreateCoordinateTransformation(&crs->srs, &wgs84));
    m_crs = std::move(crs);
}

QString Georeference::crsName() const {
    return m_crs ? QString::fromUtf8(m_crs->srs.GetName()) : QString();
}

QString Georeference::crsAuthority() const {
    if (!m_crs)
        return {};
    const char* name = m_crs->srs.GetAuthorityName(nullptr);
    const char* code = m_crs->srs.GetAuthorityCode(nullptr);
    if (!name || !code)
        return {};
    return QStringLiteral("%1:%2").arg(QString::fromUtf8(name), QString::fromUtf8(code));
}

bool Georeference::crsIsGeographic() const {
    return m_crs && m_crs->srs.IsGeographic();
}

QPointF Georeference::pixelToMap(QPointF pixel) const {
    const auto& g = m_geoTransform;
    return {g[0] + pixel.x() * g[1] + pixel.y() * g[2], g[3] + pixel.x() * g[4] + pixel.y() * g[5]};
}

std::optional<QPointF> Georeference::mapToPixel(QPointF map) const {
    double inverse[6];
    if (!GDALInvGeoTransform(const_cast<double*>(m_geoTransform.data()), inverse))
        return std::nullopt;
    return QPointF(inverse[0] + map.x() * inverse[1] + map.y() * inverse[2],
                   inverse[3] + map.x() * inverse[4] + map.y() * inverse[5]);
}

std::optional<QPointF> Georeference::mapToLonLat(QPointF map) const {
    if (!m_crs || !m_crs->toLonLat)
        return std::nullopt;
    double x = map.x();
    double y = map.y();
    std::lock_guard lock(m_crs->mutex);
    if (!m_crs->toLonLat->Transform(1, &x, &y))
        return std::nullopt;
    return QPointF(x, y);
}

} // namespace segstudio

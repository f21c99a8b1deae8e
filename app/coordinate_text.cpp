#include "app/coordinate_text.h"

#include "annotation/georeference.h"

#include <cmath>

namespace segstudio {
namespace {

QString degrees(double value, QChar positive, QChar negative) {
    return QStringLiteral("%1° %2").arg(std::abs(value), 0, 'f', 6).arg(value < 0 ? negative : positive);
}

} // namespace

QString pixelText(QPointF imagePosition, int width, int height) {
    const int x = int(std::floor(imagePosition.x()));
    const int y = int(std::floor(imagePosition.y()));
    if (x < 0 || y < 0 || x >= width || y >= height)
        return {};
    return QStringLiteral("x %1, y %2").arg(x).arg(y);
}

QString mapText(QPointF imagePosition, const Georeference& georeference) {
    if (!georeference.isValid())
        return {};
    const QPointF map = georeference.pixelToMap(imagePosition);
    const QString authority = georeference.crsAuthority();
    const QString crs = authority.isEmpty() ? georeference.crsName() : authority;
    const int decimals = georeference.crsIsGeographic() ? 7 : 2;
    QString text = QStringLiteral("%1, %2").arg(map.x(), 0, 'f', decimals).arg(map.y(), 0, 'f', decimals);
    if (!crs.isEmpty())
        text += QStringLiteral(" (%1)").arg(crs);
    return text;
}

QString lonLatText(QPointF imagePosition, const Georeference& georeference) {
    if (!georeference.isValid())
        return {};
    const auto lonLat = georeference.mapToLonLat(georeference.pixelToMap(imagePosition));
    if (!lonLat)
        return {};
    return QStringLiteral("%1, %2").arg(degrees(lonLat->y(), QLatin1Char('N'), QLatin1Char('S')),
                                        degrees(lonLat->x(), QLatin1Char('E'), QLatin1Char('W')));
}

} // namespace segstudio

#include "annotation/class_areas.h"

#include "annotation/area_of_interest.h"
#include "annotation/gdal_errors.h"
#include "annotation/mask_tile.h"
#include "annotation/source_policy.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <array>
#include <cmath>
#include <gdal.h>
#include <memory>
#include <ogr_srs_api.h>
#include <vector>

namespace segstudio {
namespace {

// Snyder's q (Map Projections, eq. 3-12): the ellipsoid's area from the equator to latitude
// phi over the full circle is pi a² q(phi).
double authalicQ(double phi, double e) {
    const double s = std::sin(phi);
    if (e < 1e-12)
        return 2 * s;
    const double e2 = e * e;
    return (1 - e2) * (s / (1 - e2 * s * s) - std::log((1 - e * s) / (1 + e * s)) / (2 * e));
}

struct DatasetCloser {
    void operator()(void* dataset) const { GDALClose(dataset); }
};

} // namespace

double AreaReport::shareOf(const ClassArea& c) const {
    if (inSquareMetres)
        return labelledM2 > 0 ? c.areaM2 / labelledM2 : 0;
    return labelledPixels > 0 ? double(c.pixels) / double(labelledPixels) : 0;
}

QByteArray AreaReport::toCsv() const {
    QByteArray csv("class_id,class_name,pixels,area_m2,area_ha,share\n");
    for (const ClassArea& c : classes) {
        const QString name = ClassAreas::csvField(c.name);
        csv += QStringLiteral("%1,%2,%3,%4,%5,%6\n")
                   .arg(c.id)
                   .arg(name)
                   .arg(c.pixels)
                   .arg(inSquareMetres ? QString::number(c.areaM2, 'f', 2) : QString())
                   .arg(inSquareMetres ? QString::number(c.areaM2 / 1e4, 'f', 6) : QString())
                   .arg(shareOf(c), 0, 'f', 6)
                   .toUtf8();
    }
    return csv;
}

QByteArray AreaReport::toJson() const {
    QJsonArray list;
    for (const ClassArea& c : classes) {
        QJsonObject entry{
            {"class_id", c.id}, {"class_name", c.name}, {"pixels", c.pixels}, {"share", shareOf(c)}};
        if (inSquareMetres) {
            entry.insert("area_m2", c.areaM2);
            entry.insert("area_ha", c.areaM2 / 1e4);
        }
        list.append(entry);
    }
    QJsonObject root{
        {"classes", list}, {"labelled_pixels", labelledPixels}, {"units", inSquareMetres ? "m2" : "px"}};
    if (inSquareMetres) {
        root.insert("labelled_m2", labelledM2);
        root.insert("crs", crs);
    }
    if (!region.isEmpty())
        root.insert("region", region);
    return QJsonDocument(root).toJson(QJsonDocument::Compact);
}

bool AreaCounter::start(const std::array<double, 6>& geoTransform, const QString& crsWkt, bool georeferenced,
                        QString* error) {
    m_transform = geoTransform;
    m_pixels.fill(0);
    m_areas.fill(0);
    m_inSquareMetres = false;
    if (!georeferenced || crsWkt.isEmpty())
        return true;
    OGRSpatialReferenceH crs = OSRNewSpatialReference(crsWkt.toUtf8().constData());
    if (!crs)
        return true;
    OSRSetAxisMappingStrategy(crs, OAMS_TRADITIONAL_GIS_ORDER);
    m_inSquareMetres = true;
    const char* authority = OSRGetAuthorityName(crs, nullptr);
    const char* code = OSRGetAuthorityCode(crs, nullptr);
    m_crs = authority && code
                ? QStringLiteral("%1:%2").arg(QString::fromUtf8(authority), QString::fromUtf8(code))
                : QString::fromUtf8(OSRGetName(crs));
    m_geographic = OSRIsGeographic(crs);
    OGRErr err = OGRERR_NONE;
    m_semiMajor = OSRGetSemiMajor(crs, &err);
    m_inverseFlattening = OSRGetInvFlattening(crs, &err);
    const double metres = m_geographic ? 1 : OSRGetLinearUnits(crs, nullptr);
    m_pixelM2 =
        std::abs(geoTransform[1] * geoTransform[5] - geoTransform[2] * geoTransform[4]) * metres * metres;
    OSRDestroySpatialReference(crs);
    if (m_geographic && (geoTransform[2] != 0 || geoTransform[4] != 0)) {
        *error = QObject::tr("a rotated geographic raster has no rows along parallels; areas need a north-up "
                             "geotransform.");
        return false;
    }
    return true;
}

void AreaCounter::addRow(const quint8* classes, int width, int row) {
    std::array<qint64, 256> counts{};
    for (int x = 0; x < width; ++x)
        ++counts[classes[x]];
    const double pixelM2 = pixelAreaOfRow(row);
    for (size_t v = 0; v < 256; ++v) {
        m_pixels[v] += counts[v];
        m_areas[v] += double(counts[v]) * pixelM2;
    }
}

double AreaCounter::pixelAreaOfRow(int row) const {
    if (!m_inSquareMetres)
        return 0;
    if (!m_geographic)
        return m_pixelM2;
    const double north = m_transform[3] + row * m_transform[5];
    return ClassAreas::geographicCellArea(north, north + m_transform[5], m_transform[1], m_semiMajor,
                                          m_inverseFlattening);
}

bool AreaCounter::finish(const ClassPalette& palette, const QString& name, AreaReport& report,
                         QString* error) const {
    for (int v = 0; v < 255; ++v) {
        if (m_pixels[size_t(v)] > 0 && !palette.contains(v)) {
            *error = QObject::tr("%1 holds the value %2 (%3 px), which is no class of the class list.")
                         .arg(name)
                         .arg(v)
                         .arg(m_pixels[size_t(v)]);
            return false;
        }
    }
    report = AreaReport();
    report.inSquareMetres = m_inSquareMetres;
    report.crs = m_crs;
    for (const LabelClass& c : palette.classes()) {
        ClassArea area{c.id, c.name, c.color, m_pixels[size_t(c.id)],
                       m_inSquareMetres ? m_areas[size_t(c.id)] : 0};
        report.classes.append(area);
        report.labelledPixels += area.pixels;
        report.labelledM2 += area.areaM2;
    }
    return true;
}

namespace ClassAreas {

double geographicCellArea(double north, double south, double widthDegrees, double semiMajor,
                          double inverseFlattening) {
    const double f = inverseFlattening > 0 ? 1 / inverseFlattening : 0;
    const double e = std::sqrt(std::max(0.0, f * (2 - f)));
    const double degree = M_PI / 180;
    const double clampNorth = std::clamp(north, -90.0, 90.0), clampSouth = std::clamp(south, -90.0, 90.0);
    return semiMajor * semiMajor * std::abs(widthDegrees) * degree / 2 *
           std::abs(authalicQ(clampNorth * degree, e) - authalicQ(clampSouth * degree, e));
}

bool measure(const QString& rasterPath, const ClassPalette& palette, AreaReport& report, QString* error,
             AreaOfInterest* area) {
    const QString name = QFileInfo(rasterPath).fileName();
    if (const QString problem = SourcePolicy::problemWith(rasterPath); !problem.isEmpty()) {
        *error = problem;
        return false;
    }
    QuietGdalErrors quiet;
    std::unique_ptr<void, DatasetCloser> dataset(GDALOpenEx(
        rasterPath.toUtf8().constData(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
    if (!dataset) {
        *error = QObject::tr("%1 is not a readable raster: %2").arg(name, QuietGdalErrors::lastMessage());
        return false;
    }
    GDALRasterBandH band =
        GDALGetRasterCount(dataset.get()) == 1 ? GDALGetRasterBand(dataset.get(), 1) : nullptr;
    if (!band || GDALGetRasterDataType(band) != GDT_Byte) {
        *error =
            QObject::tr("%1 is not a label raster: expected one 8-bit band of class ids, found %2 band(s).")
                .arg(name)
                .arg(GDALGetRasterCount(dataset.get()));
        return false;
    }
    const int width = GDALGetRasterXSize(dataset.get()), height = GDALGetRasterYSize(dataset.get());
    std::array<double, 6> transform{};
    const bool georeferenced = GDALGetGeoTransform(dataset.get(), transform.data()) == CE_None;
    const QString crsWkt = QString::fromUtf8(GDALGetProjectionRef(dataset.get()));
    if (area && (!georeferenced || crsWkt.isEmpty())) {
        *error = QObject::tr("%1 has no georeference, so the area of interest %2 cannot be laid onto it.")
                     .arg(name, area->name());
        return false;
    }
    AreaCounter counter;
    if (!counter.start(transform, crsWkt, georeferenced, error))
        return false;
    std::vector<quint8> inside;
    int blockWidth = 0, blockHeight = 0;
    GDALGetBlockSize(band, &blockWidth, &blockHeight);
    const int rowsAtOnce = std::clamp(blockHeight, 1, 1024);
    std::vector<quint8> rows(size_t(width) * rowsAtOnce);
    for (int y0 = 0; y0 < height; y0 += rowsAtOnce) {
        const int count = std::min(rowsAtOnce, height - y0);
        if (GDALRasterIO(band, GF_Read, 0, y0, width, count, rows.data(), width, count, GDT_Byte, 0, 0) !=
            CE_None) {
            *error = QObject::tr("%1 could not be read (it may be truncated or damaged): %2")
                         .arg(name, QuietGdalErrors::lastMessage());
            return false;
        }
        if (area) {
            if (!area->rasterizeRows(transform, crsWkt, y0, width, count, inside, error))
                return false;
            for (size_t i = 0; i < inside.size(); ++i)
                if (!inside[i])
                    rows[i] = Unlabeled; // outside the area: not counted
        }
        for (int r = 0; r < count; ++r)
            counter.addRow(rows.data() + size_t(r) * width, width, y0 + r);
    }
    if (!counter.finish(palette, name, report, error))
        return false;
    if (area)
        report.region = area->name();
    return true;
}

QString csvField(QString text) {
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) &&
        !text.contains(QLatin1Char('\n')) && !text.contains(QLatin1Char('\r')))
        return text;
    return QLatin1Char('"') + text.replace(QLatin1Char('"'), QStringLiteral("\"\"")) + QLatin1Char('"');
}

bool measureMask(const LabelMask& mask, const ClassPalette& palette,
                 const std::array<double, 6>& geoTransform, const QString& crsWkt, bool georeferenced,
                 AreaReport& report, QString* error, AreaOfInterest* area) {
    if (area && (!georeferenced || crsWkt.isEmpty())) {
        *error =
            QObject::tr("The image has no georeference, so the area of interest %1 cannot be laid onto it.")
                .arg(area->name());
        return false;
    }
    AreaCounter counter;
    if (!counter.start(geoTransform, crsWkt, georeferenced, error))
        return false;
    // Strips of one mask tile's height: the area is rasterized a strip at a time.
    const int width = std::max(1, mask.width());
    std::vector<quint8> rows(size_t(width) * LabelMask::TileSize), inside;
    for (int y0 = 0; y0 < mask.height(); y0 += LabelMask::TileSize) {
        const int count = std::min(LabelMask::TileSize, mask.height() - y0);
        mask.readClasses(QRect(0, y0, mask.width(), count), rows.data(), width);
        if (area) {
            if (!area->rasterizeRows(geoTransform, crsWkt, y0, mask.width(), count, inside, error))
                return false;
            for (size_t i = 0; i < inside.size(); ++i)
                if (!inside[i])
                    rows[i] = Unlabeled; // outside the area: not counted
        }
        for (int r = 0; r < count; ++r)
            counter.addRow(rows.data() + size_t(r) * width, mask.width(), y0 + r);
    }
    if (!counter.finish(palette, QObject::tr("the mask"), report, error))
        return false;
    if (area)
        report.region = area->name();
    return true;
}

} // namespace ClassAreas
} // namespace segstudio

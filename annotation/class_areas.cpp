#include "annotation/class_areas.h"

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
        QString name = c.name;
        if (name.contains(QLatin1Char(',')) || name.contains(QLatin1Char('"')))
            name =
                QLatin1Char('"') + name.replace(QLatin1Char('"'), QStringLiteral("\"\"")) + QLatin1Char('"');
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
    return QJsonDocument(root).toJson(QJsonDocument::Compact);
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

bool measure(const QString& rasterPath, const ClassPalette& palette, AreaReport& report, QString* error) {
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
    OGRSpatialReferenceH crs = nullptr;
    if (const char* wkt = GDALGetProjectionRef(dataset.get()); georeferenced && wkt && *wkt) {
        crs = OSRNewSpatialReference(wkt);
        OSRSetAxisMappingStrategy(crs, OAMS_TRADITIONAL_GIS_ORDER);
    }
    report = AreaReport();
    report.inSquareMetres = crs != nullptr;
    double projectedPixelM2 = 0;
    bool geographic = false;
    double semiMajor = 0, inverseFlattening = 0;
    if (crs) {
        const char* authority = OSRGetAuthorityName(crs, nullptr);
        const char* code = OSRGetAuthorityCode(crs, nullptr);
        report.crs = authority && code
                         ? QStringLiteral("%1:%2").arg(QString::fromUtf8(authority), QString::fromUtf8(code))
                         : QString::fromUtf8(OSRGetName(crs));
        geographic = OSRIsGeographic(crs);
        OGRErr err = OGRERR_NONE;
        semiMajor = OSRGetSemiMajor(crs, &err);
        inverseFlattening = OSRGetInvFlattening(crs, &err);
        const double metres = geographic ? 1 : OSRGetLinearUnits(crs, nullptr);
        projectedPixelM2 =
            std::abs(transform[1] * transform[5] - transform[2] * transform[4]) * metres * metres;
        OSRDestroySpatialReference(crs);
        if (geographic && (transform[2] != 0 || transform[4] != 0)) {
            *error = QObject::tr("%1 is a rotated geographic raster; areas need a north-up geotransform.")
                         .arg(name);
            return false;
        }
    }
    std::vector<qint64> pixels(256, 0);
    std::vector<double> areas(256, 0);
    int blockWidth = 0, blockHeight = 0;
    GDALGetBlockSize(band, &blockWidth, &blockHeight);
    const int rowsAtOnce = std::clamp(blockHeight, 1, 1024);
    std::vector<quint8> rows(size_t(width) * rowsAtOnce);
    std::vector<qint64> rowCounts(256);
    for (int y0 = 0; y0 < height; y0 += rowsAtOnce) {
        const int count = std::min(rowsAtOnce, height - y0);
        if (GDALRasterIO(band, GF_Read, 0, y0, width, count, rows.data(), width, count, GDT_Byte, 0, 0) !=
            CE_None) {
            *error = QObject::tr("%1 could not be read (it may be truncated or damaged): %2")
                         .arg(name, QuietGdalErrors::lastMessage());
            return false;
        }
        for (int r = 0; r < count; ++r) {
            std::fill(rowCounts.begin(), rowCounts.end(), 0);
            const quint8* row = rows.data() + size_t(r) * width;
            for (int x = 0; x < width; ++x)
                ++rowCounts[row[x]];
            double pixelM2 = projectedPixelM2;
            if (geographic) {
                const double north = transform[3] + (y0 + r) * transform[5];
                pixelM2 = geographicCellArea(north, north + transform[5], transform[1], semiMajor,
                                             inverseFlattening);
            }
            for (int v = 0; v < 256; ++v) {
                pixels[size_t(v)] += rowCounts[size_t(v)];
                areas[size_t(v)] += double(rowCounts[size_t(v)]) * pixelM2;
            }
        }
    }
    for (int v = 0; v < 255; ++v) {
        if (pixels[size_t(v)] > 0 && !palette.contains(v)) {
            *error = QObject::tr("%1 holds the value %2 (%3 px), which is no class of the class list.")
                         .arg(name)
                         .arg(v)
                         .arg(pixels[size_t(v)]);
            return false;
        }
    }
    for (const LabelClass& c : palette.classes()) {
        ClassArea area{c.id, c.name, pixels[size_t(c.id)], report.inSquareMetres ? areas[size_t(c.id)] : 0};
        report.classes.append(area);
        report.labelledPixels += area.pixels;
        report.labelledM2 += area.areaM2;
    }
    return true;
}

} // namespace ClassAreas
} // namespace segstudio

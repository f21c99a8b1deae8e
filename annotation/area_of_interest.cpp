#include "annotation/area_of_interest.h"

#include "annotation/gdal_errors.h"
#include "annotation/source_policy.h"

#include <QFileInfo>
#include <QObject>
#include <gdal.h>
#include <gdal_alg.h>
#include <ogr_api.h>

namespace segstudio {

std::unique_ptr<AreaOfInterest> AreaOfInterest::open(const QString& path, QString* error) {
    const QString name = QFileInfo(path).fileName();
    if (const QString problem = SourcePolicy::problemWith(path); !problem.isEmpty()) {
        *error = problem;
        return nullptr;
    }
    // Local file formats only: an area of interest is never fetched from a server.
    const char* const drivers[] = {"GPKG",   "GeoJSON", "ESRI Shapefile", "FlatGeobuf", "KML",
                                   "LIBKML", "GML",     nullptr};
    QuietGdalErrors quiet;
    GDALDatasetH dataset =
        GDALOpenEx(path.toUtf8().constData(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, nullptr, nullptr);
    if (!dataset) {
        *error = QObject::tr("%1 is not a polygon file we read (GeoPackage, GeoJSON, Shapefile, FlatGeobuf, "
                             "KML or GML): %2")
                     .arg(name, QuietGdalErrors::lastMessage());
        return nullptr;
    }
    // Only polygons have an area: a KML or a mixed GeoJSON may also hold points and lines, which
    // rasterizing would burn as the pixels they touch. The polygons are copied, layer by layer
    // (each keeps its CRS for GDAL to reproject), into memory; the file is closed.
    GDALDatasetH polygons = GDALCreate(GDALGetDriverByName("Memory"), "", 0, 0, 0, GDT_Unknown, nullptr);
    bool anyPolygon = false;
    for (int i = 0; polygons && i < GDALDatasetGetLayerCount(dataset); ++i) {
        OGRLayerH layer = GDALDatasetGetLayer(dataset, i);
        OGRLayerH copy = GDALDatasetCreateLayer(polygons, OGR_L_GetName(layer), OGR_L_GetSpatialRef(layer),
                                                wkbUnknown, nullptr);
        OGR_L_ResetReading(layer);
        while (OGRFeatureH feature = OGR_L_GetNextFeature(layer)) {
            OGRGeometryH geometry = OGR_F_GetGeometryRef(feature);
            const OGRwkbGeometryType type =
                geometry ? wkbFlatten(OGR_G_GetGeometryType(geometry)) : wkbUnknown;
            if (copy && (type == wkbPolygon || type == wkbMultiPolygon || type == wkbCurvePolygon ||
                         type == wkbMultiSurface)) {
                OGRFeatureH polygon = OGR_F_Create(OGR_L_GetLayerDefn(copy));
                OGR_F_SetGeometry(polygon, geometry);
                anyPolygon = OGR_L_CreateFeature(copy, polygon) == OGRERR_NONE || anyPolygon;
                OGR_F_Destroy(polygon);
            }
            OGR_F_Destroy(feature);
        }
    }
    GDALClose(dataset);
    if (!anyPolygon) {
        if (polygons)
            GDALClose(polygons);
        *error = QObject::tr("%1 holds no polygon: an area of interest is one or more polygons.").arg(name);
        return nullptr;
    }
    std::unique_ptr<AreaOfInterest> area(new AreaOfInterest);
    area->m_dataset = polygons;
    area->m_name = name;
    return area;
}

AreaOfInterest::~AreaOfInterest() {
    if (m_dataset)
        GDALClose(m_dataset);
}

bool AreaOfInterest::rasterizeRows(const std::array<double, 6>& t, const QString& crsWkt, int y0, int width,
                                   int count, std::vector<quint8>& inside, QString* error) {
    QuietGdalErrors quiet;
    GDALDatasetH band = GDALCreate(GDALGetDriverByName("MEM"), "", width, count, 1, GDT_Byte, nullptr);
    if (!band) {
        *error =
            QObject::tr("no memory for the area of interest's rows: %1").arg(QuietGdalErrors::lastMessage());
        return false;
    }
    // The band's own grid: the raster's, moved down y0 rows.
    double transform[6] = {t[0] + y0 * t[2], t[1], t[2], t[3] + y0 * t[5], t[4], t[5]};
    GDALSetGeoTransform(band, transform);
    GDALSetProjection(band, crsWkt.toUtf8().constData());
    std::vector<OGRLayerH> layers;
    for (int i = 0; i < GDALDatasetGetLayerCount(m_dataset); ++i)
        layers.push_back(GDALDatasetGetLayer(m_dataset, i));
    std::vector<double> burn(layers.size(), 1.0);
    int bands[] = {1};
    const CPLErr burnt = GDALRasterizeLayers(band, 1, bands, int(layers.size()), layers.data(), nullptr,
                                             nullptr, burn.data(), nullptr, nullptr, nullptr);
    inside.resize(size_t(width) * size_t(count));
    const CPLErr read = burnt == CE_None ? GDALRasterIO(GDALGetRasterBand(band, 1), GF_Read, 0, 0, width,
                                                        count, inside.data(), width, count, GDT_Byte, 0, 0)
                                         : burnt;
    GDALClose(band);
    if (read != CE_None) {
        *error = QObject::tr("%1 could not be laid onto the raster: %2")
                     .arg(m_name, QuietGdalErrors::lastMessage());
        return false;
    }
    return true;
}

} // namespace segstudio

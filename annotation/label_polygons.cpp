#include "annotation/label_polygons.h"

#include "annotation/gdal_errors.h"
#include "annotation/qgis_style.h"
#include "annotation/source_policy.h"
#include "storage/atomic_file.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QObject>
#include <QTemporaryDir>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <gdal.h>
#include <gdal_alg.h>
#include <memory>
#include <ogr_api.h>
#include <ogr_srs_api.h>

namespace segstudio::LabelPolygons {
namespace {

struct DatasetCloser {
    void operator()(void* dataset) const { GDALClose(dataset); }
};
using DatasetPtr = std::unique_ptr<void, DatasetCloser>;

struct SrsDeleter {
    void operator()(OGRSpatialReferenceH srs) const { OSRDestroySpatialReference(srs); }
};
using SrsPtr = std::unique_ptr<std::remove_pointer_t<OGRSpatialReferenceH>, SrsDeleter>;

struct TransformDeleter {
    void operator()(OGRCoordinateTransformationH transform) const {
        OCTDestroyCoordinateTransformation(transform);
    }
};
using TransformPtr = std::unique_ptr<std::remove_pointer_t<OGRCoordinateTransformationH>, TransformDeleter>;

bool fail(QString* error, const QString& why) {
    *error = why;
    return false;
}

OGRFieldDefnH field(const char* name, OGRFieldType type) {
    return OGR_Fld_Create(name, type);
}

// QGIS reads a GeoPackage layer's default style from this table (its own layout).
bool writeLayerStyle(GDALDatasetH dataset, const QString& layerName, const ClassPalette& palette) {
    OGRLayerH styles = GDALDatasetCreateLayer(dataset, "layer_styles", nullptr, wkbNone, nullptr);
    if (!styles)
        return false;
    for (const char* name : {"f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column",
                             "styleName", "styleQML", "styleSLD", "description", "owner", "ui"}) {
        OGRFieldDefnH definition = field(name, OFTString);
        OGR_L_CreateField(styles, definition, TRUE);
        OGR_Fld_Destroy(definition);
    }
    OGRFieldDefnH useAsDefault = field("useAsDefault", OFTInteger);
    OGR_Fld_SetSubType(useAsDefault, OFSTBoolean);
    OGR_L_CreateField(styles, useAsDefault, TRUE);
    OGR_Fld_Destroy(useAsDefault);
    OGRFieldDefnH updated = field("update_time", OFTDateTime);
    OGR_L_CreateField(styles, updated, TRUE);
    OGR_Fld_Destroy(updated);
    OGRFeatureH row = OGR_F_Create(OGR_L_GetLayerDefn(styles));
    const QByteArray table = layerName.toUtf8();
    const QByteArray qml = QgisStyle::vectorStyle(palette, QStringLiteral("class_id"));
    OGR_F_SetFieldString(row, OGR_F_GetFieldIndex(row, "f_table_catalog"), "");
    OGR_F_SetFieldString(row, OGR_F_GetFieldIndex(row, "f_table_schema"), "");
    OGR_F_SetFieldString(row, OGR_F_GetFieldIndex(row, "f_table_name"), table.constData());
    OGR_F_SetFieldString(row, OGR_F_GetFieldIndex(row, "f_geometry_column"), "geom");
    OGR_F_SetFieldString(row, OGR_F_GetFieldIndex(row, "styleName"), table.constData());
    OGR_F_SetFieldString(row, OGR_F_GetFieldIndex(row, "styleQML"), qml.constData());
    OGR_F_SetFieldString(row, OGR_F_GetFieldIndex(row, "description"), "segstudio class colours");
    OGR_F_SetFieldInteger(row, OGR_F_GetFieldIndex(row, "useAsDefault"), 1);
    const bool ok = OGR_L_CreateFeature(styles, row) == OGRERR_NONE;
    OGR_F_Destroy(row);
    return ok;
}

} // namespace

bool vectorize(const QString& rasterPath, const QString& outputPath, const ClassPalette& palette,
               const VectorizeOptions& options, VectorizeResult* result, QString* error) {
    const QString name = QFileInfo(rasterPath).fileName();
    const QString suffix = QFileInfo(outputPath).suffix().toLower();
    const char* driverName = suffix == QLatin1String("gpkg")      ? "GPKG"
                             : suffix == QLatin1String("geojson") ? "GeoJSON"
                                                                  : nullptr;
    if (!driverName)
        return fail(error, QObject::tr("%1: polygons are written as .gpkg or .geojson").arg(outputPath));
    if (!std::isfinite(options.minAreaM2) || options.minAreaM2 < 0 || !std::isfinite(options.simplify) ||
        options.simplify < 0)
        return fail(error,
                    QObject::tr("the minimum area and the simplification must be numbers of 0 or more"));
    if (const QString problem = SourcePolicy::problemWith(rasterPath); !problem.isEmpty())
        return fail(error, problem);
    QuietGdalErrors quiet;
    DatasetPtr source(GDALOpenEx(rasterPath.toUtf8().constData(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr,
                                 nullptr, nullptr));
    if (!source)
        return fail(error,
                    QObject::tr("%1 is not a readable raster: %2").arg(name, QuietGdalErrors::lastMessage()));
    GDALRasterBandH band =
        GDALGetRasterCount(source.get()) == 1 ? GDALGetRasterBand(source.get(), 1) : nullptr;
    if (!band || GDALGetRasterDataType(band) != GDT_Byte)
        return fail(error,
                    QObject::tr("%1 is not a label raster: expected one 8-bit band of class ids, found %2 "
                                "band(s) of %3.")
                        .arg(name)
                        .arg(GDALGetRasterCount(source.get()))
                        .arg(QString::fromUtf8(
                            GDALGetDataTypeName(GDALGetRasterDataType(GDALGetRasterBand(source.get(), 1))))));
    std::array<double, 6> transform{};
    const bool georeferenced = GDALGetGeoTransform(source.get(), transform.data()) == CE_None;
    const char* wkt = GDALGetProjectionRef(source.get());
    SrsPtr crs(wkt && *wkt ? OSRNewSpatialReference(wkt) : nullptr);
    if (!georeferenced || !crs)
        return fail(error,
                    QObject::tr("%1 has no georeference (CRS and geotransform): its polygons would have "
                                "no place on a map.")
                        .arg(name));
    OSRSetAxisMappingStrategy(crs.get(), OAMS_TRADITIONAL_GIS_ORDER);
    const bool geographic = OSRIsGeographic(crs.get());
    const double metres = geographic ? 1 : OSRGetLinearUnits(crs.get(), nullptr);
    // Geodesic areas: measured in an equal-area projection of the whole globe (EASE-Grid 2.0).
    SrsPtr equalArea;
    TransformPtr equalAreaTransform;
    OGRCoordinateTransformationH toEqualArea = nullptr;
    if (geographic) {
        equalArea.reset(OSRNewSpatialReference(nullptr));
        OSRImportFromEPSG(equalArea.get(), 6933);
        OSRSetAxisMappingStrategy(equalArea.get(), OAMS_TRADITIONAL_GIS_ORDER);
        equalAreaTransform.reset(OCTNewCoordinateTransformation(crs.get(), equalArea.get()));
        toEqualArea = equalAreaTransform.get();
        if (!toEqualArea)
            return fail(error, QObject::tr("cannot measure areas in the CRS of %1").arg(name));
    }

    std::string why;
    if (!storage::checkCanWrite(QFile::encodeName(outputPath).toStdString(), &why))
        return fail(error, QString::fromStdString(why));
    // Everything is made in a private folder beside the output (mkdtemp, 0700), then renamed.
    QTemporaryDir work(QFileInfo(outputPath).absoluteDir().filePath(QStringLiteral(".vectorize-XXXXXX")));
    if (!work.isValid())
        return fail(error, QObject::tr("cannot write beside %1: %2").arg(outputPath, work.errorString()));

    GDALRasterBandH labels = band;
    DatasetPtr sieved;
    if (options.minAreaM2 > 0) {
        const int height = GDALGetRasterYSize(source.get());
        double pixelM2 =
            std::abs(transform[1] * transform[5] - transform[2] * transform[4]) * metres * metres;
        if (geographic) { // the pixel at the raster's middle latitude
            const double latitude = (transform[3] + transform[5] * height / 2) * M_PI / 180;
            pixelM2 *= 111320.0 * 111320.0 * std::cos(latitude);
        }
        const double threshold = std::ceil(options.minAreaM2 / std::max(pixelM2, 1e-12));
        if (threshold > 1) {
            sieved.reset(
                GDALCreateCopy(GDALGetDriverByName("GTiff"),
                               QFile::encodeName(work.filePath(QStringLiteral("sieved.tif"))).constData(),
                               source.get(), FALSE, nullptr, nullptr, nullptr));
            if (!sieved)
                return fail(error,
                            QObject::tr("cannot sieve %1: %2").arg(name, QuietGdalErrors::lastMessage()));
            labels = GDALGetRasterBand(sieved.get(), 1);
            if (GDALSieveFilter(band, GDALGetMaskBand(band), labels, int(std::min(threshold, 2e9)), 4,
                                nullptr, nullptr, nullptr) != CE_None)
                return fail(error,
                            QObject::tr("cannot sieve %1: %2").arg(name, QuietGdalErrors::lastMessage()));
        }
    }

    // Polygonize into a scratch GeoPackage (on disk: any number of polygons), then copy with the
    // class names and areas into the output.
    DatasetPtr raw(GDALCreate(GDALGetDriverByName("GPKG"),
                              QFile::encodeName(work.filePath(QStringLiteral("raw.gpkg"))).constData(), 0, 0,
                              0, GDT_Unknown, nullptr));
    if (!raw)
        return fail(error, QObject::tr("cannot polygonize %1: %2").arg(name, QuietGdalErrors::lastMessage()));
    OGRLayerH rawLayer = GDALDatasetCreateLayer(raw.get(), "raw", crs.get(), wkbPolygon, nullptr);
    OGRFieldDefnH classField = field("class_id", OFTInteger);
    OGR_L_CreateField(rawLayer, classField, TRUE);
    OGR_Fld_Destroy(classField);
    GDALDatasetStartTransaction(raw.get(), FALSE);
    if (GDALPolygonize(labels, GDALGetMaskBand(labels), rawLayer, 0, nullptr, nullptr, nullptr) != CE_None)
        return fail(error, QObject::tr("cannot polygonize %1: %2").arg(name, QuietGdalErrors::lastMessage()));
    GDALDatasetCommitTransaction(raw.get());

    const QString layerName = QFileInfo(outputPath).completeBaseName();
    const QString temporaryOutput = work.filePath(QStringLiteral("out.") + suffix);
    DatasetPtr output(GDALCreate(GDALGetDriverByName(driverName),
                                 QFile::encodeName(temporaryOutput).constData(), 0, 0, 0, GDT_Unknown,
                                 nullptr));
    if (!output)
        return fail(error,
                    QObject::tr("cannot create %1: %2").arg(outputPath, QuietGdalErrors::lastMessage()));
    // The imagery's credit, as predict wrote it into the label raster, stays with the polygons
    // (a GeoPackage keeps dataset metadata; a GeoJSON has nowhere to put it).
    for (const char* key : {"SOURCE_ATTRIBUTION", "TIFFTAG_COPYRIGHT"}) {
        if (const char* credit = GDALGetMetadataItem(source.get(), key, nullptr)) {
            GDALSetMetadataItem(output.get(), "SOURCE_ATTRIBUTION", credit, nullptr);
            break;
        }
    }
    OGRLayerH layer = GDALDatasetCreateLayer(output.get(), layerName.toUtf8().constData(), crs.get(),
                                             wkbMultiPolygon, nullptr);
    if (!layer)
        return fail(error,
                    QObject::tr("cannot create %1: %2").arg(outputPath, QuietGdalErrors::lastMessage()));
    for (const auto& [fieldName, type] :
         {std::pair{"class_id", OFTInteger}, std::pair{"class_name", OFTString},
          std::pair{"area_m2", OFTReal}}) {
        OGRFieldDefnH definition = field(fieldName, type);
        OGR_L_CreateField(layer, definition, TRUE);
        OGR_Fld_Destroy(definition);
    }
    VectorizeResult counts;
    GDALDatasetStartTransaction(output.get(), FALSE);
    OGR_L_ResetReading(rawLayer);
    while (OGRFeatureH feature = OGR_L_GetNextFeature(rawLayer)) {
        const int id = OGR_F_GetFieldAsInteger(feature, 0);
        OGRGeometryH geometry = OGR_F_GetGeometryRef(feature);
        if (id == 255 || !geometry) { // unlabeled pixels make no polygon
            OGR_F_Destroy(feature);
            continue;
        }
        OGRGeometryH shape = options.simplify > 0 ? OGR_G_SimplifyPreserveTopology(geometry, options.simplify)
                                                  : OGR_G_Clone(geometry);
        if (shape && !OGR_G_IsValid(shape)) {
            OGRGeometryH valid = OGR_G_MakeValid(shape);
            OGR_G_DestroyGeometry(shape);
            shape = valid;
        }
        if (!shape || OGR_G_IsEmpty(shape)) {
            if (shape)
                OGR_G_DestroyGeometry(shape);
            OGR_F_Destroy(feature);
            continue;
        }
        shape = OGR_G_ForceToMultiPolygon(shape);
        double area = 0;
        if (toEqualArea) {
            OGRGeometryH projected = OGR_G_Clone(shape);
            if (OGR_G_Transform(projected, toEqualArea) == OGRERR_NONE)
                area = OGR_G_Area(projected);
            OGR_G_DestroyGeometry(projected);
        } else {
            area = OGR_G_Area(shape) * metres * metres;
        }
        OGRFeatureH out = OGR_F_Create(OGR_L_GetLayerDefn(layer));
        OGR_F_SetFieldInteger(out, 0, id);
        const LabelClass* c = palette.find(id);
        OGR_F_SetFieldString(out, 1, (c ? c->name : QObject::tr("class %1").arg(id)).toUtf8().constData());
        OGR_F_SetFieldDouble(out, 2, area);
        OGR_F_SetGeometryDirectly(out, shape);
        const bool written = OGR_L_CreateFeature(layer, out) == OGRERR_NONE;
        OGR_F_Destroy(out);
        OGR_F_Destroy(feature);
        if (!written)
            return fail(error,
                        QObject::tr("cannot write %1: %2").arg(outputPath, QuietGdalErrors::lastMessage()));
        ++counts.features;
        counts.areaM2 += area;
    }
    GDALDatasetCommitTransaction(output.get());
    if (driverName == std::string("GPKG") && !writeLayerStyle(output.get(), layerName, palette))
        return fail(
            error,
            QObject::tr("cannot write the style of %1: %2").arg(outputPath, QuietGdalErrors::lastMessage()));
    output.reset(); // closes and flushes: its errors show below
    if (CPLGetLastErrorType() == CE_Failure)
        return fail(error,
                    QObject::tr("cannot write %1: %2").arg(outputPath, QuietGdalErrors::lastMessage()));

    // From the private folder into place: one atomic rename, nothing half-written ever visible.
    if (std::rename(QFile::encodeName(temporaryOutput).constData(),
                    QFile::encodeName(outputPath).constData()) != 0)
        return fail(error, QObject::tr("cannot replace %1: %2")
                               .arg(outputPath, QString::fromStdString(storage::describeWriteError(errno))));
    storage::PendingFile style;
    if (driverName == std::string("GeoJSON")) {
        const QByteArray qml = QgisStyle::vectorStyle(palette, QStringLiteral("class_id"));
        if (!style.create(QFile::encodeName(QgisStyle::stylePathFor(outputPath)).toStdString(), &why) ||
            !style.write(qml.constData(), size_t(qml.size()), &why) || !style.commit(&why))
            return fail(error, QString::fromStdString(why));
    }
    if (result)
        *result = counts;
    return true;
}

} // namespace segstudio::LabelPolygons

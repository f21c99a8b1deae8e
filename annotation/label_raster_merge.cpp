#include "annotation/label_raster_merge.h"

#include "annotation/gdal_errors.h"
#include "annotation/label_raster_format.h"
#include "annotation/qgis_style.h"
#include "annotation/source_policy.h"
#include "storage/atomic_file.h"

#include <QFile>
#include <QFileInfo>
#include <QObject>
#include <array>
#include <cmath>
#include <gdal.h>
#include <gdal_utils.h>
#include <memory>
#include <vector>

namespace segstudio::LabelRasterMerge {
namespace {

struct DatasetCloser {
    void operator()(void* dataset) const { GDALClose(dataset); }
};
using DatasetPtr = std::unique_ptr<void, DatasetCloser>;

bool fail(QString* error, const QString& why) {
    *error = why;
    return false;
}

} // namespace

bool merge(const QStringList& parts, const QString& output, QString* error) {
    if (parts.isEmpty())
        return fail(error, QObject::tr("name the parts to merge"));
    const QString suffix = QFileInfo(output).suffix().toLower();
    if (suffix != QLatin1String("tif") && suffix != QLatin1String("tiff"))
        return fail(error, QObject::tr("%1: a merged label raster is written as GeoTIFF (.tif)").arg(output));
    QuietGdalErrors quiet;
    std::vector<DatasetPtr> opened;
    std::vector<GDALDatasetH> handles;
    std::array<double, 6> first{};
    QString firstCrs;
    for (const QString& part : parts) {
        const QString name = QFileInfo(part).fileName();
        if (const QString problem = SourcePolicy::problemWith(part); !problem.isEmpty())
            return fail(error, problem);
        DatasetPtr dataset(GDALOpenEx(part.toUtf8().constData(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr,
                                      nullptr, nullptr));
        if (!dataset)
            return fail(
                error,
                QObject::tr("%1 is not a readable raster: %2").arg(name, QuietGdalErrors::lastMessage()));
        GDALRasterBandH band =
            GDALGetRasterCount(dataset.get()) == 1 ? GDALGetRasterBand(dataset.get(), 1) : nullptr;
        if (!band || GDALGetRasterDataType(band) != GDT_Byte)
            return fail(
                error,
                QObject::tr("%1 is not a label raster: expected one 8-bit band of class ids.").arg(name));
        std::array<double, 6> transform{};
        if (GDALGetGeoTransform(dataset.get(), transform.data()) != CE_None)
            return fail(
                error,
                QObject::tr("%1 has no geotransform: parts are placed by their georeference.").arg(name));
        const QString crs = QString::fromUtf8(GDALGetProjectionRef(dataset.get()));
        if (handles.empty()) {
            first = transform;
            firstCrs = crs;
        } else if (crs != firstCrs || std::abs(transform[1] - first[1]) > 1e-9 * std::abs(first[1]) ||
                   std::abs(transform[5] - first[5]) > 1e-9 * std::abs(first[5]) ||
                   transform[2] != first[2] || transform[4] != first[4]) {
            return fail(error,
                        QObject::tr("%1 is not in the CRS and pixel grid of %2: parts of one prediction "
                                    "share both.")
                            .arg(name, QFileInfo(parts.first()).fileName()));
        }
        handles.push_back(dataset.get());
        opened.push_back(std::move(dataset));
    }
    std::string why;
    if (!storage::checkCanWrite(QFile::encodeName(output).toStdString(), &why))
        return fail(error, QString::fromStdString(why));
    for (const QString& part : parts)
        if (QFileInfo(part).canonicalFilePath() == QFileInfo(output).canonicalFilePath() &&
            QFileInfo::exists(output))
            return fail(
                error, QObject::tr("%1 is one of the parts; write the merge under another name").arg(output));

    char* vrtArguments[] = {const_cast<char*>("-srcnodata"), const_cast<char*>("255"),
                            const_cast<char*>("-vrtnodata"), const_cast<char*>("255"), nullptr};
    GDALBuildVRTOptions* options = GDALBuildVRTOptionsNew(vrtArguments, nullptr);
    int usageError = 0;
    DatasetPtr mosaic(GDALBuildVRT("", int(handles.size()), handles.data(), nullptr, options, &usageError));
    GDALBuildVRTOptionsFree(options);
    if (!mosaic)
        return fail(error, QObject::tr("cannot join the parts: %1").arg(QuietGdalErrors::lastMessage()));
    GDALRasterBandH band = GDALGetRasterBand(mosaic.get(), 1);
    if (!GDALGetRasterColorTable(band)) // parts of our own carry one; keep it if the VRT dropped it
        GDALSetRasterColorTable(band, GDALGetRasterColorTable(GDALGetRasterBand(handles.front(), 1)));
    GDALSetRasterColorInterpretation(band, GCI_PaletteIndex);

    storage::PendingFile merged, style;
    if (!merged.create(QFile::encodeName(output).toStdString(), &why))
        return fail(error, QString::fromStdString(why));
    if (!LabelRasterFormat::writeCopy(merged, "GTiff", mosaic.get(),
                                      LabelRasterFormat::geoTiffOptions().List(), error))
        return false;
    std::vector<storage::PendingFile*> group{&merged};
    QFile partStyle(QgisStyle::stylePathFor(parts.first()));
    if (partStyle.size() < 4 * 1024 * 1024 && partStyle.open(QIODevice::ReadOnly)) {
        const QByteArray qml = partStyle.readAll();
        if (!style.create(QFile::encodeName(QgisStyle::stylePathFor(output)).toStdString(), &why) ||
            !style.write(qml.constData(), size_t(qml.size()), &why))
            return fail(error, QString::fromStdString(why));
        group.insert(group.begin(), &style);
    }
    return storage::commitGroup(group, &why) || fail(error, QString::fromStdString(why));
}

} // namespace segstudio::LabelRasterMerge

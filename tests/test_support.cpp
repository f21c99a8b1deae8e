#include "test_support.h"

#include <QDir>
#include <QProcess>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_srs_api.h>
#include <vector>

namespace segstudio::test {

QString dataPath(const QString& relative) {
    return QDir(QStringLiteral(SEGSTUDIO_TEST_DATA)).absoluteFilePath(relative);
}

ProcessRun runProcess(const QString& program, const QStringList& arguments, int timeoutMs,
                      const QProcessEnvironment& environment) {
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(program, arguments);
    ProcessRun run;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        run.err = QStringLiteral("timed out");
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

bool writeGeoTiff(const QString& path, const RasterSpec& spec,
                  const std::function<double(int band, int x, int y)>& value) {
    GDALDriverH driver = GDALGetDriverByName("GTiff");
    if (!driver)
        return false;
    char** options = nullptr;
    if (spec.tiled) {
        options = CSLSetNameValue(options, "TILED", "YES");
        options = CSLSetNameValue(options, "BLOCKXSIZE", "256");
        options = CSLSetNameValue(options, "BLOCKYSIZE", "256");
    }
    if (!spec.compress.isEmpty())
        options = CSLSetNameValue(options, "COMPRESS", spec.compress.toUtf8().constData());
    if (spec.bands > 1)
        options = CSLSetNameValue(options, "INTERLEAVE", "PIXEL");
    GDALDatasetH dataset = GDALCreate(driver, path.toUtf8().constData(), spec.width, spec.height, spec.bands,
                                      spec.type, options);
    CSLDestroy(options);
    if (!dataset)
        return false;
    if (spec.geoTransform) {
        std::array<double, 6> transform = *spec.geoTransform;
        GDALSetGeoTransform(dataset, transform.data());
    }
    if (spec.epsg) {
        OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
        OSRImportFromEPSG(srs, spec.epsg);
        GDALSetSpatialRef(dataset, srs);
        OSRDestroySpatialReference(srs);
    }
    std::vector<double> row(spec.width);
    bool ok = true;
    for (int b = 1; b <= spec.bands && ok; ++b) {
        GDALRasterBandH band = GDALGetRasterBand(dataset, b);
        if (spec.noData)
            GDALSetRasterNoDataValue(band, *spec.noData);
        if (spec.alphaBands.contains(b))
            GDALSetRasterColorInterpretation(band, GCI_AlphaBand);
        for (int y = 0; y < spec.height && ok; ++y) {
            for (int x = 0; x < spec.width; ++x)
                row[x] = value(b, x, y);
            ok = GDALRasterIO(band, GF_Write, 0, y, spec.width, 1, row.data(), spec.width, 1, GDT_Float64, 0,
                              0) == CE_None;
        }
    }
    if (ok && !spec.overviewFactors.isEmpty()) {
        std::vector<int> factors(spec.overviewFactors.begin(), spec.overviewFactors.end());
        ok = GDALBuildOverviews(dataset, "NEAREST", int(factors.size()), factors.data(), 0, nullptr, nullptr,
                                nullptr) == CE_None;
    }
    GDALClose(dataset);
    return ok;
}

bool writeMbtiles(const QString& path, const QString& sourceRaster, const QString& attribution) {
    GDALDatasetH source = GDALOpen(sourceRaster.toUtf8().constData(), GA_ReadOnly);
    if (!source)
        return false;
    GDALDatasetH tiles = GDALCreateCopy(GDALGetDriverByName("MBTiles"), path.toUtf8().constData(), source,
                                        FALSE, nullptr, nullptr, nullptr);
    GDALClose(source);
    if (!tiles)
        return false;
    GDALClose(tiles);
    if (attribution.isEmpty())
        return true;
    // The driver keeps metadata items set in update mode in the file's metadata table.
    GDALDatasetH update =
        GDALOpenEx(path.toUtf8().constData(), GDAL_OF_RASTER | GDAL_OF_UPDATE, nullptr, nullptr, nullptr);
    if (!update)
        return false;
    const bool set =
        GDALSetMetadataItem(update, "attribution", attribution.toUtf8().constData(), nullptr) == CE_None;
    GDALClose(update);
    return set;
}

} // namespace segstudio::test

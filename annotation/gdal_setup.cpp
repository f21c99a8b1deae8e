#include "annotation/gdal_setup.h"

#include <algorithm>
#include <cpl_conv.h>
#include <gdal.h>
#include <mutex>

namespace segstudio {

void initializeGdal() {
    static std::once_flag once;
    std::call_once(once, [] {
        // Our tile cache holds decoded display tiles; GDAL's block cache only needs to bridge
        // the reads of one tile. Bounding it keeps peak memory independent of the raster size.
        if (!CPLGetConfigOption("GDAL_CACHEMAX", nullptr))
            GDALSetCacheMax64(128ll * 1024 * 1024);
        // A truncated JPEG is only a libjpeg warning by default and decodes as grey: make it an
        // error so the user hears that the file is damaged.
        CPLSetConfigOption("GDAL_ERROR_ON_LIBJPEG_WARNING", "TRUE");
        // Tile services described by a local file may still point at a server: fail fast.
        if (!CPLGetConfigOption("GDAL_HTTP_TIMEOUT", nullptr))
            CPLSetConfigOption("GDAL_HTTP_TIMEOUT", "10");
        GDALAllRegister();
    });
}

void sizeGdalCacheForOnePass(int rasterWidth) {
    if (CPLGetConfigOption("GDAL_CACHEMAX", nullptr))
        return;
    const GIntBig needed = std::max<GIntBig>(GIntBig(rasterWidth) * 256 * 16, 16ll * 1024 * 1024);
    GDALSetCacheMax64(std::min(needed, GDALGetCacheMax64()));
}

QString oversizedBlockProblem(GDALDatasetH dataset) {
    constexpr double MaxBlockBytes = 256e6;
    const int bands = GDALGetRasterCount(dataset);
    if (bands <= 0)
        return {};
    GDALRasterBandH first = GDALGetRasterBand(dataset, 1);
    int blockWidth = 0, blockHeight = 0;
    GDALGetBlockSize(first, &blockWidth, &blockHeight);
    const double blockBytes = double(blockWidth) * blockHeight *
                              GDALGetDataTypeSizeBytes(GDALGetRasterDataType(first)) * std::min(bands, 16);
    if (blockBytes <= MaxBlockBytes)
        return {};
    return QStringLiteral(
               "its pixels are stored in blocks of %1 × %2 px (%3 MB each); segstudio reads blocks "
               "of at most %4 MB. Rewrite it tiled, e.g. gdal_translate -co TILED=YES.")
        .arg(blockWidth)
        .arg(blockHeight)
        .arg(blockBytes / 1e6, 0, 'f', 0)
        .arg(MaxBlockBytes / 1e6, 0, 'f', 0);
}

} // namespace segstudio

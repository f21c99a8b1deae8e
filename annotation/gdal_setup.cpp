#include "annotation/gdal_setup.h"

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

} // namespace segstudio

// libFuzzer harness: mask import (MaskFiles::load) of PNG and TIFF bytes, indexed or colour,
// through GDAL's in-memory files. Whatever the bytes: a mask or a message, never a crash.
#include "annotation/class_palette.h"
#include "annotation/gdal_setup.h"
#include "annotation/mask_files.h"

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <cstddef>
#include <cstdint>
#include <gdal.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    segstudio::initializeGdal();
    CPLSetConfigOption("CPL_DEBUG", "OFF");
    static const segstudio::ClassPalette palette = segstudio::ClassPalette::dubaiAerial();
    const char* path = "/vsimem/fuzz-mask";
    VSILFILE* file = VSIFileFromMemBuffer(path, const_cast<GByte*>(data), vsi_l_offset(size), FALSE);
    if (!file)
        return 0;
    VSIFCloseL(file);
    // The size the mask must have: its own, as eval asks for; refuse what GDAL cannot open.
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH dataset = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr);
    QSize imageSize(1, 1);
    if (dataset) {
        imageSize = QSize(GDALGetRasterXSize(dataset), GDALGetRasterYSize(dataset));
        GDALClose(dataset);
    }
    CPLPopErrorHandler();
    // Headers that claim more than 2 Mpx only measure how long decoding that many pixels takes
    // (a real 688-Mpx mask takes its time): the refusals from the header have tests of their own.
    // Under 2 Mpx a mask can still be wider than the reader's 4096-px chunks and taller than a
    // strip; spending the executions on such masks lets a run reach 10 M inputs in hours, not a day.
    if (double(imageSize.width()) * imageSize.height() > 2e6) {
        VSIUnlink(path);
        return 0;
    }
    QString error;
    const auto mask = segstudio::MaskFiles::load(QString::fromLatin1(path), imageSize, palette, &error);
    if (!mask && error.isEmpty())
        __builtin_trap();
    VSIUnlink(path);
    return 0;
}

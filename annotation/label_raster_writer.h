#pragma once

#include "annotation/class_palette.h"
#include "annotation/georeference.h"

#include <QRect>
#include <QString>
#include <memory>

typedef void* GDALDatasetH;

namespace segstudio {
namespace storage {
class PendingFile;
}

// Streams a label raster to disk block by block, so rasters larger than memory work: a GeoTIFF
// of class ids in the layout of every label raster we write (LabelRasterFormat: 256² tiles,
// DEFLATE, the palette as colour table, nodata 255, the input's CRS and geotransform), or of
// Float32 confidences. A .png target is written as a temporary GeoTIFF first and converted by
// GDAL line by line into an indexed PNG. Nothing appears under the final name until finish()
// succeeds (an exclusive temporary file, then an atomic rename); a writer destroyed before, or
// a process ended by SIGTERM, removes it. A class GeoTIFF comes with its QGIS style (X.qml:
// the classes by name and colour), replaced together with it.
class LabelRasterWriter {
public:
    enum class Kind { Classes, Confidence };

    LabelRasterWriter();
    ~LabelRasterWriter();
    LabelRasterWriter(const LabelRasterWriter&) = delete;
    LabelRasterWriter& operator=(const LabelRasterWriter&) = delete;

    bool create(const QString& path, QSize size, Kind kind, const ClassPalette& palette,
                const Georeference& georeference, QString* error);
    // Credits the source imagery in the file's metadata (TIFFTAG_COPYRIGHT, which QGIS and
    // gdalinfo show, and SOURCE_ATTRIBUTION). After create(), before finish().
    void setAttribution(const QString& attribution);
    // Writes `rect` (image pixels) from a row-major buffer of bytes (classes) or floats.
    bool write(const QRect& rect, const void* data, QString* error);
    bool finish(QString* error);

private:
    void discard();

    QString m_path;
    // The GeoTIFF being streamed: the target itself, or the source of a PNG's conversion.
    std::unique_ptr<storage::PendingFile> m_file;
    bool m_png = false;
    Kind m_kind = Kind::Classes;
    ClassPalette m_palette; // for the QGIS style (.qml) written beside a class GeoTIFF
    GDALDatasetH m_dataset = nullptr;
};

} // namespace segstudio

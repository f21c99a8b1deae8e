#pragma once

#include "annotation/class_palette.h"
#include "annotation/georeference.h"

#include <QRect>
#include <QString>

typedef void* GDALDatasetH;

namespace segstudio::cli {

// Streams a prediction to disk block by block, so rasters larger than memory work: a tiled,
// DEFLATE-compressed GeoTIFF of class ids (colour table from the palette, nodata 255, the
// input's CRS and geotransform) or of Float32 confidences. A .png target is written as a
// temporary GeoTIFF first and converted by GDAL line by line into an indexed PNG. Nothing
// appears under the final name until finish() succeeds (temporary file, then rename).
class LabelRasterWriter {
public:
    enum class Kind { Classes, Confidence };

    LabelRasterWriter() = default;
    ~LabelRasterWriter();
    LabelRasterWriter(const LabelRasterWriter&) = delete;
    LabelRasterWriter& operator=(const LabelRasterWriter&) = delete;

    bool create(const QString& path, QSize size, Kind kind, const ClassPalette& palette,
                const Georeference& georeference, QString* error);
    // Writes `rect` (image pixels) from a row-major buffer of bytes (classes) or floats.
    bool write(const QRect& rect, const void* data, QString* error);
    bool finish(QString* error);

private:
    void discard();

    QString m_path;
    QString m_temporaryPath;
    bool m_png = false;
    Kind m_kind = Kind::Classes;
    GDALDatasetH m_dataset = nullptr;
};

} // namespace segstudio::cli

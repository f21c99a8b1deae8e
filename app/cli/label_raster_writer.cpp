#include "app/cli/label_raster_writer.h"

#include "annotation/gdal_errors.h"

#include <QFile>
#include <QFileInfo>
#include <cpl_string.h>
#include <cstdio>
#include <gdal.h>
#include <ogr_srs_api.h>

namespace segstudio::cli {

LabelRasterWriter::~LabelRasterWriter() {
    discard();
}

void LabelRasterWriter::discard() {
    if (m_dataset) {
        GDALClose(m_dataset);
        m_dataset = nullptr;
    }
    if (!m_temporaryPath.isEmpty()) {
        QFile::remove(m_temporaryPath);
        m_temporaryPath.clear();
    }
}

bool LabelRasterWriter::create(const QString& path, QSize size, Kind kind, const ClassPalette& palette,
                               const Georeference& georeference, QString* error) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    m_png = suffix == QLatin1String("png");
    if (!m_png && suffix != QLatin1String("tif") && suffix != QLatin1String("tiff")) {
        *error = QStringLiteral("%1: the output must be .png or .tif").arg(path);
        return false;
    }
    if (m_png && kind == Kind::Confidence) {
        *error = QStringLiteral("%1: confidences are written as GeoTIFF (.tif)").arg(path);
        return false;
    }
    m_path = path;
    m_kind = kind;
    m_temporaryPath = path + QStringLiteral(".partial.tif");
    char** options = nullptr;
    options = CSLSetNameValue(options, "TILED", "YES");
    options = CSLSetNameValue(options, "COMPRESS", "DEFLATE");
    options = CSLSetNameValue(options, "BIGTIFF", "IF_SAFER");
    if (kind == Kind::Confidence)
        options = CSLSetNameValue(options, "PREDICTOR", "3");
    QuietGdalErrors quiet;
    m_dataset = GDALCreate(GDALGetDriverByName("GTiff"), m_temporaryPath.toUtf8().constData(), size.width(),
                           size.height(), 1, kind == Kind::Classes ? GDT_Byte : GDT_Float32, options);
    CSLDestroy(options);
    if (!m_dataset) {
        *error = QStringLiteral("cannot create %1: %2").arg(path, QuietGdalErrors::lastMessage());
        m_temporaryPath.clear();
        return false;
    }
    if (georeference.isValid()) {
        auto transform = georeference.geoTransform();
        GDALSetGeoTransform(m_dataset, transform.data());
        if (georeference.hasCrs())
            GDALSetProjection(m_dataset, georeference.crsWkt().toUtf8().constData());
    }
    GDALRasterBandH band = GDALGetRasterBand(m_dataset, 1);
    if (kind == Kind::Classes) {
        GDALSetRasterNoDataValue(band, 255);
        GDALColorTableH table = GDALCreateColorTable(GPI_RGB);
        for (int i = 0; i < 256; ++i) {
            const QColor color = i == 255 ? palette.unlabeledColor() : palette.colorOf(i);
            const GDALColorEntry entry{short(color.isValid() ? color.red() : 0),
                                       short(color.isValid() ? color.green() : 0),
                                       short(color.isValid() ? color.blue() : 0), 255};
            GDALSetColorEntry(table, i, &entry);
        }
        GDALSetRasterColorTable(band, table);
        GDALDestroyColorTable(table);
        GDALSetRasterColorInterpretation(band, GCI_PaletteIndex);
    } else {
        GDALSetDescription(band, "confidence");
    }
    return true;
}

bool LabelRasterWriter::write(const QRect& rect, const void* data, QString* error) {
    QuietGdalErrors quiet;
    const GDALDataType type = m_kind == Kind::Classes ? GDT_Byte : GDT_Float32;
    if (GDALRasterIO(GDALGetRasterBand(m_dataset, 1), GF_Write, rect.x(), rect.y(), rect.width(),
                     rect.height(), const_cast<void*>(data), rect.width(), rect.height(), type, 0,
                     0) != CE_None) {
        *error = QStringLiteral("cannot write %1: %2").arg(m_path, QuietGdalErrors::lastMessage());
        return false;
    }
    return true;
}

bool LabelRasterWriter::finish(QString* error) {
    QuietGdalErrors quiet;
    if (m_png) {
        const QString pngTemporary = m_path + QStringLiteral(".partial.png");
        GDALDatasetH png = GDALCreateCopy(GDALGetDriverByName("PNG"), pngTemporary.toUtf8().constData(),
                                          m_dataset, FALSE, nullptr, nullptr, nullptr);
        if (!png) {
            *error = QStringLiteral("cannot write %1: %2").arg(m_path, QuietGdalErrors::lastMessage());
            QFile::remove(pngTemporary);
            discard();
            return false;
        }
        GDALClose(png);
        QFile::remove(pngTemporary + QStringLiteral(".aux.xml"));
        discard();
        // rename(2) replaces the old file atomically: readers see the old or the new, never half.
        if (std::rename(QFile::encodeName(pngTemporary).constData(), QFile::encodeName(m_path).constData()) !=
            0) {
            *error = QStringLiteral("cannot rename the finished file to %1").arg(m_path);
            return false;
        }
        return true;
    }
    GDALClose(m_dataset);
    m_dataset = nullptr;
    if (CPLGetLastErrorType() == CE_Failure) {
        *error = QStringLiteral("cannot write %1: %2").arg(m_path, QuietGdalErrors::lastMessage());
        discard();
        return false;
    }
    if (std::rename(QFile::encodeName(m_temporaryPath).constData(), QFile::encodeName(m_path).constData()) !=
        0) {
        *error = QStringLiteral("cannot rename the finished file to %1").arg(m_path);
        discard();
        return false;
    }
    m_temporaryPath.clear();
    return true;
}

} // namespace segstudio::cli

#include "annotation/label_raster_writer.h"

#include "annotation/gdal_errors.h"
#include "annotation/label_raster_format.h"

#include <QFile>
#include <QFileInfo>
#include <gdal_priv.h>

namespace segstudio {

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
    m_temporaryPath = LabelRasterFormat::temporaryNameFor(path);
    CPLStringList options = LabelRasterFormat::geoTiffOptions();
    if (kind == Kind::Confidence)
        options.SetNameValue("PREDICTOR", "3");
    QuietGdalErrors quiet;
    LabelRasterFormat::NoAuxSidecar noSidecar;
    m_dataset = GDALCreate(GDALGetDriverByName("GTiff"), m_temporaryPath.toUtf8().constData(), size.width(),
                           size.height(), 1, kind == Kind::Classes ? GDT_Byte : GDT_Float32, options.List());
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
        GDALColorTable table;
        LabelRasterFormat::fillColorTable(table, palette);
        GDALSetRasterColorTable(band, GDALColorTable::ToHandle(&table));
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
    LabelRasterFormat::NoAuxSidecar noSidecar;
    if (m_png) {
        const QString pngTemporary = LabelRasterFormat::temporaryNameFor(m_path);
        GDALDatasetH png = GDALCreateCopy(GDALGetDriverByName("PNG"), pngTemporary.toUtf8().constData(),
                                          m_dataset, FALSE, nullptr, nullptr, nullptr);
        if (png)
            GDALClose(png);
        if (!png || CPLGetLastErrorType() == CE_Failure) {
            *error = QStringLiteral("cannot write %1: %2").arg(m_path, QuietGdalErrors::lastMessage());
            QFile::remove(pngTemporary);
            discard();
            return false;
        }
        discard();
        return LabelRasterFormat::replace(pngTemporary, m_path, error);
    }
    GDALClose(m_dataset);
    m_dataset = nullptr;
    if (CPLGetLastErrorType() == CE_Failure) {
        *error = QStringLiteral("cannot write %1: %2").arg(m_path, QuietGdalErrors::lastMessage());
        discard();
        return false;
    }
    const QString temporary = m_temporaryPath;
    m_temporaryPath.clear();
    return LabelRasterFormat::replace(temporary, m_path, error);
}

} // namespace segstudio

#include "annotation/label_raster_writer.h"

#include "annotation/gdal_errors.h"
#include "annotation/label_raster_format.h"
#include "annotation/qgis_style.h"
#include "storage/atomic_file.h"

#include <QFile>
#include <QFileInfo>
#include <cerrno>
#include <gdal_priv.h>

namespace segstudio {

LabelRasterWriter::LabelRasterWriter() = default;

LabelRasterWriter::~LabelRasterWriter() {
    discard();
}

void LabelRasterWriter::discard() {
    if (m_dataset) {
        GDALClose(m_dataset);
        m_dataset = nullptr;
    }
    m_file.reset();
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
    discard();
    m_path = path;
    m_kind = kind;
    m_palette = palette;
    // A PNG's temporary GeoTIFF lives beside it too, under a name of its own.
    m_file = std::make_unique<storage::PendingFile>();
    std::string why;
    if (!m_file->create(QFile::encodeName(m_png ? path + QStringLiteral(".stream.tif") : path).toStdString(),
                        &why)) {
        *error = QString::fromStdString(why);
        m_file.reset();
        return false;
    }
    CPLStringList options = LabelRasterFormat::geoTiffOptions();
    if (kind == Kind::Confidence)
        options.SetNameValue("PREDICTOR", "3");
    QuietGdalErrors quiet;
    LabelRasterFormat::NoAuxSidecar noSidecar;
    errno = 0;
    m_dataset = GDALCreate(GDALGetDriverByName("GTiff"), m_file->temporaryPath().c_str(), size.width(),
                           size.height(), 1, kind == Kind::Classes ? GDT_Byte : GDT_Float32, options.List());
    if (!m_dataset) {
        *error = LabelRasterFormat::writeFailure(path, errno, QuietGdalErrors::lastMessage());
        m_file.reset();
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

void LabelRasterWriter::setAttribution(const QString& attribution) {
    if (!m_dataset || attribution.isEmpty())
        return;
    const QByteArray text = attribution.toUtf8();
    GDALSetMetadataItem(m_dataset, "TIFFTAG_COPYRIGHT", text.constData(), nullptr);
    GDALSetMetadataItem(m_dataset, "SOURCE_ATTRIBUTION", text.constData(), nullptr);
}

bool LabelRasterWriter::write(const QRect& rect, const void* data, QString* error) {
    QuietGdalErrors quiet;
    const GDALDataType type = m_kind == Kind::Classes ? GDT_Byte : GDT_Float32;
    errno = 0;
    if (GDALRasterIO(GDALGetRasterBand(m_dataset, 1), GF_Write, rect.x(), rect.y(), rect.width(),
                     rect.height(), const_cast<void*>(data), rect.width(), rect.height(), type, 0,
                     0) != CE_None) {
        *error = LabelRasterFormat::writeFailure(m_path, errno, QuietGdalErrors::lastMessage());
        discard();
        return false;
    }
    return true;
}

bool LabelRasterWriter::finish(QString* error) {
    QuietGdalErrors quiet;
    LabelRasterFormat::NoAuxSidecar noSidecar;
    std::string why;
    if (m_png) {
        storage::PendingFile png;
        if (!png.create(QFile::encodeName(m_path).toStdString(), &why)) {
            *error = QString::fromStdString(why);
            discard();
            return false;
        }
        const bool ok = LabelRasterFormat::writeCopy(png, "PNG", m_dataset, nullptr, error);
        discard(); // the streamed GeoTIFF was only the PNG's source
        if (!ok)
            return false;
        if (!png.commit(&why)) {
            *error = QString::fromStdString(why);
            return false;
        }
        return true;
    }
    errno = 0;
    GDALClose(m_dataset);
    m_dataset = nullptr;
    const int savedErrno = errno;
    if (CPLGetLastErrorType() == CE_Failure) {
        *error = LabelRasterFormat::writeFailure(m_path, savedErrno, QuietGdalErrors::lastMessage());
        discard();
        return false;
    }
    bool ok = true;
    if (m_kind == Kind::Classes) {
        storage::PendingFile style;
        const QByteArray qml = QgisStyle::rasterStyle(m_palette);
        ok = style.create(QFile::encodeName(QgisStyle::stylePathFor(m_path)).toStdString(), &why) &&
             style.write(qml.constData(), size_t(qml.size()), &why) &&
             storage::commitGroup({m_file.get(), &style}, &why);
    } else {
        ok = m_file->commit(&why);
    }
    m_file.reset();
    if (!ok)
        *error = QString::fromStdString(why);
    return ok;
}

} // namespace segstudio

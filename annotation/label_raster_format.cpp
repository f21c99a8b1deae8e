#include "annotation/label_raster_format.h"

#include "annotation/mask_tile.h"

#include <QFile>
#include <QFileInfo>
#include <QObject>
#include <QRandomGenerator>
#include <cpl_conv.h>
#include <cstdio>
#include <gdal_priv.h>

namespace segstudio::LabelRasterFormat {

CPLStringList geoTiffOptions() {
    CPLStringList options;
    options.SetNameValue("TILED", "YES");
    options.SetNameValue("BLOCKXSIZE", "256");
    options.SetNameValue("BLOCKYSIZE", "256");
    options.SetNameValue("COMPRESS", "DEFLATE");
    options.SetNameValue("BIGTIFF", "IF_SAFER");
    options.SetNameValue("SPARSE_OK", "TRUE");
    return options;
}

void fillColorTable(GDALColorTable& table, const ClassPalette& palette) {
    const QColor unlabeled = palette.unlabeledColor();
    for (int i = 0; i < 256; ++i) {
        const QColor color = i != Unlabeled && palette.contains(i) ? palette.colorOf(i) : unlabeled;
        const GDALColorEntry entry{short(color.red()), short(color.green()), short(color.blue()), 255};
        table.SetColorEntry(i, &entry);
    }
}

QString temporaryNameFor(const QString& path) {
    return QStringLiteral("%1.tmp-%2")
        .arg(path)
        .arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0'));
}

bool replace(const QString& temporary, const QString& path, QString* error) {
    if (std::rename(QFile::encodeName(temporary).constData(), QFile::encodeName(path).constData()) == 0)
        return true;
    if (error)
        *error = QObject::tr("Could not replace %1.").arg(QFileInfo(path).fileName());
    QFile::remove(temporary);
    return false;
}

NoAuxSidecar::NoAuxSidecar() {
    CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", "NO");
}

NoAuxSidecar::~NoAuxSidecar() {
    CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", nullptr);
}

} // namespace segstudio::LabelRasterFormat

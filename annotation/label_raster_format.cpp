#include "annotation/label_raster_format.h"

#include "annotation/gdal_errors.h"
#include "annotation/mask_tile.h"
#include "storage/atomic_file.h"

#include <QFile>
#include <QFileInfo>
#include <QObject>
#include <cerrno>
#include <cpl_conv.h>
#include <cstring>
#include <gdal.h>
#include <gdal_alg.h>
#include <gdal_priv.h>
#include <vector>

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

QString writeFailure(const QString& target, int savedErrno, const QString& gdalMessage) {
    const QString name = QFileInfo(target).fileName();
    // GDAL's own calls after a failed write often replace errno: when it says nothing useful,
    // a probe written beside the target finds out whether space (or a size limit) is the cause.
    if (savedErrno != ENOSPC && savedErrno != EDQUOT && savedErrno != EFBIG) {
        storage::PendingFile probe;
        std::string ignored;
        const std::vector<char> bytes(256 * 1024, 0);
        errno = 0;
        if (probe.create(QFile::encodeName(target).toStdString(), &ignored) &&
            !probe.write(bytes.data(), bytes.size(), &ignored))
            savedErrno = errno;
    }
    if (savedErrno == ENOSPC || savedErrno == EDQUOT)
        return QObject::tr("Could not write %1: the disk is full. The previous file, if any, is unchanged.")
            .arg(name);
    if (savedErrno == EFBIG || savedErrno == EIO || savedErrno == EROFS)
        return QObject::tr("Could not write %1: %2. The previous file, if any, is unchanged.")
            .arg(name, QString::fromStdString(storage::describeWriteError(savedErrno)));
    return QObject::tr("Could not write %1: %2")
        .arg(name, gdalMessage.isEmpty() ? QObject::tr("write error") : gdalMessage);
}

bool writeCopy(storage::PendingFile& file, const char* driver, GDALDatasetH source, char** options,
               QString* error) {
    QuietGdalErrors quiet;
    NoAuxSidecar noSidecar;
    const QString target = QString::fromStdString(file.targetPath());
    const QByteArray temporary = QFile::encodeName(QString::fromStdString(file.temporaryPath()));
    errno = 0;
    GDALDatasetH written = GDALCreateCopy(GDALGetDriverByName(driver), temporary.constData(), source, FALSE,
                                          options, nullptr, nullptr);
    if (written)
        GDALClose(written); // flushes the last blocks: their errors show in the error state below
    int savedErrno = errno;
    bool ok = written != nullptr && CPLGetLastErrorType() < CE_Failure;
    if (ok && std::strcmp(driver, "PNG") == 0) {
        GDALDatasetH check =
            GDALOpenEx(temporary.constData(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr);
        ok = check && GDALGetRasterXSize(check) == GDALGetRasterXSize(source) &&
             GDALGetRasterYSize(check) == GDALGetRasterYSize(source);
        if (ok)
            GDALChecksumImage(GDALGetRasterBand(check, 1), 0, 0, GDALGetRasterXSize(check),
                              GDALGetRasterYSize(check));
        if (check)
            GDALClose(check);
        ok = ok && CPLGetLastErrorType() < CE_Failure;
        if (!ok && savedErrno == 0)
            savedErrno = ENOSPC; // written without an error, read back short: the usual cause
    }
    std::string why;
    if (ok && !file.finish(&why)) {
        *error = QObject::tr("Could not write %1: %2")
                     .arg(QFileInfo(target).fileName(), QString::fromStdString(why));
        file.discard();
        return false;
    }
    if (!ok) {
        *error = writeFailure(target, savedErrno, QuietGdalErrors::lastMessage());
        file.discard();
    }
    return ok;
}

NoAuxSidecar::NoAuxSidecar() {
    CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", "NO");
}

NoAuxSidecar::~NoAuxSidecar() {
    CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", nullptr);
}

} // namespace segstudio::LabelRasterFormat

#include "annotation/tile_pyramid.h"

#include "annotation/gdal_errors.h"

#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QObject>
#include <QUrl>
#include <gdal.h>
#include <gdal_utils.h>

namespace segstudio {
namespace {

constexpr double WebMercatorHalf = 20037508.342789244;

bool isNumber(const QString& text, int* value) {
    bool ok = false;
    *value = text.toInt(&ok);
    return ok && *value >= 0;
}

} // namespace

bool TilePyramid::find(const QString& folderPath, TilePyramid& pyramid, QString* error) {
    const QDir folder(folderPath);
    int finest = -1;
    for (const QString& name : folder.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        int zoom = 0;
        if (isNumber(name, &zoom) && zoom <= 30)
            finest = std::max(finest, zoom);
    }
    if (finest < 0)
        return false;
    const QDir level(folder.filePath(QString::number(finest)));
    int minX = INT_MAX, maxX = -1, minY = INT_MAX, maxY = -1;
    QString extension, sample;
    for (const QString& column : level.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        int x = 0;
        if (!isNumber(column, &x))
            continue;
        for (const QFileInfo& tile : QDir(level.filePath(column)).entryInfoList(QDir::Files)) {
            int y = 0;
            if (!isNumber(tile.completeBaseName(), &y))
                continue;
            if (extension.isEmpty()) {
                extension = tile.suffix().toLower();
                sample = tile.absoluteFilePath();
            }
            minX = std::min(minX, x);
            maxX = std::max(maxX, x);
            minY = std::min(minY, y);
            maxY = std::max(maxY, y);
        }
    }
    if (maxX < 0) {
        *error = QObject::tr("%1 has zoom folders but no tiles at zoom %2 (files ZOOM/X/Y.png).")
                     .arg(QDir::toNativeSeparators(folderPath))
                     .arg(finest);
        return false;
    }
    pyramid.folder = folder.absolutePath();
    pyramid.zoom = finest;
    pyramid.extension = extension;
    pyramid.tms = QFileInfo::exists(folder.filePath(QStringLiteral("tilemapresource.xml")));
    const int rows = 1 << finest;
    if (pyramid.tms) // stored from the south: as XYZ rows, counted from the north
        std::tie(minY, maxY) = std::pair(rows - 1 - maxY, rows - 1 - minY);
    if (maxX >= rows || maxY >= rows || minY < 0) {
        *error = QObject::tr("%1: tile %2/%3 is outside zoom %4's %5 × %5 tiles.")
                     .arg(QDir::toNativeSeparators(folderPath))
                     .arg(maxX)
                     .arg(maxY)
                     .arg(finest)
                     .arg(rows);
        return false;
    }
    pyramid.tiles = QRect(QPoint(minX, minY), QPoint(maxX, maxY));
    QImageReader reader(sample);
    const QImage image = reader.read();
    pyramid.bands = image.hasAlphaChannel() ? 4 : 3;
    return true;
}

QString TilePyramid::gdalConnection() const {
    const QString url =
        QUrl::fromLocalFile(folder).toString() + QStringLiteral("/${z}/${x}/${y}.") + extension;
    const QString wms =
        QStringLiteral(
            "<GDAL_WMS><Service name=\"TMS\"><ServerUrl>%1</ServerUrl></Service><DataWindow>"
            "<UpperLeftX>%2</UpperLeftX><UpperLeftY>%3</UpperLeftY><LowerRightX>%3</LowerRightX>"
            "<LowerRightY>%2</LowerRightY><TileLevel>%4</TileLevel><TileCountX>1</TileCountX>"
            "<TileCountY>1</TileCountY><YOrigin>%5</YOrigin></DataWindow><Projection>EPSG:3857"
            "</Projection><BlockSizeX>256</BlockSizeX><BlockSizeY>256</BlockSizeY><BandsCount>%6"
            "</BandsCount><ZeroBlockHttpCodes>204,404</ZeroBlockHttpCodes><ZeroBlockOnServerException>"
            "true</ZeroBlockOnServerException></GDAL_WMS>")
            .arg(url.toHtmlEscaped())
            .arg(-WebMercatorHalf, 0, 'f', 6)
            .arg(WebMercatorHalf, 0, 'f', 6)
            .arg(zoom)
            .arg(tms ? QStringLiteral("bottom") : QStringLiteral("top"))
            .arg(bands);
    // The window over the tiles present, as a VRT whose XML is itself the connection string.
    QuietGdalErrors quiet;
    GDALDatasetH world =
        GDALOpenEx(wms.toUtf8().constData(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr);
    if (!world)
        return {};
    const QByteArray x = QByteArray::number(tiles.x() * 256), y = QByteArray::number(tiles.y() * 256);
    const QByteArray w = QByteArray::number(tiles.width() * 256),
                     h = QByteArray::number(tiles.height() * 256);
    char* arguments[] = {const_cast<char*>("-of"),         const_cast<char*>("VRT"),
                         const_cast<char*>("-srcwin"),     const_cast<char*>(x.constData()),
                         const_cast<char*>(y.constData()), const_cast<char*>(w.constData()),
                         const_cast<char*>(h.constData()), nullptr};
    GDALTranslateOptions* options = GDALTranslateOptionsNew(arguments, nullptr);
    GDALDatasetH window = GDALTranslate("", world, options, nullptr);
    GDALTranslateOptionsFree(options);
    QString connection;
    if (window) {
        char** xml = GDALGetMetadata(window, "xml:VRT");
        if (xml && xml[0])
            connection = QString::fromUtf8(xml[0]);
        GDALClose(window);
    }
    GDALClose(world);
    return connection;
}

} // namespace segstudio

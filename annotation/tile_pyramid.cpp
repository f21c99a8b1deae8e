#include "annotation/tile_pyramid.h"

#include "annotation/gdal_errors.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QImageReader>
#include <QObject>
#include <QSet>
#include <QUrl>
#include <QUrlQuery>
#include <cmath>
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

bool TilePyramid::looksLikeTileFolder(const QString& folderPath) {
    // Called on the GUI thread: a folder of 10 000 images is given up at its first image, not
    // listed whole.
    int coarsest = INT_MAX;
    for (QDirIterator it(folderPath, QDir::Dirs | QDir::Files | QDir::NoDotAndDotDot); it.hasNext();) {
        it.next();
        const QFileInfo entry = it.fileInfo();
        int zoom = 0;
        if (entry.isDir()) {
            if (!isNumber(entry.fileName(), &zoom) || zoom > 30)
                return false;
            coarsest = std::min(coarsest, zoom);
            continue;
        }
        // gdal2tiles writes tilemapresource.xml, viewer pages and doc.kml beside the levels.
        static const QStringList imageOrProject{"png",  "jpg",  "jpeg", "tif",
                                                "tiff", "webp", "bmp",  "segproj"};
        if (imageOrProject.contains(entry.suffix().toLower()))
            return false;
    }
    if (coarsest == INT_MAX)
        return false;
    // Folders of images named 1, 2, 3 … are not tiles: the coarsest level (the fewest entries)
    // must hold column folders, and a column tiles named by their row.
    const QDir level(QDir(folderPath).filePath(QString::number(coarsest)));
    const QStringList columns = level.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    int number = 0;
    if (columns.isEmpty() || !isNumber(columns.first(), &number))
        return false;
    const QFileInfoList tiles = QDir(level.filePath(columns.first())).entryInfoList(QDir::Files);
    return !tiles.isEmpty() && isNumber(tiles.first().completeBaseName(), &number);
}

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
    QSet<quint64> present; // as stored: x, and the row of the file name
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
            present.insert((quint64(quint32(x)) << 32) | quint32(y));
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
    pyramid.missingTiles = 0;
    pyramid.firstMissing.clear();
    for (int y = minY; y <= maxY; ++y)
        for (int x = minX; x <= maxX; ++x) {
            const int stored = pyramid.tms ? rows - 1 - y : y;
            if (present.contains((quint64(quint32(x)) << 32) | quint32(stored)))
                continue;
            if (pyramid.missingTiles++ == 0)
                pyramid.firstMissing =
                    QStringLiteral("%1/%2/%3.%4").arg(finest).arg(x).arg(stored).arg(extension);
        }
    QImageReader reader(sample);
    const QImage image = reader.read();
    pyramid.bands = image.hasAlphaChannel() ? 4 : 3;
    return true;
}

bool TilePyramid::isServiceTemplate(const QString& text) {
    const QString url = text.section(QLatin1Char('#'), 0, 0);
    return (url.startsWith(QLatin1String("http://")) || url.startsWith(QLatin1String("https://"))) &&
           url.contains(QLatin1String("{z}")) && url.contains(QLatin1String("{x}")) &&
           url.contains(QLatin1String("{y}"));
}

QString TilePyramid::serviceTemplate(const QString& url, int zoom, const QRectF& area,
                                     const QString& attribution) {
    QUrlQuery fragment;
    fragment.addQueryItem(QStringLiteral("zoom"), QString::number(zoom));
    fragment.addQueryItem(QStringLiteral("area"), QStringLiteral("%1,%2,%3,%4")
                                                      .arg(area.left(), 0, 'f', 7)
                                                      .arg(area.top(), 0, 'f', 7)
                                                      .arg(area.right(), 0, 'f', 7)
                                                      .arg(area.bottom(), 0, 'f', 7));
    if (!attribution.isEmpty())
        fragment.addQueryItem(QStringLiteral("attribution"),
                              QString::fromUtf8(QUrl::toPercentEncoding(attribution)));
    return url.section(QLatin1Char('#'), 0, 0) + QLatin1Char('#') + fragment.toString(QUrl::FullyEncoded);
}

bool TilePyramid::fromTemplate(const QString& spec, const QString& cacheFolder, TilePyramid& pyramid,
                               QString* error) {
    const QString url = spec.section(QLatin1Char('#'), 0, 0);
    const QUrlQuery fragment(spec.section(QLatin1Char('#'), 1));
    const auto fail = [error](const QString& why) {
        *error = why;
        return false;
    };
    if (!isServiceTemplate(spec))
        return fail(
            QObject::tr("%1 is not a tile service URL template (http(s)://…/{z}/{x}/{y}.png).").arg(url));
    bool ok = false;
    const int zoom = fragment.queryItemValue(QStringLiteral("zoom")).toInt(&ok);
    if (!ok || zoom < 0 || zoom > 24)
        return fail(QObject::tr("A tile service needs a zoom level from 0 to 24 (#zoom=17 after the URL, or "
                                "--zoom)."));
    const QStringList corners = fragment.queryItemValue(QStringLiteral("area")).split(QLatin1Char(','));
    double west = 0, south = 0, east = 0, north = 0;
    bool numbers = corners.size() == 4;
    for (int i = 0; numbers && i < 4; ++i)
        (i == 0 ? west : i == 1 ? south : i == 2 ? east : north) = corners[i].toDouble(&numbers);
    constexpr double MaxLatitude = 85.0511287798;
    if (!numbers || !(west < east) || !(south < north) || west < -180 || east > 180 || south < -MaxLatitude ||
        north > MaxLatitude)
        return fail(
            QObject::tr("A tile service needs the area to work on as west,south,east,north in degrees "
                        "(WGS 84, latitudes within ±85.05): #area=55.27,25.18,55.30,25.21 after the "
                        "URL, or --area."));
    const double n = double(1 << zoom);
    const auto column = [n](double longitude) { return int(std::floor((longitude + 180) / 360 * n)); };
    const auto row = [n](double latitude) {
        const double phi = latitude * M_PI / 180;
        return int(std::floor((1 - std::log(std::tan(phi) + 1 / std::cos(phi)) / M_PI) / 2 * n));
    };
    const int last = (1 << zoom) - 1;
    const QRect tiles(QPoint(std::clamp(column(west), 0, last), std::clamp(row(north), 0, last)),
                      QPoint(std::clamp(column(east), 0, last), std::clamp(row(south), 0, last)));
    if (double(tiles.width()) * tiles.height() > 1024.0 * 1024.0)
        return fail(QObject::tr("The area covers %1 × %2 tiles at zoom %3: choose a smaller area or zoom "
                                "(at most 1024 × 1024 tiles).")
                        .arg(tiles.width())
                        .arg(tiles.height())
                        .arg(zoom));
    pyramid = TilePyramid();
    pyramid.url = QString(url)
                      .replace(QLatin1String("{z}"), QLatin1String("${z}"))
                      .replace(QLatin1String("{x}"), QLatin1String("${x}"))
                      .replace(QLatin1String("{y}"), QLatin1String("${y}"));
    pyramid.zoom = zoom;
    pyramid.tiles = tiles;
    pyramid.bands = 3;
    pyramid.cacheFolder = cacheFolder;
    pyramid.attribution =
        QUrl::fromPercentEncoding(fragment.queryItemValue(QStringLiteral("attribution")).toUtf8());
    return true;
}

QString TilePyramid::holeProblem() const {
    if (missingTiles == 0 || bands == 4 || !url.isEmpty())
        return {};
    return QObject::tr("%1 lacks %2 of the %3 tiles of zoom %4 inside its area (the first: %5), and its "
                       "tiles have no transparency to say there is no imagery there: they would be read "
                       "as black. Add the missing tiles, or make the tiles as PNG with transparency "
                       "(gdal2tiles' default), where a missing tile means no data.")
        .arg(QDir::toNativeSeparators(folder))
        .arg(missingTiles)
        .arg(qint64(tiles.width()) * tiles.height())
        .arg(zoom)
        .arg(firstMissing);
}

QString TilePyramid::gdalConnection() const {
    const QString url = !this->url.isEmpty() ? this->url
                                             : QUrl::fromLocalFile(folder).toString() +
                                                   QStringLiteral("/${z}/${x}/${y}.") + extension;
    // A service's tiles are cached; a local folder's missing tiles are empty, a server's errors
    // are errors (never silently black imagery).
    const QString extra =
        this->url.isEmpty() ? QStringLiteral("<ZeroBlockOnServerException>true</ZeroBlockOnServerException>")
        : cacheFolder.isEmpty()
            ? QString()
            : QStringLiteral("<Cache><Path>%1</Path></Cache>").arg(cacheFolder.toHtmlEscaped());
    const QString wms =
        QStringLiteral("<GDAL_WMS><Service name=\"TMS\"><ServerUrl>%1</ServerUrl></Service><DataWindow>"
                       "<UpperLeftX>%2</UpperLeftX><UpperLeftY>%3</UpperLeftY><LowerRightX>%3</LowerRightX>"
                       "<LowerRightY>%2</LowerRightY><TileLevel>%4</TileLevel><TileCountX>1</TileCountX>"
                       "<TileCountY>1</TileCountY><YOrigin>%5</YOrigin></DataWindow><Projection>EPSG:3857"
                       "</Projection><BlockSizeX>256</BlockSizeX><BlockSizeY>256</BlockSizeY><BandsCount>%6"
                       "</BandsCount><ZeroBlockHttpCodes>204,404</ZeroBlockHttpCodes>%7</GDAL_WMS>")
            // All at once: a URL's own percent signs (%2C) must not be taken for placeholders.
            .arg(url.toHtmlEscaped(), QString::number(-WebMercatorHalf, 'f', 6),
                 QString::number(WebMercatorHalf, 'f', 6), QString::number(zoom),
                 tms ? QStringLiteral("bottom") : QStringLiteral("top"), QString::number(bands), extra);
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

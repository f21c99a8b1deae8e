// RasterSource on generated GeoTIFFs, on the real files in ../shared/data, on tile services GDAL
// opens from a local description, and on damaged and non-image files.
#include "annotation/gdal_setup.h"
#include "annotation/raster_source.h"
#include "test_support.h"

#include <QColor>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <cmath>
#include <gdal.h>
#include <thread>

using namespace segstudio;
using segstudio::test::dataPath;
using segstudio::test::RasterSpec;
using segstudio::test::writeGeoTiff;

namespace {

// Constant over 8×8 blocks, so every decimation up to level 3 picks the same value whatever
// pixel of the block it samples.
double blockPattern(int band, int x, int y) {
    return ((x / 8) * 7 + (y / 8) * 13 + band * 31) % 251;
}

QRgb pixelAt(const QImage& image, int x, int y) {
    return image.pixel(x, y);
}

} // namespace

class TestRasterSource : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        initializeGdal();
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFile::exists(dataPath(QStringLiteral("dubai_aerial/stats.csv"))),
                 "../shared/data is missing next to the checkout");
    }

    void georeferenceRoundTrip() {
        RasterSpec spec;
        spec.width = 300;
        spec.height = 200;
        spec.geoTransform = std::array<double, 6>{500000, 0.5, 0, 2800000, 0, -0.5};
        spec.epsg = 32640; // WGS 84 / UTM 40N: Dubai; its central meridian is 57° E
        const QString path = m_dir.filePath(QStringLiteral("utm40.tif"));
        QVERIFY(writeGeoTiff(path, spec, blockPattern));

        QString error;
        const auto source = RasterSource::open(path, &error);
        QVERIFY2(source, qPrintable(error));
        const Georeference& geo = source->georeference();
        QVERIFY(geo.isValid());
        QCOMPARE(geo.crsAuthority(), QStringLiteral("EPSG:32640"));
        QVERIFY(geo.crsName().contains(QStringLiteral("UTM zone 40N")));
        QCOMPARE(geo.pixelToMap(QPointF(0, 0)), QPointF(500000, 2800000));
        QCOMPARE(geo.pixelToMap(QPointF(300, 200)), QPointF(500150, 2799900));
        for (const QPointF pixel : {QPointF(0, 0), QPointF(12.5, 7.25), QPointF(299.9, 199.1)}) {
            const auto back = geo.mapToPixel(geo.pixelToMap(pixel));
            QVERIFY(back);
            QVERIFY(std::abs(back->x() - pixel.x()) < 1e-6 && std::abs(back->y() - pixel.y()) < 1e-6);
        }
        const auto lonLat = geo.mapToLonLat(QPointF(500000, 2800000));
        QVERIFY(lonLat);
        QVERIFY2(std::abs(lonLat->x() - 57.0) < 1e-6, qPrintable(QString::number(lonLat->x(), 'f', 8)));
        QVERIFY(lonLat->y() > 25.25 && lonLat->y() < 25.35);
    }

    void plainPhotoHasNoGeoreference() {
        QString error;
        const auto source = RasterSource::open(
            dataPath(QStringLiteral("dubai_aerial/tile_1/images/image_part_001.jpg")), &error);
        QVERIFY2(source, qPrintable(error));
        QVERIFY(!source->georeference().isValid());
        QCOMPARE(source->info().driverName, QStringLiteral("JPEG"));
        QCOMPARE(source->size(), QSize(797, 644));
        QCOMPARE(source->levelCount(), 3); // 797 → 399 → 200
    }

    void windowsAtEachLevel_data() {
        QTest::addColumn<bool>("tiled");
        QTest::addColumn<QList<int>>("overviews");
        QTest::newRow("tiled, no overviews") << true << QList<int>{};
        QTest::newRow("tiled, overviews 2 4 8") << true << QList<int>{2, 4, 8};
        QTest::newRow("striped, overviews 2 4") << false << QList<int>{2, 4};
    }

    void windowsAtEachLevel() {
        QFETCH(bool, tiled);
        QFETCH(QList<int>, overviews);
        RasterSpec spec;
        spec.width = 1000;
        spec.height = 600;
        spec.type = GDT_UInt16;
        spec.tiled = tiled;
        spec.overviewFactors = overviews;
        const QString path =
            m_dir.filePath(QStringLiteral("levels_%1_%2.tif").arg(tiled).arg(overviews.size()));
        QVERIFY(writeGeoTiff(path, spec, blockPattern));

        QString error;
        const auto source = RasterSource::open(path, &error);
        QVERIFY2(source, qPrintable(error));
        QCOMPARE(source->info().overviews.size(), overviews.size());
        QCOMPARE(source->levelCount(), 3); // 1000 → 500 → 250
        for (int level = 0; level < 3; ++level) {
            const QSize size = source->levelSize(level);
            QCOMPARE(size, QSize((1000 + (1 << level) - 1) >> level, (600 + (1 << level) - 1) >> level));
            const QRect window(size.width() / 3, size.height() / 4, size.width() / 2, size.height() / 2);
            std::vector<float> samples;
            QVERIFY2(source->readWindow(level, window, {1}, samples, &error), qPrintable(error));
            QCOMPARE(samples.size(), size_t(window.width()) * window.height());
            int wrong = 0;
            for (int y = 0; y < window.height(); ++y) {
                for (int x = 0; x < window.width(); ++x) {
                    const int fullX = (window.x() + x) << level;
                    const int fullY = (window.y() + y) << level;
                    wrong += samples[size_t(y) * window.width() + x] != float(blockPattern(1, fullX, fullY));
                }
            }
            QVERIFY2(wrong == 0,
                     qPrintable(QStringLiteral("level %1: %2 wrong samples").arg(level).arg(wrong)));
        }
        // Tiles cover the level exactly; edge tiles are clipped.
        QCOMPARE(source->tilesAcross(0), 4);
        QCOMPARE(source->tilesDown(0), 3);
        QCOMPARE(source->tileRect(0, 3, 2), QRect(768, 512, 232, 88));
        QCOMPARE(source->renderTile(0, 3, 2, source->defaultDisplay(), &error).size(), QSize(232, 88));
    }

    void stretch16Bit() {
        RasterSpec spec;
        spec.width = 400;
        spec.height = 100;
        spec.type = GDT_UInt16;
        // A ramp from 1000 to 4990 along x: the 2 % and 98 % cuts land near 1080 and 4910.
        const QString path = m_dir.filePath(QStringLiteral("ramp16.tif"));
        QVERIFY(writeGeoTiff(path, spec, [](int, int x, int) { return 1000 + 10 * x; }));
        QString error;
        const auto source = RasterSource::open(path, &error);
        QVERIFY2(source, qPrintable(error));
        QCOMPARE(source->info().dataType, QStringLiteral("UInt16"));
        QVERIFY(!source->info().isByteData);
        const DisplaySettings display = source->defaultDisplay();
        QVERIFY(display.isGrey());
        QVERIFY2(std::abs(display.low[0] - 1080) <= 10, qPrintable(QString::number(display.low[0])));
        QVERIFY2(std::abs(display.high[0] - 4910) <= 10, qPrintable(QString::number(display.high[0])));

        const QImage tile = source->renderTile(0, 0, 0, display, &error);
        QVERIFY2(!tile.isNull(), qPrintable(error));
        QCOMPARE(qGray(pixelAt(tile, 0, 0)), 0);         // below the low cut: clipped to black
        QCOMPARE(qGray(pixelAt(tile, 7, 5)), 0);         // 1070, the 2 % cut → 0
        const int middle = qGray(pixelAt(tile, 199, 5)); // 2990, about halfway between the cuts
        QVERIFY2(std::abs(middle - 128) <= 3, qPrintable(QString::number(middle)));

        // Min–max stretch reaches the ends of the data exactly.
        const DisplaySettings minMax = source->computeDisplay({1, 1, 1}, StretchKind::MinMax, &error);
        QCOMPARE(minMax.low[0], 1000.0);
        QCOMPARE(minMax.high[0], 4990.0);
        const QImage full = source->renderTile(0, 1, 0, minMax, &error);
        QCOMPARE(qGray(pixelAt(full, 399 - 256, 0)), 255);
    }

    void bandMapping() {
        RasterSpec spec;
        spec.width = 64;
        spec.height = 64;
        spec.bands = 5; // e.g. a multispectral scene: no band is alpha
        const QString path = m_dir.filePath(QStringLiteral("five_bands.tif"));
        QVERIFY(writeGeoTiff(path, spec, [](int band, int, int) { return band * 40; }));
        QString error;
        const auto source = RasterSource::open(path, &error);
        QVERIFY2(source, qPrintable(error));
        QCOMPARE(source->info().bandCount, 5);
        QCOMPARE(source->info().alphaBand, 0);
        QCOMPARE(source->defaultDisplay().bands, (std::array<int, 3>{1, 2, 3}));

        DisplaySettings display = source->defaultDisplay();
        QCOMPARE(source->renderTile(0, 0, 0, display, &error).pixel(5, 5), qRgb(40, 80, 120));
        display.bands = {3, 1, 4};
        QCOMPARE(source->renderTile(0, 0, 0, display, &error).pixel(5, 5), qRgb(120, 40, 160));
        display.bands = {2, 2, 2};
        QCOMPARE(source->renderTile(0, 0, 0, display, &error).pixel(5, 5), qRgb(80, 80, 80));
        // A stretch on 8-bit data goes through the general path: 40..120 → 0..255.
        display.bands = {1, 3, 2};
        display.low = {40, 40, 40};
        display.high = {120, 120, 120};
        QCOMPARE(source->renderTile(0, 0, 0, display, &error).pixel(5, 5), qRgb(0, 255, 128));
        display.bands = {1, 2, 6};
        QVERIFY(source->renderTile(0, 0, 0, display, &error).isNull());
        QVERIFY(error.contains(QStringLiteral("band 6")));
    }

    void alphaBandMakesPixelsTransparent() {
        RasterSpec spec;
        spec.width = 32;
        spec.height = 32;
        spec.bands = 4;
        spec.alphaBands = {4};
        const QString path = m_dir.filePath(QStringLiteral("rgba.tif"));
        QVERIFY(writeGeoTiff(path, spec,
                             [](int band, int x, int) { return band == 4 ? (x < 16 ? 0 : 255) : 100; }));
        QString error;
        const auto source = RasterSource::open(path, &error);
        QVERIFY2(source, qPrintable(error));
        QCOMPARE(source->info().alphaBand, 4);
        const QImage tile = source->renderTile(0, 0, 0, source->defaultDisplay(), &error);
        QCOMPARE(qAlpha(tile.pixel(3, 3)), 0);
        QCOMPARE(tile.pixel(20, 3), qRgb(100, 100, 100));
    }

    void noDataIsTransparent() {
        QString error;
        const auto source = RasterSource::open(dataPath(QStringLiteral("geotiff/RGB.byte.tif")), &error);
        QVERIFY2(source, qPrintable(error));
        QCOMPARE(source->info().noData, std::optional<double>(0));
        const QImage tile = source->renderTile(0, 0, 0, source->defaultDisplay(), &error);
        QCOMPARE(qAlpha(tile.pixel(0, 0)), 0); // the black collar of the rotated scene
        // Somewhere inside the scene every pixel is opaque.
        const QImage middle =
            source->renderWindow(0, QRect(380, 340, 20, 20), source->defaultDisplay(), &error);
        for (int y = 0; y < middle.height(); ++y)
            for (int x = 0; x < middle.width(); ++x)
                QCOMPARE(qAlpha(middle.pixel(x, y)), 255);
    }

    void realGeoTiff() {
        QString error;
        const auto source = RasterSource::open(dataPath(QStringLiteral("geotiff/RGB.byte.tif")), &error);
        QVERIFY2(source, qPrintable(error));
        const RasterInfo& info = source->info();
        QCOMPARE(info.driverName, QStringLiteral("GTiff"));
        QCOMPARE(source->size(), QSize(791, 718));
        QCOMPARE(info.bandCount, 3);
        QCOMPARE(info.bandNames, (QStringList{"Red", "Green", "Blue"}));
        const Georeference& geo = source->georeference();
        QCOMPARE(geo.crsAuthority(), QStringLiteral("EPSG:32618"));
        QCOMPARE(geo.pixelToMap(QPointF(0, 0)), QPointF(101985.0, 2826915.0));
        const QPointF lowerRight = geo.pixelToMap(QPointF(791, 718));
        QVERIFY(std::abs(lowerRight.x() - 339315) < 1 && std::abs(lowerRight.y() - 2611485) < 1);
        // The README: the scene lies within about 78°57′W–76°34′W, 23°34′N–25°33′N.
        const auto lonLat = geo.mapToLonLat(geo.pixelToMap(QPointF(395.5, 359)));
        QVERIFY(lonLat);
        QVERIFY(lonLat->x() > -78.95 && lonLat->x() < -76.57);
        QVERIFY(lonLat->y() > 23.57 && lonLat->y() < 25.55);

        const auto tenth = RasterSource::open(dataPath(QStringLiteral("geotiff/rgb-byte-tenth.tif")), &error);
        QVERIFY2(tenth, qPrintable(error));
        QCOMPARE(tenth->size(), QSize(79, 71));
        QVERIFY(tenth->georeference().hasCrs());
        QVERIFY(tenth->georeference().mapToLonLat(tenth->georeference().pixelToMap(QPointF(40, 35))));
    }

    void realDubaiImages() {
        QFile stats(dataPath(QStringLiteral("dubai_aerial/stats.csv")));
        QVERIFY(stats.open(QIODevice::ReadOnly));
        stats.readLine(); // header
        int images = 0;
        while (!stats.atEnd()) {
            const QList<QByteArray> fields = stats.readLine().trimmed().split(',');
            QCOMPARE(fields.size(), 11);
            QString error;
            const auto image =
                RasterSource::open(dataPath(QStringLiteral("dubai_aerial/") + fields[0]), &error);
            QVERIFY2(image, qPrintable(error));
            QCOMPARE(image->size(), QSize(fields[2].toInt(), fields[3].toInt()));
            QCOMPARE(image->info().bandCount, 3);
            const QImage centre = image->renderTile(0, image->tilesAcross(0) / 2, image->tilesDown(0) / 2,
                                                    image->defaultDisplay(), &error);
            QVERIFY2(!centre.isNull(), qPrintable(error));
            ++images;
        }
        QCOMPARE(images, 54);
    }

    void paletteMaskShowsItsColours() {
        // tile_2 masks are palette PNGs: the colour table decides the colours on screen, and
        // every pixel must be one of the seven mask colours with the per-class counts of stats.csv.
        QString error;
        const auto mask = RasterSource::open(
            dataPath(QStringLiteral("dubai_aerial/tile_2/masks/image_part_001.png")), &error);
        QVERIFY2(mask, qPrintable(error));
        QVERIFY(mask->info().hasColorTable);
        QVERIFY(mask->defaultDisplay().usePalette);
        const QImage image =
            mask->renderWindow(0, QRect(QPoint(0, 0), mask->size()), mask->defaultDisplay(), &error);
        QVERIFY2(!image.isNull(), qPrintable(error));
        QHash<QRgb, qint64> counts;
        for (int y = 0; y < image.height(); ++y)
            for (int x = 0; x < image.width(); ++x)
                ++counts[image.pixel(x, y)];
        // tile_2/images/image_part_001.jpg in stats.csv
        QFile stats(dataPath(QStringLiteral("dubai_aerial/stats.csv")));
        QVERIFY(stats.open(QIODevice::ReadOnly));
        QList<QByteArray> row;
        while (!stats.atEnd()) {
            row = stats.readLine().trimmed().split(',');
            if (row[1] == "tile_2/masks/image_part_001.png")
                break;
        }
        QCOMPARE(row[1], QByteArray("tile_2/masks/image_part_001.png"));
        const QList<QRgb> colours{qRgb(60, 16, 152),  qRgb(132, 41, 246), qRgb(110, 193, 228),
                                  qRgb(254, 221, 58), qRgb(226, 169, 41), qRgb(155, 155, 155),
                                  qRgb(0, 0, 0)};
        for (int c = 0; c < colours.size(); ++c)
            QCOMPARE(counts.value(colours[c]), row[4 + c].toLongLong());
    }

    void tileServices_mbtiles() {
        // An MBTiles file made by GDAL itself from a Web-Mercator raster.
        RasterSpec spec;
        spec.width = 512;
        spec.height = 512;
        spec.bands = 3;
        spec.geoTransform = std::array<double, 6>{6100000, 20, 0, 2900000, 0, -20}; // near Dubai
        spec.epsg = 3857;
        const QString tif = m_dir.filePath(QStringLiteral("mercator.tif"));
        QVERIFY(writeGeoTiff(tif, spec,
                             [](int band, int x, int) { return band == 1 ? (x < 256 ? 200 : 40) : 90; }));
        const QString mbtiles = m_dir.filePath(QStringLiteral("tiles.mbtiles"));
        GDALDatasetH input = GDALOpen(tif.toUtf8().constData(), GA_ReadOnly);
        QVERIFY(input);
        GDALDatasetH output = GDALCreateCopy(GDALGetDriverByName("MBTiles"), mbtiles.toUtf8().constData(),
                                             input, FALSE, nullptr, nullptr, nullptr);
        GDALClose(input);
        QVERIFY(output);
        GDALClose(output);

        QString error;
        const auto source = RasterSource::open(mbtiles, &error);
        QVERIFY2(source, qPrintable(error));
        QCOMPARE(source->info().driverName, QStringLiteral("MBTiles"));
        QCOMPARE(source->georeference().crsAuthority(), QStringLiteral("EPSG:3857"));
        const QImage tile =
            source->renderWindow(0, QRect(QPoint(0, 0), source->size()), source->defaultDisplay(), &error);
        QVERIFY2(!tile.isNull(), qPrintable(error));
        // The red band's step from 200 to 40 survives the resampling into web tiles.
        const auto pixel = source->georeference().mapToPixel(QPointF(6100000 + 2560, 2900000 - 5120));
        QVERIFY(pixel);
        QVERIFY(qRed(tile.pixel(int(pixel->x()), int(pixel->y()))) > 150);
        const auto right = source->georeference().mapToPixel(QPointF(6100000 + 7680, 2900000 - 5120));
        QVERIFY(qRed(tile.pixel(int(right->x()), int(right->y()))) < 80);
    }

    void tileServices_xyzFolder() {
        // A local XYZ tile folder (z/x/y.png) described by a GDAL WMS XML file, as a tile server
        // mirror or a QGIS "XYZ tiles" export is. Zoom 1: 2 × 2 tiles of distinct colours.
        const QString root = m_dir.filePath(QStringLiteral("xyz"));
        const QList<QColor> colours{Qt::red, Qt::green, Qt::blue, Qt::yellow};
        for (int x = 0; x < 2; ++x) {
            for (int y = 0; y < 2; ++y) {
                QVERIFY(QDir().mkpath(QStringLiteral("%1/1/%2").arg(root).arg(x)));
                QImage tile(256, 256, QImage::Format_RGB32);
                tile.fill(colours[x * 2 + y]);
                QVERIFY(tile.save(QStringLiteral("%1/1/%2/%3.png").arg(root).arg(x).arg(y)));
            }
        }
        QVERIFY(QDir().mkpath(root + QStringLiteral("/0/0")));
        QImage overview(256, 256, QImage::Format_RGB32); // zoom 0: what GDAL reads for reduced views
        overview.fill(Qt::gray);
        QVERIFY(overview.save(root + QStringLiteral("/0/0/0.png")));
        const QString xml = m_dir.filePath(QStringLiteral("xyz.xml"));
        QFile file(xml);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral(
                       "<GDAL_WMS><Service "
                       "name=\"TMS\"><ServerUrl>file://%1/${z}/${x}/${y}.png</ServerUrl></Service>"
                       "<DataWindow><UpperLeftX>-20037508.34</UpperLeftX><UpperLeftY>20037508.34</UpperLeftY>"
                       "<LowerRightX>20037508.34</LowerRightX><LowerRightY>-20037508.34</LowerRightY>"
                       "<TileLevel>1</TileLevel><TileCountX>1</TileCountX><TileCountY>1</TileCountY>"
                       "<YOrigin>top</YOrigin></DataWindow><Projection>EPSG:3857</Projection>"
                       "<BlockSizeX>256</BlockSizeX><BlockSizeY>256</BlockSizeY><BandsCount>3</BandsCount>"
                       "</GDAL_WMS>")
                       .arg(root)
                       .toUtf8());
        file.close();

        QString error;
        const auto source = RasterSource::open(xml, &error);
        QVERIFY2(source, qPrintable(error));
        QCOMPARE(source->info().driverName, QStringLiteral("WMS"));
        QCOMPARE(source->size(), QSize(512, 512));
        QCOMPARE(source->georeference().crsAuthority(), QStringLiteral("EPSG:3857"));
        for (int x = 0; x < 2; ++x) {
            for (int y = 0; y < 2; ++y) {
                const QImage tile = source->renderTile(0, x, y, source->defaultDisplay(), &error);
                QVERIFY2(!tile.isNull(), qPrintable(error));
                QCOMPARE(tile.pixel(128, 128), colours[x * 2 + y].rgb());
            }
        }
    }

    void badFiles_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("expected");
        QFile tif(dataPath(QStringLiteral("geotiff/RGB.byte.tif")));
        QVERIFY(tif.open(QIODevice::ReadOnly));
        const QByteArray tiff = tif.readAll();
        QFile jpg(dataPath(QStringLiteral("dubai_aerial/tile_1/images/image_part_001.jpg")));
        QVERIFY(jpg.open(QIODevice::ReadOnly));
        const QByteArray jpeg = jpg.readAll();
        QFile png(dataPath(QStringLiteral("dubai_aerial/tile_1/masks/image_part_001.png")));
        QVERIFY(png.open(QIODevice::ReadOnly));
        const QByteArray pngData = png.readAll();

        QTest::newRow("text file") << "notes.txt" << QByteArray("just some words\n") << "not an image format";
        QTest::newRow("empty file") << "empty.tif" << QByteArray() << "";
        QTest::newRow("random bytes named .tif") << "noise.tif" << QByteArray(4096, '\x5a') << "";
        QTest::newRow("truncated GeoTIFF") << "cut.tif" << tiff.left(tiff.size() * 2 / 5) << "damaged";
        QTest::newRow("truncated JPEG") << "cut.jpg" << jpeg.left(jpeg.size() / 2) << "damaged";
        QTest::newRow("truncated PNG") << "cut.png" << pngData.left(pngData.size() / 2) << "damaged";
        QTest::newRow("TIFF header only") << "header.tif" << tiff.left(8) << "";
    }

    void badFiles() {
        QFETCH(QString, name);
        QFETCH(QByteArray, content);
        QFETCH(QString, expected);
        const QString path = m_dir.filePath(name);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content);
        file.close();
        QString error;
        const auto source = RasterSource::open(path, &error);
        QVERIFY(!source);
        QVERIFY2(error.startsWith(QStringLiteral("Cannot open “%1”").arg(name)), qPrintable(error));
        QVERIFY2(error.contains(expected), qPrintable(error));
    }

    // A folder of tiles opens where its tiles are, at its finest zoom, not as a grey world: 3 × 2
    // tiles at zoom 12 over Dubai, XYZ and (with tilemapresource.xml) gdal2tiles' TMS rows.
    void tileFolderOpensWhereItsTilesAre_data() {
        QTest::addColumn<bool>("tms");
        QTest::newRow("xyz") << false;
        QTest::newRow("tms") << true;
    }

    void tileFolderOpensWhereItsTilesAre() {
        QFETCH(bool, tms);
        const QString root =
            m_dir.filePath(tms ? QStringLiteral("pyramid-tms") : QStringLiteral("pyramid-xyz"));
        const int zoom = 12, x0 = 2680, y0 = 1755; // XYZ rows
        const auto colourOf = [](int dx, int dy) { return QColor::fromHsv(dx * 60 + dy * 25, 200, 220); };
        for (int dx = 0; dx < 3; ++dx) {
            for (int dy = 0; dy < 2; ++dy) {
                const int row = tms ? (1 << zoom) - 1 - (y0 + dy) : y0 + dy;
                QVERIFY(QDir().mkpath(QStringLiteral("%1/%2/%3").arg(root).arg(zoom).arg(x0 + dx)));
                QImage tile(256, 256, QImage::Format_RGB32);
                tile.fill(colourOf(dx, dy));
                QVERIFY(
                    tile.save(QStringLiteral("%1/%2/%3/%4.png").arg(root).arg(zoom).arg(x0 + dx).arg(row)));
            }
        }
        // A coarser level that must not be the one opened.
        QVERIFY(QDir().mkpath(QStringLiteral("%1/11/1340").arg(root)));
        QImage coarse(256, 256, QImage::Format_RGB32);
        coarse.fill(Qt::black);
        QVERIFY(coarse.save(QStringLiteral("%1/11/1340/%2.png").arg(root).arg(tms ? 2048 - 1 - 877 : 877)));
        if (tms) {
            QFile resource(root + QStringLiteral("/tilemapresource.xml"));
            QVERIFY(resource.open(QIODevice::WriteOnly));
            resource.write("<TileMap version=\"1.0.0\"><SRS>EPSG:3857</SRS></TileMap>");
        }
        QString error;
        const auto source = RasterSource::open(root, &error);
        QVERIFY2(source, qPrintable(error));
        QCOMPARE(source->size(), QSize(3 * 256, 2 * 256));
        QCOMPARE(source->georeference().crsAuthority(), QStringLiteral("EPSG:3857"));
        const double tileMetres = 2 * 20037508.342789244 / (1 << zoom);
        QVERIFY(std::abs(source->georeference().geoTransform()[0] - (-20037508.342789244 + x0 * tileMetres)) <
                1e-3);
        QVERIFY(std::abs(source->georeference().geoTransform()[3] - (20037508.342789244 - y0 * tileMetres)) <
                1e-3);
        for (int dx = 0; dx < 3; ++dx) {
            for (int dy = 0; dy < 2; ++dy) {
                const QImage tile = source->renderTile(0, dx, dy, source->defaultDisplay(), &error);
                QVERIFY2(!tile.isNull(), qPrintable(error));
                QCOMPARE(tile.pixel(128, 128), colourOf(dx, dy).rgb());
            }
        }
    }

    void missingAndFolder() {
        QString error;
        QVERIFY(!RasterSource::open(m_dir.filePath(QStringLiteral("nope.tif")), &error));
        QVERIFY(error.contains(QStringLiteral("does not exist")));
        QVERIFY(!RasterSource::open(m_dir.path(), &error));
        QVERIFY(error.contains(QStringLiteral("folder")));
    }

    void concurrentReadsUseSeparateHandles() {
        // Many threads render tiles of one source at once; every result must be right.
        RasterSpec spec;
        spec.width = 2048;
        spec.height = 2048;
        const QString path = m_dir.filePath(QStringLiteral("concurrent.tif"));
        QVERIFY(writeGeoTiff(path, spec, blockPattern));
        QString error;
        const auto source = RasterSource::open(path, &error);
        QVERIFY2(source, qPrintable(error));
        std::atomic<int> wrong{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < 16; ++i) {
                    const int tx = (t + i) % 8, ty = (t * 3 + i) % 8;
                    QString threadError;
                    const QImage tile = source->renderTile(0, tx, ty, source->defaultDisplay(), &threadError);
                    const int expected = int(blockPattern(1, tx * 256 + 17, ty * 256 + 33));
                    if (tile.isNull() || qRed(tile.pixel(17, 33)) != expected)
                        ++wrong;
                }
            });
        }
        for (auto& thread : threads)
            thread.join();
        QCOMPARE(wrong.load(), 0);
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestRasterSource)
#include "test_raster_source.moc"

// The main window driven like a user: open files, wheel-zoom, drag, keys; check what the canvas
// shows and what the status bar says. Runs on the offscreen platform.
#include "annotation/gdal_setup.h"
#include "annotation/label_document.h"
#include "annotation/raster_source.h"
#include "annotation/source_policy.h"
#include "annotation/tile_pyramid.h"
#include "app/document_session.h"
#include "app/main_window.h"
#include "app/map_exports.h"
#include "http_test_server.h"
#include "test_support.h"
#include "ui/areas_panel.h"
#include "ui/image_info_panel.h"
#include "ui/map_canvas.h"
#include "ui/tile_service_dialog.h"

#include <QApplication>
#include <QBuffer>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QWheelEvent>
#include <ogr_api.h>
#include <ogr_srs_api.h>

using namespace segstudio;
using segstudio::test::dataPath;

namespace {

bool near(QPointF a, QPointF b, double tolerance = 1e-6) {
    return std::abs(a.x() - b.x()) <= tolerance && std::abs(a.y() - b.y()) <= tolerance;
}

void wheel(QWidget* widget, QPoint position, int notches) {
    QWheelEvent event(position, widget->mapToGlobal(position), QPoint(), QPoint(0, notches * 120),
                      Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(widget, &event);
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        initializeGdal();
        QApplication::setOrganizationName(QStringLiteral("segstudio-test"));
        QApplication::setApplicationName(QStringLiteral("test_main_window"));
    }

    void init() {
        // What an earlier test (or an earlier run in these folders) left does not carry over:
        // every test starts from the defaults, and with no edit journal to offer restoring (a
        // run killed by hand leaves one for the image it had open).
        QSettings().clear();
        QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/journals"))
            .removeRecursively();
        m_window = std::make_unique<MainWindow>();
        m_window->resize(1000, 700);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        // Window shortcuts (Ctrl+1, B, Ctrl+Z) need the window active, which comes a little later.
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    }

    void cleanup() { m_window.reset(); }

    void opensAndFitsTheImage() {
        const QString path = dataPath(QStringLiteral("dubai_aerial/tile_1/images/image_part_003.jpg"));
        open(path);
        MapCanvas* canvas = m_window->canvas();
        const QRectF visible = canvas->view().visibleImageRect();
        QVERIFY(visible.contains(QRectF(0, 0, 797, 644)));
        // Fitted: one side of the image touches the canvas edges.
        QVERIFY(std::abs(visible.width() - 797) < 1 || std::abs(visible.height() - 644) < 1);
        QCOMPARE(m_window->imageInfo()->valueOf(QStringLiteral("Size")), QStringLiteral("797 × 644 px"));
        QCOMPARE(m_window->imageInfo()->valueOf(QStringLiteral("CRS")), QStringLiteral("not georeferenced"));
        QCOMPARE(m_window->recentFiles().value(0), path);
        QVERIFY(m_window->windowTitle().startsWith(QStringLiteral("image_part_003.jpg")));
    }

    void showsThePixelsOfTheImage() {
        const QString path = dataPath(QStringLiteral("dubai_aerial/tile_1/images/image_part_003.jpg"));
        open(path);
        MapCanvas* canvas = m_window->canvas();
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_1, Qt::ControlModifier); // 1:1
        QCOMPARE(canvas->view().scale(), 1.0);
        QTRY_VERIFY(paintedCompletely());
        // At 1:1 every screen pixel is exactly one image pixel.
        QString error;
        const auto source = RasterSource::open(path, &error);
        QVERIFY(source);
        const QImage frame = canvas->grab().toImage();
        int compared = 0;
        for (const QPoint widget : {QPoint(100, 100), QPoint(400, 300), QPoint(555, 222)}) {
            const QPointF image = canvas->view().widgetToImage(QPointF(widget) + QPointF(0.5, 0.5));
            const QImage expected = source->renderWindow(0, QRect(int(image.x()), int(image.y()), 1, 1),
                                                         source->defaultDisplay(), &error);
            QCOMPARE(frame.pixel(widget), expected.pixel(0, 0));
            ++compared;
        }
        QCOMPARE(compared, 3);
    }

    void partialRepaintKeepsTheWholeViewLoading() {
        // A repaint of a small area (an edit, a tile arriving) must not drop the queued loads
        // of the rest of the view: each request replaces the queue.
        open(dataPath(QStringLiteral("dubai_aerial/tile_7/images/image_part_001.jpg")));
        MapCanvas* canvas = m_window->canvas();
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_1, Qt::ControlModifier); // 1:1: a dozen level-0 tiles
        canvas->repaint();                                       // requests all of them
        const QList<TileKey> visible = canvas->visibleTiles();
        QVERIFY(visible.size() >= 8);
        canvas->repaint(QRect(0, 0, 4, 4)); // the top-left corner only
        int accounted = 0;
        for (const TileKey& key : visible)
            accounted += canvas->tileCache().contains(key) || canvas->tileCache().isLoading(key);
        QCOMPARE(accounted, int(visible.size()));
        // And without any full repaint forced from here on, the whole view arrives.
        QTRY_VERIFY_WITH_TIMEOUT(
            std::all_of(visible.begin(), visible.end(),
                        [&](const TileKey& key) { return canvas->tileCache().contains(key); }),
            15000);
    }

    void wheelZoomsAroundTheCursor() {
        open(dataPath(QStringLiteral("dubai_aerial/tile_7/images/image_part_001.jpg")));
        MapCanvas* canvas = m_window->canvas();
        const QPoint cursor(200, 150);
        const QPointF before = canvas->view().widgetToImage(cursor);
        const double scale = canvas->view().scale();
        wheel(canvas, cursor, 2); // two notches: ×2
        QVERIFY(std::abs(canvas->view().scale() - 2 * scale) < 1e-9);
        QVERIFY(near(canvas->view().widgetToImage(cursor), before));
        wheel(canvas, cursor, -4);
        QVERIFY(std::abs(canvas->view().scale() - scale / 2) < 1e-9);
        QVERIFY(near(canvas->view().widgetToImage(cursor), before));
        // Zoomed in past 1:1 the view snaps to whole screen pixels: the point under the cursor
        // stays within half a screen pixel.
        wheel(canvas, cursor, 12);
        const double zoomed = canvas->view().scale();
        QVERIFY(zoomed > 1);
        QVERIFY(near(canvas->view().widgetToImage(cursor), before, 0.5 / zoomed));
    }

    void dragPansAndKeysZoom() {
        open(dataPath(QStringLiteral("dubai_aerial/tile_7/images/image_part_001.jpg")));
        MapCanvas* canvas = m_window->canvas();
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_1, Qt::ControlModifier);
        QCOMPARE(canvas->view().scale(), 1.0);
        const QPointF centre = canvas->view().center();

        QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, QPoint(300, 300));
        QTest::mouseMove(canvas, QPoint(250, 280));
        QTest::mouseMove(canvas, QPoint(200, 260));
        QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, QPoint(200, 260));
        QVERIFY(near(canvas->view().center(), centre + QPointF(100, 40)));

        QTest::keyClick(canvas, Qt::Key_Plus);
        QCOMPARE(canvas->view().scale(), 2.0);
        QTest::keyClick(canvas, Qt::Key_Minus);
        QTest::keyClick(canvas, Qt::Key_Minus);
        QCOMPARE(canvas->view().scale(), 0.5);
        QCOMPARE(canvas->currentLevel(), 1);
        const QPointF beforeArrow = canvas->view().center();
        QTest::keyClick(canvas, Qt::Key_Right);
        QVERIFY(canvas->view().center().x() > beforeArrow.x());
        QCOMPARE(canvas->view().center().y(), beforeArrow.y());

        QTest::keyClick(canvas, Qt::Key_0, Qt::ControlModifier); // fit
        QVERIFY(canvas->view().visibleImageRect().contains(QRectF(0, 0, 1816, 2061)));
        QTRY_VERIFY(paintedCompletely());
        QCOMPARE(m_window->findChild<QLabel*>(QStringLiteral("zoomLevel"))->text(),
                 QStringLiteral("Zoom %1 %").arg(canvas->view().scale() * 100, 0, 'f', 0));
    }

    // Zoomed out, repaints blit copies of the tiles smoothed to their screen size (made a few a
    // frame once the zoom stays): what shows is what smoothing them while drawing showed.
    void zoomedOutRepaintsShowTheSameImage() {
        // Stripes 16 px wide: a copy put one pixel off would show at once.
        QTemporaryDir dir;
        const QString stripes = dir.filePath(QStringLiteral("stripes.tif"));
        test::RasterSpec spec;
        spec.width = 1500;
        spec.height = 1200;
        spec.bands = 3;
        QVERIFY(test::writeGeoTiff(stripes, spec, [](int band, int x, int y) {
            return (x / 16 + y / 64 + band) % 2 == 0 ? 230 : 20;
        }));
        open(stripes);
        MapCanvas* canvas = m_window->canvas();
        canvas->setView(QPointF(750, 600), 0.37); // downsampling from level 1
        QTRY_VERIFY(paintedCompletely());
        canvas->setView(QPointF(750, 600), 0.36); // a new zoom: drawn smoothed, no copies yet
        canvas->repaint();
        const QImage drawn = canvas->grab().toImage().convertToFormat(QImage::Format_RGB32);
        for (int i = 0; i < 40; ++i) // the zoom stays: every tile gets its copy
            canvas->repaint();
        const QImage blitted = canvas->grab().toImage().convertToFormat(QImage::Format_RGB32);
        QCOMPARE(blitted.size(), drawn.size());
        qint64 total = 0, far = 0;
        for (int y = 0; y < drawn.height(); ++y)
            for (int x = 0; x < drawn.width(); ++x) {
                const QRgb a = drawn.pixel(x, y), b = blitted.pixel(x, y);
                const int d = std::max({std::abs(qRed(a) - qRed(b)), std::abs(qGreen(a) - qGreen(b)),
                                        std::abs(qBlue(a) - qBlue(b))});
                total += d;
                far += d > 48;
            }
        const double pixels = double(drawn.width()) * drawn.height();
        QVERIFY2(total / pixels < 4, qPrintable(QString::number(total / pixels)));
        QVERIFY2(far / pixels < 0.01, qPrintable(QString::number(far / pixels))); // nothing misplaced
    }

    void statusBarShowsPixelAndMapCoordinates() {
        open(dataPath(QStringLiteral("geotiff/RGB.byte.tif")));
        MapCanvas* canvas = m_window->canvas();
        const QPointF pixel(100.5, 200.5);
        const QPoint widget = canvas->view().imageToWidget(pixel).toPoint();
        QTest::mouseMove(canvas, widget);
        const QPointF under = canvas->view().widgetToImage(widget);
        const QString pixelText = label(QStringLiteral("pixelPosition"));
        QCOMPARE(pixelText, QStringLiteral("x %1, y %2").arg(int(under.x())).arg(int(under.y())));
        // Easting/northing from the geotransform of RGB.byte.tif, in its CRS.
        const double easting = 101985.0 + under.x() * 300.0379266750948;
        const double northing = 2826915.0 - under.y() * 300.041782729805;
        QCOMPARE(label(QStringLiteral("mapPosition")),
                 QStringLiteral("%1, %2 (EPSG:32618)").arg(easting, 0, 'f', 2).arg(northing, 0, 'f', 2));
        const QString lonLat = label(QStringLiteral("lonLatPosition"));
        QVERIFY2(lonLat.contains(QStringLiteral("° N")) && lonLat.contains(QStringLiteral("° W")),
                 qPrintable(lonLat));
        const double lat = lonLat.section(QStringLiteral("°"), 0, 0).toDouble();
        QVERIFY2(lat > 23.5 && lat < 25.6, qPrintable(lonLat));
        QCOMPARE(m_window->imageInfo()->valueOf(QStringLiteral("CRS")),
                 QStringLiteral("WGS 84 / UTM zone 18N (EPSG:32618)"));

        // Outside the image the texts go away.
        QTest::mouseMove(canvas, canvas->view().imageToWidget(QPointF(-20, -20)).toPoint());
        QVERIFY(label(QStringLiteral("pixelPosition")).isEmpty());
        QVERIFY(label(QStringLiteral("mapPosition")).isEmpty());
    }

    void bandChoiceReachesTheCanvas() {
        open(dataPath(QStringLiteral("geotiff/RGB.byte.tif")));
        MapCanvas* canvas = m_window->canvas();
        QCOMPARE(canvas->displaySettings().bands, (std::array<int, 3>{1, 2, 3}));
        const auto boxes = m_window->imageInfo()->findChildren<QSpinBox*>();
        QCOMPARE(boxes.size(), 3);
        boxes[0]->setFocus();
        QTest::keyClick(boxes[0], Qt::Key_Up); // red band 1 → 2
        QTest::keyClick(boxes[0], Qt::Key_Up); // → 3
        // The stretch is computed on a worker; the canvas switches when it arrives.
        QTRY_COMPARE(canvas->displaySettings().bands, (std::array<int, 3>{3, 2, 3}));
        QTRY_VERIFY(paintedCompletely());
        const QImage frame = canvas->grab().toImage();
        const QPoint centre = canvas->view().imageToWidget(QPointF(395.5, 359.5)).toPoint();
        QCOMPARE(qRed(frame.pixel(centre)), qBlue(frame.pixel(centre))); // red shows the blue band
    }

    void unreadableFileLeavesTheWindowAsItWas() {
        const QString good = dataPath(QStringLiteral("geotiff/RGB.byte.tif"));
        open(good);
        const auto before = m_window->canvas()->source();
        const double scale = m_window->canvas()->view().scale();

        QTemporaryDir dir;
        const QString bad = dir.filePath(QStringLiteral("broken.tif"));
        QFile file(bad);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("II*\0garbage", 11);
        file.close();
        QSignalSpy failed(m_window.get(), &MainWindow::openFailed);
        m_window->openFile(bad);
        QVERIFY(failed.wait(10000));
        QVERIFY(failed.at(0).at(1).toString().contains(QStringLiteral("broken.tif")));
        QCOMPARE(m_window->canvas()->source(), before);
        QCOMPARE(m_window->canvas()->view().scale(), scale);
        QCOMPARE(m_window->currentPath(), before->info().path);
        auto* box = m_window->findChild<QMessageBox*>(QStringLiteral("errorMessage"));
        QVERIFY(box);
        QVERIFY(box->isVisible());
        QVERIFY(box->text().contains(QStringLiteral("broken.tif")));
        box->accept();
        QVERIFY(!m_window->recentFiles().contains(bad));
    }

    // A file that reads from a server opens only once network sources are allowed, and then
    // the status bar says so; off, the server sees no request at all.
    void networkSourcesAreOffUntilAllowedAndShownWhenOpen() {
        QFile tiff(dataPath(QStringLiteral("geotiff/rgb-byte-tenth.tif")));
        QVERIFY(tiff.open(QIODevice::ReadOnly));
        test::HttpTestServer server({{QStringLiteral("/small.tif"), tiff.readAll()}});
        QTemporaryDir dir;
        const QString vrt = dir.filePath(QStringLiteral("remote.vrt"));
        QString bands;
        for (int band = 1; band <= 3; ++band)
            bands +=
                QStringLiteral("<VRTRasterBand dataType=\"Byte\" band=\"%1\"><SimpleSource><SourceFilename>"
                               "/vsicurl/%2</SourceFilename><SourceBand>%1</SourceBand></SimpleSource>"
                               "</VRTRasterBand>")
                    .arg(band)
                    .arg(server.url(QStringLiteral("/small.tif")));
        QFile file(vrt);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral("<VRTDataset rasterXSize=\"79\" rasterYSize=\"71\">%1</VRTDataset>")
                       .arg(bands)
                       .toUtf8());
        file.close();
        auto* sign = m_window->findChild<QLabel*>(QStringLiteral("networkSource"));
        QVERIFY(sign);

        QSignalSpy failed(m_window.get(), &MainWindow::openFailed);
        m_window->openFile(vrt);
        QVERIFY(failed.wait(10000));
        QVERIFY2(failed.at(0).at(1).toString().contains(QStringLiteral("network sources are off")),
                 qPrintable(failed.at(0).at(1).toString()));
        QCOMPARE(server.requests(), 0);
        QVERIFY(sign->isHidden());
        if (auto* box = m_window->findChild<QMessageBox*>(QStringLiteral("errorMessage")))
            box->accept();

        SourcePolicy::setNetworkAllowed(true); // what Preferences ▸ Sources does
        open(vrt);
        SourcePolicy::setNetworkAllowed(false);
        QVERIFY(server.requests() > 0);
        QVERIFY(sign->isVisible());
        QCOMPARE(m_window->canvas()->source()->size(), QSize(79, 71));
        open(dataPath(QStringLiteral("geotiff/rgb-byte-tenth.tif")));
        QVERIFY(sign->isHidden());
    }

    // File ▸ Open Tile Service with a URL template: a wrong entry keeps the dialog open with the
    // reason; a good one opens the area's tiles at the zoom (from a loopback server), with the
    // credit the person typed in the status bar.
    void tileServiceDialogOpensTheAreaOfAService() {
        QHash<QString, QByteArray> files;
        for (int x = 700; x < 702; ++x) {
            QImage tile(256, 256, QImage::Format_RGB32);
            tile.fill(QColor::fromRgb(200, 40 + 100 * (x % 2), 30));
            QByteArray png;
            QBuffer buffer(&png);
            QVERIFY(buffer.open(QIODevice::WriteOnly) && tile.save(&buffer, "PNG"));
            files.insert(QStringLiteral("/10/%1/440.png").arg(x), png);
        }
        test::HttpTestServer server(files);
        TileServiceDialog dialog(m_window.get());
        dialog.show();
        QTest::keyClicks(dialog.sourceEdit(), server.url(QStringLiteral("/{z}/{x}/{y}.png")));
        dialog.zoomBox()->setValue(10);
        QSignalSpy accepted(&dialog, &QDialog::accepted);
        auto* open = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Open);
        QTest::mouseClick(open, Qt::LeftButton); // no area yet
        QCOMPARE(accepted.count(), 0);
        QVERIFY2(dialog.problem().contains(QStringLiteral("area")), qPrintable(dialog.problem()));
        QTest::keyClicks(dialog.areaEdit(), QStringLiteral("66.10,24.25,66.75,24.50"));
        QTest::keyClicks(dialog.attributionEdit(), QStringLiteral("Loopback Tiles"));
        QTest::mouseClick(open, Qt::LeftButton);
        QCOMPARE(accepted.count(), 1);
        const QString source = dialog.source();
        QVERIFY2(source.contains(QStringLiteral("#zoom=10&area=")), qPrintable(source));

        SourcePolicy::setNetworkAllowed(true);
        this->open(source);
        SourcePolicy::setNetworkAllowed(false);
        QCOMPARE(m_window->canvas()->source()->size(), QSize(512, 256));
        QTRY_VERIFY_WITH_TIMEOUT(paintedCompletely(), 20000);
        QVERIFY(server.requests() >= 2);
        auto* credit = m_window->findChild<QLabel*>(QStringLiteral("imageryAttribution"));
        QCOMPARE(credit->text(), QStringLiteral("Imagery: Loopback Tiles"));
        this->open(dataPath(QStringLiteral("geotiff/rgb-byte-tenth.tif")));
    }

    // `segstudio DIR` on a folder of map tiles opens the mosaic, not a project of its tiles.
    void tileFolderOpensAsOneImage() {
        QTemporaryDir dir;
        for (int x = 700; x < 702; ++x) {
            QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("10/%1").arg(x)));
            QImage tile(256, 256, QImage::Format_RGB32);
            tile.fill(QColor::fromRgb(200, 40 + 100 * (x % 2), 30));
            QVERIFY(tile.save(dir.filePath(QStringLiteral("10/%1/440.png").arg(x))));
        }
        QFile resource(dir.filePath(QStringLiteral("tilemapresource.xml"))); // as gdal2tiles leaves
        QVERIFY(resource.open(QIODevice::WriteOnly));
        resource.close();
        QSignalSpy opened(m_window.get(), &MainWindow::sourceOpened);
        m_window->openPath(dir.path());
        QVERIFY(opened.wait(20000));
        QCOMPARE(m_window->canvas()->source()->size(), QSize(512, 256));
        QVERIFY(!TilePyramid::looksLikeTileFolder(dataPath(QStringLiteral("dubai_aerial/tile_1"))));
        // A dataset of folders numbered 1, 2 … stays a project.
        QTemporaryDir numbered;
        QVERIFY(QDir(numbered.path()).mkpath(QStringLiteral("1")));
        QVERIFY(QImage(8, 8, QImage::Format_RGB32).save(numbered.filePath(QStringLiteral("1/scene.png"))));
        QVERIFY(!TilePyramid::looksLikeTileFolder(numbered.path()));
    }

    // A tile service's credit is shown while its imagery is open, and only then.
    void mbtilesAttributionIsShownInTheStatusBar() {
        QTemporaryDir dir;
        const QString tiles = dir.filePath(QStringLiteral("imagery.mbtiles"));
        QVERIFY(test::writeMbtiles(tiles, dataPath(QStringLiteral("geotiff/rgb-byte-tenth.tif")),
                                   QStringLiteral("Test Imagery contributors")));
        auto* credit = m_window->findChild<QLabel*>(QStringLiteral("imageryAttribution"));
        QVERIFY(credit);
        QVERIFY(credit->isHidden());
        QSignalSpy ready(m_window.get(), &MainWindow::documentReady);
        open(tiles);
        QVERIFY(credit->isVisible());
        QCOMPARE(credit->text(), QStringLiteral("Imagery: Test Imagery contributors"));

        // What the window writes from that imagery carries its credit: the mask and the polygons.
        if (!m_window->session()->document())
            QVERIFY(ready.wait(20000));
        LabelDocument* document = m_window->session()->document();
        LabelMask labels(document->mask().size());
        for (int y = 10; y < 40; ++y)
            for (int x = 10; x < 40; ++x)
                labels.mutableTile(0, 0).classes[size_t(y * LabelMask::TileSize + x)] = 2;
        document->replaceMask(labels, QStringLiteral("test labels"));
        const QString mask = dir.filePath(QStringLiteral("labels.tif"));
        QSignalSpy saved(m_window->session(), &DocumentSession::saved);
        m_window->session()->saveAs(mask);
        QVERIFY(saved.wait(20000));
        const QString gpkg = dir.filePath(QStringLiteral("labels.gpkg"));
        QSignalSpy exported(m_window->mapExports(), &MapExports::polygonsExported);
        m_window->mapExports()->exportPolygons(gpkg);
        QVERIFY(exported.wait(30000));
        for (const QString& written : {mask, gpkg}) {
            GDALDatasetH dataset = GDALOpenEx(written.toUtf8().constData(), GDAL_OF_RASTER | GDAL_OF_VECTOR,
                                              nullptr, nullptr, nullptr);
            QVERIFY(dataset);
            const char* item = GDALGetMetadataItem(dataset, "SOURCE_ATTRIBUTION", nullptr);
            QCOMPARE(QString::fromUtf8(item ? item : ""), QStringLiteral("Test Imagery contributors"));
            GDALClose(dataset);
        }

        open(dataPath(QStringLiteral("geotiff/rgb-byte-tenth.tif")));
        QVERIFY(credit->isHidden());
    }

    // File ▸ Export Polygons and the Areas dock, on what the person labelled: the polygons are
    // in the image's CRS with our class names, and the areas are pixels × the pixel area.
    void exportsPolygonsAndMeasuresAreasOfTheMask() {
        // A copy of its own: the labels below go into an autosave journal keyed by the image, which
        // must never make another test's image ask to restore them.
        QTemporaryDir images;
        const QString path = images.filePath(QStringLiteral("RGB.byte.tif"));
        QVERIFY(QFile::copy(dataPath(QStringLiteral("geotiff/RGB.byte.tif")), path));
        QSignalSpy ready(m_window.get(), &MainWindow::documentReady);
        open(path);
        if (!m_window->session()->document())
            QVERIFY(ready.wait(20000));
        LabelDocument* document = m_window->session()->document();
        QVERIFY(document);
        LabelMask mask(document->mask().size());
        for (int y = 100; y < 200; ++y)
            for (int x = 50; x < 250; ++x)
                mask.mutableTile(x / LabelMask::TileSize, y / LabelMask::TileSize)
                    .classes[size_t(y % LabelMask::TileSize) * LabelMask::TileSize +
                             size_t(x % LabelMask::TileSize)] = x < 150 ? 0 : 3;
        document->replaceMask(mask, QStringLiteral("test labels"));

        QTemporaryDir dir;
        const QString gpkg = dir.filePath(QStringLiteral("labels.gpkg"));
        QSignalSpy exported(m_window->mapExports(), &MapExports::polygonsExported);
        m_window->mapExports()->exportPolygons(gpkg);
        QVERIFY(exported.wait(30000));
        QCOMPARE(exported.at(0).at(1).toLongLong(), qint64(2));
        GDALDatasetH vectors =
            GDALOpenEx(gpkg.toUtf8().constData(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr);
        QVERIFY(vectors);
        OGRLayerH layer = GDALDatasetGetLayerByName(vectors, "labels");
        QVERIFY(layer);
        QCOMPARE(OGR_L_GetFeatureCount(layer, TRUE), GIntBig(2));
        OGRSpatialReferenceH crs = OGR_L_GetSpatialRef(layer);
        QVERIFY(crs && QString::fromUtf8(OSRGetAuthorityCode(crs, nullptr)) == QStringLiteral("32618"));
        GDALClose(vectors);

        auto* dock = m_window->findChild<QDockWidget*>(QStringLiteral("areasDock"));
        QVERIFY(dock);
        QSignalSpy measured(m_window->mapExports(), &MapExports::areasMeasured);
        dock->show(); // showing the dock measures
        QVERIFY(measured.wait(20000));
        const AreaReport& report = m_window->mapExports()->areasPanel()->report();
        QVERIFY(report.inSquareMetres);
        QCOMPARE(report.classes[0].pixels, qint64(100 * 100));
        QCOMPARE(report.classes[3].pixels, qint64(100 * 100));
        const double pixelM2 = 300.0379266750948 * 300.041782729805;
        QVERIFY(std::abs(report.classes[0].areaM2 - 1e4 * pixelM2) < 1e-6 * report.classes[0].areaM2);
        auto* table = m_window->findChild<QTableWidget*>(QStringLiteral("areasTable"));
        QVERIFY(table);
        QCOMPARE(table->item(0, 1)->text(), QStringLiteral("10000"));

        // Inside a region (a polygon over pixels x 50-99, y 100-199, in the image's CRS): only the
        // class 0 pixels there count.
        const QString region = dir.filePath(QStringLiteral("region.geojson"));
        const double left = 101985.0 + 50 * 300.0379266750948, right = 101985.0 + 100 * 300.0379266750948;
        const double top = 2826915.0 - 100 * 300.041782729805, bottom = 2826915.0 - 200 * 300.041782729805;
        QFile file(region);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral(
                       "{\"type\": \"FeatureCollection\", \"crs\": {\"type\": \"name\", \"properties\": "
                       "{\"name\": \"EPSG:32618\"}}, \"features\": [{\"type\": \"Feature\", \"properties\": "
                       "{}, \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[%1, %3], [%2, %3], "
                       "[%2, %4], [%1, %4], [%1, %3]]]}}]}")
                       .arg(left, 0, 'f', 4)
                       .arg(right, 0, 'f', 4)
                       .arg(top, 0, 'f', 4)
                       .arg(bottom, 0, 'f', 4)
                       .toUtf8());
        file.close();
        measured.clear();
        m_window->mapExports()->areasPanel()->setRegionPath(region);
        QVERIFY(measured.wait(20000));
        const AreaReport& inside = m_window->mapExports()->areasPanel()->report();
        QCOMPARE(inside.classes[0].pixels, qint64(50 * 100));
        QCOMPARE(inside.classes[3].pixels, qint64(0));
        QCOMPARE(inside.region, QStringLiteral("region.geojson"));
        m_window->session()->discardJournal();
    }

    void dropOpensTheFile() {
        const QString path = dataPath(QStringLiteral("geotiff/rgb-byte-tenth.tif"));
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(path)});
        QSignalSpy opened(m_window.get(), &MainWindow::sourceOpened);
        const QPoint position = m_window->canvas()->geometry().center();
        QDragEnterEvent enter(position, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(m_window.get(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(position, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(m_window.get(), &drop);
        QVERIFY(opened.wait(10000));
        QCOMPARE(m_window->canvas()->source()->size(), QSize(79, 71));
    }

private:
    void open(const QString& path) {
        QSignalSpy opened(m_window.get(), &MainWindow::sourceOpened);
        m_window->openFile(path);
        QVERIFY2(opened.wait(20000), qPrintable(path));
    }

    bool paintedCompletely() {
        m_window->canvas()->repaint();
        return m_window->canvas()->missingTilesAtLastPaint() == 0;
    }

    QString label(const QString& name) const { return m_window->findChild<QLabel*>(name)->text(); }

    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"

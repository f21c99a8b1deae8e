// The editor as a user drives it: real mouse and key events on the real MainWindow, checked
// against the mask pixel by pixel and against what the canvas shows. Offscreen platform.
#include "annotation/edit_journal.h"
#include "annotation/gdal_setup.h"
#include "annotation/label_document.h"
#include "annotation/mask_files.h"
#include "annotation/mask_painter.h"
#include "annotation/mask_tools.h"
#include "annotation/prepared_edit.h"
#include "annotation/raster_source.h"
#include "annotation/region_mask.h"
#include "annotation/tile_codec.h"
#include "annotation/tile_store.h"
#include "app/main_window.h"
#include "test_support.h"
#include "ui/class_panel.h"
#include "ui/fill_tool.h"
#include "ui/map_canvas.h"
#include "ui/mask_overlay.h"
#include "ui/tool_box.h"
#include "ui/tool_settings.h"

#include <QAbstractButton>
#include <QApplication>
#include <QElapsedTimer>
#include <QMessageBox>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

using namespace segstudio;

class TestEditorWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        initializeGdal();
        QApplication::setOrganizationName(QStringLiteral("segstudio-test"));
        QApplication::setApplicationName(QStringLiteral("test_editor_window"));
        QVERIFY(m_dir.isValid());
        // A 300×200 grey ramp: flat enough to check the overlay colour exactly.
        m_image = m_dir.filePath(QStringLiteral("image.tif"));
        test::RasterSpec spec;
        spec.width = 300;
        spec.height = 200;
        spec.bands = 3;
        QVERIFY(test::writeGeoTiff(m_image, spec, [](int, int x, int) { return x < 150 ? 40 : 200; }));
    }

    void init() {
        m_window = std::make_unique<MainWindow>();
        m_window->resize(1100, 700);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        // Window shortcuts (Ctrl+1, B, Ctrl+Z) need the window active, which comes a little later.
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    }

    void cleanup() { m_window.reset(); }

    void paintStrokeUndoRedoAndSave() {
        const QString maskPath = m_dir.filePath(QStringLiteral("stroke.png"));
        open(maskPath);
        MapCanvas* canvas = m_window->canvas();
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_1, Qt::ControlModifier); // 1:1: one image pixel per screen pixel
        QTest::keyClick(canvas, Qt::Key_B);
        QCOMPARE(m_window->toolBox()->tool(), ToolBox::Tool::Brush);
        QTest::keyClick(canvas, Qt::Key_3); // the third class: Road (id 2)
        QCOMPARE(m_window->toolSettings()->classId(), 2);
        m_window->toolSettings()->setBrushDiameter(9);
        QTest::keyClick(canvas, Qt::Key_BracketRight);
        QCOMPARE(m_window->toolSettings()->brushDiameter(), 10.0);
        QTest::keyClick(canvas, Qt::Key_BracketLeft);
        QCOMPARE(m_window->toolSettings()->brushDiameter(), 9.0);

        const QPoint from = widgetAt(QPointF(40.5, 50.5));
        const QPoint to = widgetAt(QPointF(200.5, 120.5));
        const QPointF viewBefore = canvas->view().center();
        QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, from);
        QTest::mouseMove(canvas, (from + to) / 2);
        QTest::mouseMove(canvas, to);
        QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, to);
        QCOMPARE(canvas->view().center(), viewBefore); // painting, not panning

        // The same stroke through the tool logic on a fresh mask: identical pixels.
        LabelDocument expected(LabelMask(QSize(300, 200)), ClassPalette::dubaiAerial());
        {
            MaskPainter painter(expected, QStringLiteral("Expected"));
            QPointF last = MaskTools::snapBrushCentre(canvas->view().widgetToImage(from), 9);
            MaskTools::paintSegment(painter, last, last, 9, PaintSpec{2});
            for (QPoint p : {(from + to) / 2, to}) {
                const QPointF c = MaskTools::snapBrushCentre(canvas->view().widgetToImage(p), 9);
                MaskTools::paintSegment(painter, last, c, 9, PaintSpec{2});
                last = c;
            }
            painter.commit();
        }
        LabelDocument* document = m_window->document();
        const qint64 painted = document->mask().classHistogram()[2];
        QVERIFY2(painted > 9 * 160, qPrintable(QString::number(painted)));
        QVERIFY(document->mask().contentEquals(expected.mask()));
        QCOMPARE(document->history().count(), 1);
        QVERIFY(m_window->windowTitle().contains(QStringLiteral("*")));

        // The canvas shows the class colour over the image at the overlay opacity, exactly on
        // the painted pixels.
        QTRY_VERIFY(paintedCompletely());
        const QImage frame = canvas->grab().toImage();
        const QColor road(0x6E, 0xC1, 0xE4);
        const double alpha = m_window->overlay()->opacity();
        const QColor shown = frame.pixelColor(widgetAt(QPointF(40.5, 50.5)));
        QVERIFY2(std::abs(shown.red() - (40 * (1 - alpha) + road.red() * alpha)) <= 2,
                 qPrintable(shown.name()));
        QVERIFY2(std::abs(shown.blue() - (40 * (1 - alpha) + road.blue() * alpha)) <= 2,
                 qPrintable(shown.name()));
        // The dab's left edge (centre 40.5, radius 4.5: pixel 36 is the first in) is exactly
        // where the colour starts on screen.
        QCOMPARE(frame.pixelColor(widgetAt(QPointF(35.5, 50.5))), QColor(40, 40, 40));
        QCOMPARE(frame.pixelColor(widgetAt(QPointF(36.5, 50.5))), shown);

        QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(document->mask().classHistogram()[2], qint64(0));
        QCOMPARE(document->mask().allocatedTiles(), 0);
        QTRY_COMPARE(grabAt(QPointF(40.5, 50.5)), QColor(40, 40, 40));
        QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
        QVERIFY(document->mask().contentEquals(expected.mask()));

        QSignalSpy saved(m_window.get(), &MainWindow::maskSaved);
        QTest::keyClick(canvas, Qt::Key_S, Qt::ControlModifier);
        QVERIFY(saved.wait(10000));
        QVERIFY(!document->isModified());
        QVERIFY(!m_window->windowTitle().contains(QStringLiteral("*")));
        QString error;
        const auto written = MaskFiles::load(maskPath, QSize(300, 200), ClassPalette::dubaiAerial(), &error);
        QVERIFY2(written, qPrintable(error));
        QVERIFY(written->contentEquals(expected.mask()));
        // Saved: the journal holds nothing to restore any more.
        document->history(); // keep
        m_window->session()->journal()->waitForIdle();
        const auto journal = EditJournal::read(m_window->session()->journalPath(), &error);
        QVERIFY(journal);
        QVERIFY(journal->tiles.isEmpty());
    }

    void lassoFillsTheDrawnOutline() {
        open(m_dir.filePath(QStringLiteral("lasso.png")));
        MapCanvas* canvas = m_window->canvas();
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_1, Qt::ControlModifier);
        QTest::keyClick(canvas, Qt::Key_L);
        QTest::keyClick(canvas, Qt::Key_4); // Vegetation (id 3)
        // A freehand triangle: press, a few moves, release (the release closes it).
        const QList<QPointF> path{{30, 30}, {90, 35}, {150, 40}, {120, 90}, {80, 150}, {50, 90}};
        QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, widgetAt(path[0]));
        for (qsizetype i = 1; i < path.size(); ++i)
            QTest::mouseMove(canvas, widgetAt(path[i]));
        QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, widgetAt(path.last()));
        QPolygonF outline;
        for (const QPointF& p : path)
            outline << canvas->view().widgetToImage(widgetAt(p));
        outline << canvas->view().widgetToImage(widgetAt(path.last()));
        qint64 expected = 0;
        MaskTools::forEachPolygonSpan(outline, QRect(0, 0, 300, 200),
                                      [&](int, int x0, int x1) { expected += x1 - x0; });
        QVERIFY(expected > 3000);
        QCOMPARE(m_window->document()->mask().classHistogram()[3], expected);
        QCOMPARE(m_window->document()->history().count(), 1);
    }

    void overlayStaysOnItsPixelsWhenZoomedIn() {
        open(m_dir.filePath(QStringLiteral("zoom.png")));
        LabelDocument* document = m_window->document();
        {
            // One labeled pixel at (150, 100), on the border between the two image halves.
            MaskPainter painter(*document, QStringLiteral("One pixel"));
            painter.paintSpan(100, 150, 151, PaintSpec{0});
            painter.commit();
        }
        MapCanvas* canvas = m_window->canvas();
        canvas->setView(QPointF(150.3, 100.7), 8.0);
        QTRY_VERIFY(paintedCompletely());
        const QImage frame = canvas->grab().toImage();
        // The pixel covers exactly 8×8 screen pixels starting at the widget position of its corner.
        const QPoint corner = canvas->view().imageToWidget(QPointF(150, 100)).toPoint();
        QCOMPARE(canvas->view().imageToWidget(QPointF(150, 100)), QPointF(corner)); // snapped to whole pixels
        const QColor inside = frame.pixelColor(corner);
        QVERIFY(inside != QColor(200, 200, 200));
        for (int d = 0; d < 8; ++d) {
            QCOMPARE(frame.pixelColor(corner + QPoint(d, 0)), inside);
            QCOMPARE(frame.pixelColor(corner + QPoint(7, d)), inside);
        }
        QCOMPARE(frame.pixelColor(corner + QPoint(8, 3)), QColor(200, 200, 200));  // image pixel 151
        QCOMPARE(frame.pixelColor(corner + QPoint(3, -1)), QColor(200, 200, 200)); // image pixel row 99
        QCOMPARE(frame.pixelColor(corner + QPoint(-1, 3)), QColor(40, 40, 40));    // image pixel 149
        // Outline-only mode keeps a one-pixel label fully drawn (it is all edge).
        m_window->overlay()->setOutlineOnly(true);
        QTRY_COMPARE(grabAt(QPointF(150.5, 100.5)), inside);
    }

    void predictedTilesOutOfMemoryAreDrawnFromTheirPixels() {
        open(m_dir.filePath(QStringLiteral("stored.png")));
        LabelDocument* document = m_window->document();
        {
            // A prediction: class 0, with a one-pixel line of class 3 at x = 101, off the grid of
            // the stored tiles' summaries (every 8th pixel).
            MaskPainter painter(*document, QStringLiteral("Segment"));
            painter.setMachineWritten(true);
            std::vector<quint8> classes(300, 0), confidence(300, 200);
            classes[101] = 3;
            for (int y = 0; y < 200; ++y)
                painter.predictSpan(y, 0, 300, classes.data(), confidence.data());
            QVERIFY(painter.commit());
        }
        QVERIFY(document->tileStore()); // the session gave the document a store in the cache folder
        document->setMemoryBudget(0);
        QCOMPARE(document->releaseTiles(QPointF(0, 0)), 2);
        QCOMPARE(document->mask().storedOnlyTiles(), 2);
        // Zoomed in, the overlay draws the summary at first and has the tiles read back off the
        // GUI thread; then the line shows, and the tiles in view stay in memory.
        m_window->canvas()->setView(QPointF(101.5, 100.5), 8.0);
        QTRY_VERIFY(grabAt(QPointF(101.5, 100.5)) != grabAt(QPointF(100.5, 100.5)));
        QVERIFY(document->mask().isInMemory(0, 0));
        QCOMPARE(grabAt(QPointF(102.5, 100.5)), grabAt(QPointF(100.5, 100.5)));
        QCOMPARE(document->mask().classAt(101, 150), quint8(3));
    }

    void magicWandClickPaintsTheSimilarArea() {
        open(m_dir.filePath(QStringLiteral("wand.png")));
        MapCanvas* canvas = m_window->canvas();
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_W);
        QTest::keyClick(canvas, Qt::Key_2); // Land (id 1)
        LabelDocument* document = m_window->document();
        QSignalSpy finished(m_window->toolBox()->wand(), &FillTool::finished);
        QTest::mouseClick(canvas, Qt::LeftButton, Qt::NoModifier, widgetAt(QPointF(30.5, 30.5)));
        QVERIFY(finished.wait(10000)); // computed on a worker, painted on the GUI thread
        QCOMPARE(document->mask().classHistogram()[1], qint64(150 * 200)); // the dark left half
    }

    void unchangedJournalIsNotOffered() {
        const QString maskPath = m_dir.filePath(QStringLiteral("quiet.png"));
        {
            EditJournal journal(EditJournal::pathFor(MainWindow::journalDirectory(), m_image, maskPath));
            journal.reset({m_image, maskPath, QSize(300, 200)});
            journal.appendPalette(ClassPalette::dubaiAerial());
        }
        open(maskPath);
        QVERIFY(!m_window->session()->isRestorePending());
        QVERIFY(!m_window->findChild<QMessageBox*>(QStringLiteral("restoreJournal")));
    }

    void escapeAbortsAndMiddleDragPans() {
        open(m_dir.filePath(QStringLiteral("escape.png")));
        MapCanvas* canvas = m_window->canvas();
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_1, Qt::ControlModifier);
        QTest::keyClick(canvas, Qt::Key_B);
        const QPoint a = widgetAt(QPointF(100, 100));
        QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, a);
        QTest::mouseMove(canvas, a + QPoint(40, 10));
        QVERIFY(m_window->document()->mask().classHistogram()[0] > 0);
        QTest::keyClick(canvas, Qt::Key_Escape);
        QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, a + QPoint(40, 10));
        QCOMPARE(m_window->document()->mask().allocatedTiles(), 0);
        QCOMPARE(m_window->document()->history().count(), 0);

        const QPointF centre = canvas->view().center();
        QTest::mousePress(canvas, Qt::MiddleButton, Qt::NoModifier, a);
        QTest::mouseMove(canvas, a - QPoint(30, 20));
        QTest::mouseRelease(canvas, Qt::MiddleButton, Qt::NoModifier, a - QPoint(30, 20));
        QCOMPARE(canvas->view().center(), centre + QPointF(30, 20));
        QCOMPARE(m_window->document()->history().count(), 0);
    }

    void polygonFillAndEraser() {
        open(m_dir.filePath(QStringLiteral("polygon.png")));
        MapCanvas* canvas = m_window->canvas();
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_1, Qt::ControlModifier);
        QTest::keyClick(canvas, Qt::Key_P);
        // A 40×30 rectangle: click three corners, double-click the fourth.
        const QList<QPointF> corners{{20, 20}, {60, 20}, {60, 50}, {20, 50}};
        for (int i = 0; i < 3; ++i)
            QTest::mouseClick(canvas, Qt::LeftButton, Qt::NoModifier, widgetAt(corners[i]));
        QTest::mouseClick(canvas, Qt::LeftButton, Qt::NoModifier, widgetAt(corners[3]));
        QTest::mouseDClick(canvas, Qt::LeftButton, Qt::NoModifier, widgetAt(corners[3]));
        LabelDocument* document = m_window->document();
        QCOMPARE(document->mask().classHistogram()[0], qint64(40 * 30));
        QCOMPARE(document->history().count(), 1);

        // Flood fill of the unlabeled background with class 4 (key 5), then undo it.
        QTest::keyClick(canvas, Qt::Key_5);
        QTest::keyClick(canvas, Qt::Key_F);
        QSignalSpy filled(m_window->toolBox()->fill(), &FillTool::finished);
        QTest::mouseClick(canvas, Qt::LeftButton, Qt::NoModifier, widgetAt(QPointF(150.5, 150.5)));
        QVERIFY(filled.wait(10000)); // searched on a worker, painted when done
        QCOMPARE(document->mask().classHistogram()[4], qint64(300 * 200 - 1200));
        QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier);

        // The eraser over the rectangle's left half.
        QTest::keyClick(canvas, Qt::Key_E);
        m_window->toolSettings()->setBrushDiameter(1);
        for (int y = 20; y < 50; ++y) {
            QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, widgetAt(QPointF(20.5, y + 0.5)));
            QTest::mouseMove(canvas, widgetAt(QPointF(39.5, y + 0.5)));
            QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, widgetAt(QPointF(39.5, y + 0.5)));
        }
        QCOMPARE(document->mask().classHistogram()[0], qint64(20 * 30));
    }

    void floodFillOfSixtyFourMegapixelsLeavesTheWindowResponsive() {
        // 8192² px, FillTool::MaxWholeImagePixels: a click on the empty mask fills all of it. The
        // fill is searched and painted on a worker; the event loop turns meanwhile (a timer keeps
        // ticking between the click and the result), and the result is one undo step.
        const int side = 8192;
        QCOMPARE(qint64(side) * side, FillTool::MaxWholeImagePixels);
        const QString large = m_dir.filePath(QStringLiteral("large.tif"));
        test::RasterSpec spec;
        spec.width = side;
        spec.height = side;
        QVERIFY(test::writeGeoTiff(large, spec, [](int, int, int) { return 90.0; }));
        QSignalSpy ready(m_window.get(), &MainWindow::documentReady);
        m_window->openFile(large, m_dir.filePath(QStringLiteral("large.png")));
        QVERIFY(ready.wait(60000));
        MapCanvas* canvas = m_window->canvas();
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_3); // Road (id 2)
        QTest::keyClick(canvas, Qt::Key_F);
        int ticks = 0;
        QTimer ticker;
        connect(&ticker, &QTimer::timeout, this, [&] { ++ticks; });
        ticker.start(5);
        QSignalSpy filled(m_window->toolBox()->fill(), &FillTool::finished);
        QElapsedTimer clock;
        clock.start();
        QTest::mouseClick(canvas, Qt::LeftButton, Qt::NoModifier,
                          QPoint(canvas->width() / 2, canvas->height() / 2));
        QCOMPARE(filled.count(), 0); // the click returned before the fill was done
        QVERIFY(filled.wait(120000));
        qInfo("64 Mpx flood fill: %lld ms, %d timer ticks meanwhile", clock.elapsed(), ticks);
        QVERIFY2(ticks >= 3, qPrintable(QStringLiteral("the event loop turned %1 times").arg(ticks)));
        LabelDocument* document = m_window->document();
        QCOMPARE(document->mask().classHistogram()[2], qint64(side) * side);
        QCOMPARE(document->history().count(), 1);
        QCOMPARE(document->history().undoText(), tr("Fill"));
        QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(document->mask().allocatedTiles(), 0);
    }

    void floodFillIsDroppedWhenTheMaskChangedUnderIt() {
        // A fill computed from a state the mask has left is not painted over the newer work.
        open(m_dir.filePath(QStringLiteral("stale.png")));
        LabelDocument* document = m_window->document();
        const LabelMask snapshot = document->mask();
        {
            MaskPainter painter(*document, QStringLiteral("Stroke"));
            painter.paintSpan(5, 0, 50, PaintSpec{quint8(1)});
            painter.commit();
        }
        RegionMask everything;
        everything.bounds = snapshot.rect();
        everything.bits.assign(size_t(snapshot.width()) * size_t(snapshot.height()), 1);
        const PreparedEdit stale = PreparedEdit::paint(snapshot, everything, PaintSpec{quint8(3)});
        QVERIFY(!stale.isEmpty());
        QVERIFY(!document->applyPrepared(stale, QStringLiteral("Fill")));
        QCOMPARE(document->mask().classHistogram()[3], qint64(0));
        QCOMPARE(document->history().count(), 1);
        const PreparedEdit fresh = PreparedEdit::paint(document->mask(), everything, PaintSpec{quint8(3)});
        QVERIFY(document->applyPrepared(fresh, QStringLiteral("Fill")));
        QCOMPARE(document->mask().classHistogram()[3], qint64(snapshot.width()) * snapshot.height());
        document->undo();
        QCOMPARE(document->mask().classHistogram()[1], qint64(50));
    }

    void classPanelEditsAreUndoableAndHidingHidesTheOverlay() {
        open(m_dir.filePath(QStringLiteral("classes.png")));
        LabelDocument* document = m_window->document();
        ClassPanel* panel = m_window->classPanel();
        const int before = document->palette().size();
        panel->findChild<QAbstractButton*>(QStringLiteral("addClass"))->click();
        QCOMPARE(document->palette().size(), before + 1);
        const int added = m_window->toolSettings()->classId();
        QVERIFY(document->palette().contains(added));
        QTreeWidget* tree = panel->tree();
        QTreeWidgetItem* item = tree->topLevelItem(tree->topLevelItemCount() - 1);
        item->setText(0, QStringLiteral("Boats"));
        QCOMPARE(document->palette().find(added)->name, QStringLiteral("Boats"));

        // Paint a dab of the new class, then hide it: the overlay shows the image there.
        MapCanvas* canvas = m_window->canvas();
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_1, Qt::ControlModifier);
        QTest::keyClick(canvas, Qt::Key_B);
        m_window->toolSettings()->setBrushDiameter(15);
        QTest::mouseClick(canvas, Qt::LeftButton, Qt::NoModifier, widgetAt(QPointF(220.5, 100.5)));
        QTRY_VERIFY(paintedCompletely());
        QVERIFY(grabAt(QPointF(220.5, 100.5)) != QColor(200, 200, 200));
        tree->topLevelItem(tree->topLevelItemCount() - 1)->setCheckState(0, Qt::Unchecked);
        QVERIFY(!document->palette().find(added)->visible);
        QTRY_COMPARE(grabAt(QPointF(220.5, 100.5)), QColor(200, 200, 200));

        document->undo(); // the dab
        document->undo(); // the rename
        QCOMPARE(document->palette().find(added)->name, QStringLiteral("Class %1").arg(before + 1));
        document->undo(); // the new class
        QCOMPARE(document->palette().size(), before);
    }

    void badMaskOpensTheImageWithoutIt() {
        const QString bad = m_dir.filePath(QStringLiteral("wrong-size.png"));
        QString error;
        QVERIFY(MaskFiles::save(bad, LabelMask(QSize(10, 10)), ClassPalette::dubaiAerial(), {}, &error));
        const QByteArray before = fileBytes(bad);
        open(bad);
        auto* box = m_window->findChild<QMessageBox*>(QStringLiteral("errorMessage"));
        QVERIFY(box);
        QVERIFY2(box->text().contains(QStringLiteral("not a mask of this image")), qPrintable(box->text()));
        box->accept();
        QVERIFY(m_window->document()->maskPath().isEmpty()); // saving will not overwrite it
        QCOMPARE(fileBytes(bad), before);
    }

    void journalIsOfferedAndRestored() {
        const QString maskPath = m_dir.filePath(QStringLiteral("journal.png"));
        // What a crashed session would have left: one tile of class 3 at the top left.
        MaskTile tile;
        tile.classes.fill(3);
        tile.provenance.fill(quint8(Provenance::Edited));
        {
            EditJournal journal(EditJournal::pathFor(MainWindow::journalDirectory(), m_image, maskPath));
            journal.reset({m_image, maskPath, QSize(300, 200)});
            journal.appendTiles({{0, 0, TileCodec::encode(&tile)}});
        }
        open(maskPath, false);
        auto* box = m_window->findChild<QMessageBox*>(QStringLiteral("restoreJournal"));
        QVERIFY(box);
        QTRY_VERIFY(box->isVisible());
        QSignalSpy ready(m_window.get(), &MainWindow::documentReady);
        QAbstractButton* restore = nullptr;
        for (QAbstractButton* button : box->buttons())
            if (button->text() == QStringLiteral("Restore"))
                restore = button;
        QVERIFY(restore);
        restore->click();
        QVERIFY(ready.count() == 1 || ready.wait(5000));
        LabelDocument* document = m_window->document();
        QCOMPARE(document->mask().classHistogram()[3], qint64(256 * 200));
        QVERIFY(document->isModified());
        document->undo(); // the restore is an ordinary undoable step
        QCOMPARE(document->mask().classHistogram()[3], qint64(0));
    }

private:
    void open(const QString& maskPath, bool waitReady = true) {
        QSignalSpy ready(m_window.get(), &MainWindow::documentReady);
        QSignalSpy opened(m_window.get(), &MainWindow::sourceOpened);
        m_window->openFile(m_image, maskPath);
        QVERIFY(opened.wait(20000));
        if (waitReady)
            QVERIFY(ready.count() == 1 || ready.wait(5000));
    }

    QPoint widgetAt(QPointF image) const {
        const QPointF w = m_window->canvas()->view().imageToWidget(image);
        return QPoint(int(std::floor(w.x())), int(std::floor(w.y())));
    }

    QColor grabAt(QPointF image) { return m_window->canvas()->grab().toImage().pixelColor(widgetAt(image)); }

    bool paintedCompletely() {
        m_window->canvas()->repaint();
        return m_window->canvas()->missingTilesAtLastPaint() == 0;
    }

    static QByteArray fileBytes(const QString& path) {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

    QTemporaryDir m_dir;
    QString m_image;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestEditorWindow)
#include "test_editor_window.moc"

// Review in the real window: a comparison mask read beside the mask, the views (V, Shift+V with
// the swipe slider, X) checked on the canvas's pixels, the Metrics dock's figures against counts
// known by construction, a worst tile that jumps the view, and the figures following an edit.
#include "annotation/gdal_setup.h"
#include "annotation/label_document.h"
#include "annotation/mask_files.h"
#include "annotation/mask_painter.h"
#include "annotation/raster_source.h"
#include "annotation/tile_store.h"
#include "app/comparison_actions.h"
#include "app/jobs/class_mapping.h"
#include "app/jobs/precision_choice.h"
#include "app/jobs/segmentation_controller.h"
#include "app/jobs/segmentation_job.h"
#include "app/jobs/settings.h"
#include "app/main_window.h"
#include "app/model_actions.h"
#include "inference/segmentation_model.h"
#include "inference/tiled_predictor.h"
#include "test_support.h"
#include "ui/map_canvas.h"
#include "ui/mask_overlay.h"
#include "ui/metrics_panel.h"
#include "ui/model_versions_panel.h"
#include "ui/resident_mask.h"
#include "ui/tool_box.h"
#include "ui/tool_settings.h"

#include <QApplication>
#include <QComboBox>
#include <QListWidget>
#include <QPushButton>
#include <QScopeGuard>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QStyle>
#include <QStyleOptionSlider>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace segstudio;

namespace {

// A 300 × 200 mask: `left` on x < 150, on the right `topRight` above y = 100 and `bottomRight` below.
LabelMask halves(quint8 left, quint8 topRight, quint8 bottomRight) {
    LabelDocument document(LabelMask(QSize(300, 200)), ClassPalette::dubaiAerial());
    MaskPainter painter(document, QStringLiteral("fixture"));
    for (int y = 0; y < 200; ++y) {
        painter.paintSpan(y, 0, 150, PaintSpec{left});
        painter.paintSpan(y, 150, 300, PaintSpec{y < 100 ? topRight : bottomRight});
    }
    painter.commit();
    return document.mask();
}

} // namespace

class TestReviewWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        initializeGdal();
        QApplication::setOrganizationName(QStringLiteral("segstudio-test"));
        QApplication::setApplicationName(QStringLiteral("test_review_window"));
        QSettings().clear();
        QVERIFY(m_dir.isValid());
        // Grey, in UTM zone 40N with half-metre pixels: a pixel is 0.25 m².
        m_image = m_dir.filePath(QStringLiteral("scene.tif"));
        test::RasterSpec spec;
        spec.width = 300;
        spec.height = 200;
        spec.bands = 3;
        spec.geoTransform = std::array<double, 6>{300000, 0.5, 0, 2800000, 0, -0.5};
        spec.epsg = 32640;
        QVERIFY(test::writeGeoTiff(m_image, spec, [](int, int, int) { return 128; }));
        QString error;
        m_mask = m_dir.filePath(QStringLiteral("mask.png"));
        m_reference = m_dir.filePath(QStringLiteral("reference.png"));
        QVERIFY2(MaskFiles::save(m_mask, halves(1, 2, 2), ClassPalette::dubaiAerial(), {}, &error),
                 qPrintable(error));
        QVERIFY2(MaskFiles::save(m_reference, halves(1, 3, 2), ClassPalette::dubaiAerial(), {}, &error),
                 qPrintable(error));
    }

    void compareSwipeDifferAndScore() {
        MainWindow window;
        openSceneIn(window);
        if (QTest::currentTestFailed())
            return;
        ComparisonActions* comparison = window.comparisonActions();
        QSignalSpy compared(comparison, &ComparisonActions::compared);
        QSignalSpy measured(comparison, &ComparisonActions::metricsUpdated);
        comparison->compareWith(m_reference);
        QVERIFY(compared.wait(20000));
        QVERIFY(measured.count() > 0 || measured.wait(20000));

        // The top right quarter (150 × 100 px) differs: 45 000 of 60 000 px agree.
        MetricsPanel* metrics = comparison->metricsPanel();
        QVERIFY2(metrics->summaryText().contains(QStringLiteral("pixel accuracy 0.750")),
                 qPrintable(metrics->summaryText()));
        QVERIFY(metrics->summaryText().contains(QStringLiteral("60000 px")));
        QTableWidget* classes = metrics->classTable();
        QCOMPARE(classes->item(1, 0)->text(), QStringLiteral("1.000")); // Land: the same left half
        QCOMPARE(classes->item(2, 0)->text(), QStringLiteral("0.500")); // Road: 15 000 of 30 000
        QCOMPARE(classes->item(2, 2)->text(), QStringLiteral("1.000")); // all the reference's Road found
        QCOMPARE(classes->item(3, 4)->text(), QStringLiteral("15000")); // Vegetation in the reference
        QCOMPARE(classes->item(3, 6)->text(), QStringLiteral("0.38"));  // 15 000 × 0.25 m² = 0.375 ha
        QTableWidget* matrix = metrics->matrixTable();
        QVERIFY(matrix->item(3, 2)->text().startsWith(
            QStringLiteral("15000\n100.0 %"))); // Vegetation seen as Road
        // Worst first: the tile holding the differing quarter.
        QListWidget* worst = metrics->worstList();
        QVERIFY(worst->count() >= 1);
        // Tile 0, 0 holds x 150-255 of the quarter (106 × 100 px), tile 1, 0 the rest (44 × 100).
        QCOMPARE(worst->count(), 2);
        QVERIFY2(worst->item(0)->text().startsWith(QStringLiteral("Tile 0, 0: 10600 of")),
                 qPrintable(worst->item(0)->text()));
        QVERIFY2(worst->item(1)->text().startsWith(QStringLiteral("Tile 1, 0: 4400 of")),
                 qPrintable(worst->item(1)->text()));

        MapCanvas* canvas = window.canvas();
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_1, Qt::ControlModifier);
        const auto colourAt = [&](QPointF image) {
            canvas->repaint();
            const QPointF w = canvas->view().imageToWidget(image);
            return canvas->grab().toImage().pixelColor(QPoint(int(w.x()), int(w.y())));
        };
        const QColor maskView = colourAt(QPointF(220, 50));
        QTest::keyClick(canvas, Qt::Key_V);
        QCOMPARE(window.overlay()->comparison(), MaskOverlay::Comparison::Other);
        const QColor otherView = colourAt(QPointF(220, 50));
        QVERIFY2(otherView != maskView, qPrintable(otherView.name()));
        QCOMPARE(colourAt(QPointF(50, 50)), [&] {
            QTest::keyClick(canvas, Qt::Key_V); // and back: the same left half either way
            return colourAt(QPointF(50, 50));
        }());
        QCOMPARE(window.overlay()->comparison(), MaskOverlay::Comparison::Mask);

        // Differences only: the differing quarter in the comparison's colour, the rest dimmed.
        QTest::keyClick(canvas, Qt::Key_X);
        QCOMPARE(window.overlay()->comparison(), MaskOverlay::Comparison::Difference);
        QCOMPARE(colourAt(QPointF(220, 50)), otherView);
        const QColor agreeing = colourAt(QPointF(50, 150));
        QVERIFY2(agreeing.red() < 128 && agreeing.green() < 128 && agreeing.blue() < 128,
                 qPrintable(agreeing.name()));

        // Swipe: the mask left of the divider, the comparison right of it.
        QTest::keyClick(canvas, Qt::Key_V, Qt::ShiftModifier);
        QCOMPARE(window.overlay()->comparison(), MaskOverlay::Comparison::Swipe);
        comparison->swipeSlider()->setValue(1000); // all the mask
        QCOMPARE(colourAt(QPointF(220, 50)), maskView);
        comparison->swipeSlider()->setValue(0); // all the comparison
        QCOMPARE(colourAt(QPointF(220, 50)), otherView);

        // A worst tile jumps the view there.
        canvas->setView(QPointF(10, 190), canvas->view().scale());
        QTest::mouseClick(worst->viewport(), Qt::LeftButton, Qt::NoModifier,
                          worst->visualItemRect(worst->item(0)).center());
        QVERIFY(QRectF(0, 0, 256, 256).contains(canvas->view().center()));

        // Taking the comparison's labels over a dragged rectangle around the quarter fixes it, as one
        // undoable edit of a person's labels; the figures follow.
        measured.clear();
        QSignalSpy accepted(comparison, &ComparisonActions::accepted);
        QTest::keyClick(canvas, Qt::Key_X, Qt::ShiftModifier);
        const QPoint from = canvas->view().imageToWidget(QPointF(140.5, 0.5)).toPoint();
        const QPoint to = canvas->view().imageToWidget(QPointF(299.5, 104.5)).toPoint();
        QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, from);
        QTest::mouseMove(canvas, (from + to) / 2);
        QTest::mouseMove(canvas, to);
        QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, to);
        QVERIFY(accepted.wait(20000));
        LabelDocument* document = window.document();
        QCOMPARE(document->mask().classAt(220, 50), quint8(3));
        QCOMPARE(document->mask().provenanceAt(220, 50), Provenance::Edited);
        QCOMPARE(document->mask().classAt(100, 50), quint8(1)); // outside the rectangle: as it was
        QCOMPARE(document->history().count(), 1);
        QVERIFY(measured.wait(20000));
        QVERIFY2(metrics->summaryText().contains(QStringLiteral("pixel accuracy 1.000")),
                 qPrintable(metrics->summaryText()));
        QCOMPARE(worst->count(), 0);
        QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier); // undone in one step
        QCOMPARE(document->mask().classAt(220, 50), quint8(2));
    }

    // The figures of the visible area follow the view; a dragged selection gets its own.
    void metricsOfTheVisibleAreaAndASelection() {
        MainWindow window;
        openSceneIn(window);
        if (QTest::currentTestFailed())
            return;
        ComparisonActions* comparison = window.comparisonActions();
        QSignalSpy measured(comparison, &ComparisonActions::metricsUpdated);
        comparison->compareWith(m_reference);
        QVERIFY(measured.wait(20000));
        MetricsPanel* metrics = comparison->metricsPanel();
        QVERIFY(metrics->summaryText().startsWith(QStringLiteral("Whole image: ")));

        // Zoomed in on the agreeing left half: everything visible agrees.
        MapCanvas* canvas = window.canvas();
        canvas->setView(QPointF(60, 100), 8);
        const QRect visible = canvas->view().visibleImageRect().toAlignedRect() & QRect(0, 0, 300, 200);
        QVERIFY(visible.right() < 150);
        measured.clear();
        QComboBox* scope = metrics->scopeBox();
        scope->setCurrentIndex(int(MetricsPanel::Scope::Visible));
        Q_EMIT scope->activated(scope->currentIndex());
        QVERIFY(measured.count() > 0 || measured.wait(20000));
        QVERIFY2(metrics->summaryText().startsWith(QStringLiteral("Visible area")),
                 qPrintable(metrics->summaryText()));
        QVERIFY2(metrics->summaryText().contains(QStringLiteral("pixel accuracy 1.000 · %1 px")
                                                     .arg(qint64(visible.width()) * visible.height())),
                 qPrintable(metrics->summaryText()));
        QCOMPARE(metrics->worstList()->count(), 0);
        // Panning to the differing quarter: the figures follow the view.
        measured.clear();
        canvas->setView(QPointF(225, 50), 8);
        QVERIFY(measured.wait(20000));
        QVERIFY2(metrics->summaryText().contains(QStringLiteral("pixel accuracy 0.000")),
                 qPrintable(metrics->summaryText()));

        // A selection dragged around x 100-199, y 0-99: half of it (x ≥ 150) differs.
        canvas->setView(QPointF(150, 50), 4); // widget pixels a quarter of an image pixel: exact corners
        measured.clear();
        scope->setCurrentIndex(int(MetricsPanel::Scope::Selection));
        Q_EMIT scope->activated(scope->currentIndex());
        const QPoint from = canvas->view().imageToWidget(QPointF(100.5, 0.5)).toPoint();
        const QPoint to = canvas->view().imageToWidget(QPointF(199.5, 99.5)).toPoint();
        QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, from);
        QTest::mouseMove(canvas, (from + to) / 2);
        QTest::mouseMove(canvas, to);
        QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, to);
        QVERIFY(measured.count() > 0 || measured.wait(20000));
        QVERIFY2(metrics->summaryText().startsWith(QStringLiteral("Selection (100, 0, 100 × 100 px)")),
                 qPrintable(metrics->summaryText()));
        QVERIFY2(metrics->summaryText().contains(QStringLiteral("pixel accuracy 0.500 · 10000 px")),
                 qPrintable(metrics->summaryText()));
        QCOMPARE(metrics->classTable()->item(3, 4)->text(), QStringLiteral("5000")); // Vegetation there
    }

    // The comparison brush (T) paints the comparison's labels under a dragged stroke and nothing
    // else, as one undo step; it is off while there is no comparison.
    void comparisonBrushTakesItsLabels() {
        MainWindow window;
        openSceneIn(window);
        if (QTest::currentTestFailed())
            return;
        QAction* brush = window.toolBox()->action(ToolBox::Tool::TakeComparison);
        QVERIFY(!brush->isEnabled());
        QSignalSpy compared(window.comparisonActions(), &ComparisonActions::compared);
        window.comparisonActions()->compareWith(m_reference);
        QVERIFY(compared.wait(20000));
        QVERIFY(brush->isEnabled());

        MapCanvas* canvas = window.canvas();
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_1, Qt::ControlModifier);
        QTest::keyClick(canvas, Qt::Key_T);
        QCOMPARE(window.toolBox()->tool(), ToolBox::Tool::TakeComparison);
        const Provenance loaded = window.document()->mask().provenanceAt(120, 50);
        window.toolSettings()->setBrushDiameter(11); // odd: centred on a pixel, rows y-5 … y+5
        // From the differing quarter (mask Road, comparison Vegetation) into the agreeing left half.
        const QPoint from = canvas->view().imageToWidget(QPointF(250.5, 50.5)).toPoint();
        const QPoint to = canvas->view().imageToWidget(QPointF(100.5, 50.5)).toPoint();
        QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, from);
        QTest::mouseMove(canvas, (from + to) / 2);
        QTest::mouseMove(canvas, to);
        QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, to);
        LabelDocument* document = window.document();
        const LabelMask& mask = document->mask();
        QCOMPARE(mask.classAt(250, 50), quint8(3));
        QCOMPARE(mask.classAt(200, 55), quint8(3)); // the stroke's edge row
        QCOMPARE(mask.provenanceAt(200, 50), Provenance::Edited);
        QCOMPARE(mask.classAt(200, 56), quint8(2)); // just outside the stroke: the mask's Road
        QCOMPARE(mask.classAt(200, 90), quint8(2));
        QCOMPARE(mask.classAt(120, 50), quint8(1)); // where both agree: the same class, now a person's
        QCOMPARE(mask.provenanceAt(120, 50), Provenance::Edited);
        QCOMPARE(document->history().count(), 1);
        QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(document->mask().classAt(250, 50), quint8(2));
        QCOMPARE(document->mask().provenanceAt(120, 50), loaded);

        window.comparisonActions()->closeComparison();
        QVERIFY(!brush->isEnabled());
        QCOMPARE(window.toolBox()->tool(), ToolBox::Tool::Navigate);
    }

    // "Compare with model version N": that version's whole-image prediction, made on the model
    // worker while another version is current, becomes the comparison layer, pixel for pixel what
    // that version predicts on its own; the document is not touched.
    void compareWithAnEarlierModelVersion() {
        const QString image = m_dir.filePath(QStringLiteral("textured.tif"));
        test::RasterSpec spec;
        spec.width = 300;
        spec.height = 200;
        spec.bands = 3;
        QVERIFY(test::writeGeoTiff(image, spec, [](int x, int y, int band) {
            return (x * (band + 3) + y * 7 + (x / 40) * 90 * band) % 256;
        }));
        const QString first = m_dir.filePath(QStringLiteral("first.pt")),
                      second = m_dir.filePath(QStringLiteral("second.pt"));
        inference::ModelMetadata metadata;
        metadata.architecture.width = 0.25;
        QString error;
        QVERIFY(ClassMapping::classesForModel(ClassPalette::dubaiAerial(), metadata.classes, &error));
        std::string why;
        metadata.name = "first";
        QVERIFY2(inference::SegmentationModel::createBuiltIn(metadata, 11)->save(first.toStdString(), &why),
                 why.c_str());
        metadata.name = "second";
        QVERIFY2(inference::SegmentationModel::createBuiltIn(metadata, 12)->save(second.toStdString(), &why),
                 why.c_str());

        MainWindow window;
        window.session()->setRestorePolicy(DocumentSession::RestorePolicy::Discard);
        window.show();
        QSignalSpy ready(&window, &MainWindow::documentReady);
        window.openFile(image);
        QVERIFY(ready.wait(20000));
        SegmentationController* controller = window.modelActions()->controller();
        QSignalSpy added(controller, &SegmentationController::versionAdded);
        controller->openModel(first);
        QVERIFY(added.wait(30000));
        const int firstVersion = added.takeFirst().at(0).value<ModelVersionInfo>().id;
        controller->openModel(second);
        QVERIFY(added.wait(30000));
        QTRY_VERIFY_WITH_TIMEOUT(controller->currentVersion() != firstVersion && !controller->isBusy(),
                                 60000);
        const LabelMask before = window.document()->mask();

        ModelVersionsPanel* versions = window.modelActions()->versionsPanel();
        versions->selectVersion(firstVersion);
        auto* compare = versions->findChild<QPushButton*>(QStringLiteral("compareVersion"));
        QVERIFY(compare && compare->isEnabled());
        QSignalSpy compared(window.comparisonActions(), &ComparisonActions::compared);
        QTest::mouseClick(compare, Qt::LeftButton);
        QVERIFY(compared.wait(60000));
        QCOMPARE(compared.first().at(0).toString(), QStringLiteral("model version %1").arg(firstVersion));
        QVERIFY(window.document()->mask().contentEquals(before));

        // Each model's prediction, made here independently: the comparison is the first one's.
        // In the precision the window chose for it (the settings keep that choice per CPU and
        // model): on a CPU where bf16 measured faster the window predicts in bf16, whose argmax
        // differs from fp32's on a few pixels.
        const auto predictWith = [&](const QString& bundle) {
            auto model = inference::SegmentationModel::load(bundle.toStdString(), &why);
            inference::PredictOptions options = Settings::load().prediction;
            QSettings settings;
            QString reason;
            if (model)
                PrecisionChoice::resolve(options, *model, nullptr, settings, &reason);
            auto predictor = model ? inference::TiledPredictor::create(*model, options, &why) : nullptr;
            auto source = RasterSource::open(image, &error);
            LabelDocument document(LabelMask(source->size()), ClassPalette::dubaiAerial());
            document.setImage(source);
            if (!predictor || !SegmentationJob(*predictor, *source)
                                   .segmentDocument(document, PredictionRules{}, {}, &error))
                return LabelMask();
            return document.mask();
        };
        const LabelMask expected = predictWith(first), other = predictWith(second);
        QVERIFY2(!expected.isNull() && !other.isNull(), qPrintable(error + QString::fromStdString(why)));
        QVERIFY(expected.classHistogram() != other.classHistogram()); // the fixture tells them apart
        const LabelMask& comparison = *window.overlay()->comparisonMask();
        QCOMPARE(comparison.classHistogram(), expected.classHistogram());
        for (int y = 0; y < 200; y += 7)
            for (int x = 0; x < 300; x += 7)
                QCOMPARE(comparison.classAt(x, y), expected.classAt(x, y));
    }

    // The swipe divider dragged with the mouse: the mask left of it, the comparison right of it.
    void draggingTheSwipeDividerMovesTheSplit() {
        MainWindow window;
        openSceneIn(window);
        if (QTest::currentTestFailed())
            return;
        ComparisonActions* comparison = window.comparisonActions();
        QSignalSpy compared(comparison, &ComparisonActions::compared);
        comparison->compareWith(m_reference);
        QVERIFY(compared.wait(20000));
        MapCanvas* canvas = window.canvas();
        canvas->setView(QPointF(225, 50), 1.0); // the differing quarter in the middle of the canvas
        const auto colourAt = [&](QPointF image) {
            canvas->repaint();
            const QPointF w = canvas->view().imageToWidget(image);
            return canvas->grab().toImage().pixelColor(QPoint(int(w.x()), int(w.y())));
        };
        const QColor maskColour = colourAt(QPointF(220, 50)); // Road in the mask
        window.overlay()->setComparison(MaskOverlay::Comparison::Other);
        const QColor otherColour = colourAt(QPointF(220, 50)); // Vegetation in the comparison
        QVERIFY(maskColour != otherColour);

        QSlider* slider = comparison->swipeSlider();
        const auto drag = [&](int x) { // from the centre of the handle, wherever it is now
            QStyleOptionSlider option;
            option.initFrom(slider);
            option.orientation = slider->orientation();
            option.minimum = slider->minimum();
            option.maximum = slider->maximum();
            option.sliderPosition = option.sliderValue = slider->value();
            const QPoint from =
                slider->style()
                    ->subControlRect(QStyle::CC_Slider, &option, QStyle::SC_SliderHandle, slider)
                    .center();
            QTest::mousePress(slider, Qt::LeftButton, Qt::NoModifier, from);
            QTest::mouseMove(slider, QPoint((from.x() + x) / 2, from.y()));
            QTest::mouseMove(slider, QPoint(x, from.y()));
            QTest::mouseRelease(slider, Qt::LeftButton, Qt::NoModifier, QPoint(x, from.y()));
        };
        drag(slider->width() - 1); // to the right end: all of the canvas is the mask's side
        QCOMPARE(window.overlay()->comparison(), MaskOverlay::Comparison::Swipe);
        QVERIFY2(slider->value() > 950, qPrintable(QString::number(slider->value())));
        QCOMPARE(colourAt(QPointF(220, 50)), maskColour);
        drag(0); // to the left end: all of it the comparison's
        QVERIFY2(slider->value() < 50, qPrintable(QString::number(slider->value())));
        QCOMPARE(colourAt(QPointF(220, 50)), otherColour);
        // Half way: the divider at the canvas's middle, each side showing its own.
        slider->setValue(500);
        const int divider = canvas->width() / 2;
        QCOMPARE(colourAt(canvas->view().widgetToImage(QPointF(divider - 20, canvas->height() / 2))),
                 maskColour);
        QCOMPARE(colourAt(canvas->view().widgetToImage(QPointF(divider + 20, canvas->height() / 2))),
                 otherColour);
    }

    // A comparison holding a value that is no class of the list is refused, naming the value.
    void aMaskWithAnUnknownClassIsRefused() {
        MainWindow window;
        openSceneIn(window);
        if (QTest::currentTestFailed())
            return;
        const QString foreign = m_dir.filePath(QStringLiteral("foreign.tif"));
        test::RasterSpec spec;
        spec.width = 300;
        spec.height = 200;
        QVERIFY(test::writeGeoTiff(foreign, spec, [](int, int x, int) { return x < 10 ? 9 : 1; }));
        QSignalSpy failed(window.comparisonActions(), &ComparisonActions::failed);
        window.comparisonActions()->compareWith(foreign);
        QVERIFY(failed.wait(20000));
        QVERIFY2(failed.first().at(0).toString().contains(QStringLiteral("value 9")),
                 qPrintable(failed.first().at(0).toString()));
        QVERIFY(!window.overlay()->comparisonMask());
        QCOMPARE(window.document()->history().count(), 0);
    }

    void aMaskOfAnotherSizeIsRefused() {
        MainWindow window;
        openSceneIn(window);
        if (QTest::currentTestFailed())
            return;
        const QString small = m_dir.filePath(QStringLiteral("small.png"));
        QString error;
        QVERIFY(MaskFiles::save(small, LabelMask(QSize(30, 20)), ClassPalette::dubaiAerial(), {}, &error));
        QSignalSpy failed(window.comparisonActions(), &ComparisonActions::failed);
        window.comparisonActions()->compareWith(small);
        QVERIFY(failed.wait(20000));
        QVERIFY2(failed.first().at(0).toString().contains(QStringLiteral("30 × 20")),
                 qPrintable(failed.first().at(0).toString()));
        QVERIFY(!window.overlay()->comparisonMask());
        QVERIFY(!window.comparisonActions()->toggleAction()->isEnabled());
    }

    // A mask and a comparison too large for the memory budget (16 MB here; a 3072² mask is 18 MB
    // in memory) are read into scratch files: the window draws them, reads the comparison's tiles
    // in view back off the GUI thread (a 1-px line off the summaries' 8-px grid shows), and
    // measures the pair exactly.
    void aPairBeyondTheMemoryBudgetIsReviewedFromScratchFiles() {
        const QString budgetKey = QStringLiteral("memory/mask_megabytes");
        QSettings().setValue(budgetKey, 16);
        const auto restore = qScopeGuard([&] { QSettings().remove(budgetKey); });
        constexpr int Side = 3072;
        const QString image = m_dir.filePath(QStringLiteral("large.tif"));
        test::RasterSpec spec;
        spec.width = spec.height = Side;
        QVERIFY(test::writeGeoTiff(image, spec, [](int, int, int) { return 128; }));
        LabelDocument document(LabelMask(QSize(Side, Side)), ClassPalette::dubaiAerial());
        {
            MaskPainter painter(document, QStringLiteral("fixture"));
            for (int y = 0; y < Side; ++y) {
                painter.paintSpan(y, 0, Side / 2, PaintSpec{1});
                painter.paintSpan(y, Side / 2, Side, PaintSpec{2});
            }
            painter.commit();
        }
        const LabelMask mask = document.mask();
        {
            MaskPainter painter(document, QStringLiteral("line"));
            for (int y = 0; y < Side; ++y)
                painter.paintSpan(y, 1001, 1002, PaintSpec{4});
            painter.commit();
        }
        const QString maskPath = m_dir.filePath(QStringLiteral("large-mask.tif"));
        const QString referencePath = m_dir.filePath(QStringLiteral("large-reference.tif"));
        QString error;
        QVERIFY2(MaskFiles::save(maskPath, mask, ClassPalette::dubaiAerial(), {}, &error), qPrintable(error));
        QVERIFY2(MaskFiles::save(referencePath, document.mask(), ClassPalette::dubaiAerial(), {}, &error),
                 qPrintable(error));

        MainWindow window;
        openSceneIn(window, image, maskPath);
        if (QTest::currentTestFailed())
            return;
        // Every tile of the mask has its scratch copy; only those drawn came back into memory.
        const LabelMask& opened = window.document()->mask();
        QCOMPARE(opened.allocatedTiles(), 144);
        for (int ty = 0; ty < opened.tilesDown(); ++ty)
            for (int tx = 0; tx < opened.tilesAcross(); ++tx)
                QVERIFY(opened.storedTile(tx, ty));
        QVERIFY(opened.contentEquals(mask));

        ComparisonActions* comparison = window.comparisonActions();
        QSignalSpy compared(comparison, &ComparisonActions::compared);
        QSignalSpy measured(comparison, &ComparisonActions::metricsUpdated);
        comparison->compareWith(referencePath);
        QVERIFY(compared.wait(20000));
        const auto& source = window.overlay()->comparisonMask();
        QCOMPARE(source->allocatedTiles(), 144);
        QCOMPARE(source->storedOnlyTiles(), 144);
        QVERIFY(measured.count() > 0 || measured.wait(20000));
        // The line: 3072 px the reference calls class 4 and the mask class 1, 256 in each of the
        // 12 tiles of column 3.
        MetricsPanel* metrics = comparison->metricsPanel();
        QCOMPARE(metrics->classTable()->item(4, 4)->text(), QStringLiteral("3072"));
        QCOMPARE(metrics->classTable()->item(4, 0)->text(), QStringLiteral("0.000"));
        QCOMPARE(metrics->worstList()->count(), 12);
        QVERIFY2(metrics->worstList()->item(0)->text().startsWith(QStringLiteral("Tile 3, ")),
                 qPrintable(metrics->worstList()->item(0)->text()));
        QVERIFY2(metrics->worstList()->item(0)->text().contains(QStringLiteral(": 256 of")),
                 qPrintable(metrics->worstList()->item(0)->text()));

        MapCanvas* canvas = window.canvas();
        canvas->setView(QPointF(1001, 1500), 4.0);
        const auto colourAt = [&](QPointF at) {
            canvas->repaint();
            const QPointF w = canvas->view().imageToWidget(at);
            return canvas->grab().toImage().pixelColor(QPoint(int(w.x()), int(w.y())));
        };
        QSignalSpy arrived(&window.overlay()->comparisonTiles(), &ResidentMask::tilesArrived);
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_V);
        QCOMPARE(window.overlay()->comparison(), MaskOverlay::Comparison::Other);
        // First drawn from the scratch tiles' summaries, which sample every 8th pixel: no line.
        QCOMPARE(colourAt(QPointF(1001.5, 1500.5)), colourAt(QPointF(1005.5, 1500.5)));
        QVERIFY(arrived.wait(20000));
        QVERIFY(window.overlay()->comparisonTiles().tilesReadBack() > 0);
        QVERIFY(window.overlay()->comparisonTiles().mask().isInMemory(3, 5));
        const QColor line = colourAt(QPointF(1001.5, 1500.5));
        QVERIFY2(line != colourAt(QPointF(1005.5, 1500.5)), qPrintable(line.name()));
        QCOMPARE(line, colourAt(QPointF(1001.5, 1480.5)));
    }

    // The comparison's tiles read back stay within their cap, the oldest going out first.
    void tilesReadBackStayWithinTheirCap() {
        QString error;
        const std::unique_ptr<TileStore> store =
            TileStore::open(m_dir.filePath(QStringLiteral("cap-store")), &error);
        QVERIFY2(store, qPrintable(error));
        auto source = std::make_shared<LabelMask>(QSize(768, 256));
        for (int tx = 0; tx < 3; ++tx) {
            auto tile = std::make_shared<MaskTile>();
            tile->classes.fill(quint8(tx + 1));
            source->setStoredTile(tx, 0, store->put(tile));
        }
        store->waitForIdle();
        ResidentMask resident(2);
        resident.setSource(source);
        QSignalSpy arrived(&resident, &ResidentMask::tilesArrived);
        resident.readBack({QPoint(0, 0)});
        QVERIFY(arrived.wait(5000));
        QCOMPARE(arrived.takeFirst().at(0).toRect(), QRect(0, 0, 256, 256));
        resident.readBack({QPoint(1, 0), QPoint(2, 0)});
        QVERIFY(arrived.wait(5000));
        QCOMPARE(resident.tilesReadBack(), 2);
        QVERIFY(!resident.mask().isInMemory(0, 0)); // the oldest went out
        QVERIFY(resident.mask().isInMemory(2, 0));
        QCOMPARE(resident.mask().classAt(300, 10), quint8(2));
        QVERIFY(!source->isInMemory(2, 0)); // the source itself is never touched
        // Another source drops what was on its way for the old one (read first, on one thread,
        // so reported first).
        resident.readBack({QPoint(0, 0)});
        auto other = std::make_shared<LabelMask>(QSize(768, 256));
        auto tile = std::make_shared<MaskTile>();
        tile->classes.fill(9);
        other->setStoredTile(1, 0, store->put(tile));
        resident.setSource(other);
        arrived.clear();
        resident.readBack({QPoint(1, 0)});
        QVERIFY(arrived.wait(5000));
        QCOMPARE(arrived.size(), 1);
        QCOMPARE(arrived.at(0).at(0).toRect(), QRect(256, 0, 256, 256));
        QVERIFY(!resident.mask().isInMemory(0, 0));
        QCOMPARE(resident.mask().classAt(300, 10), quint8(9));
        QCOMPARE(resident.tilesReadBack(), 1);
    }

private:
    // The grey scene with its mask in a shown window of a size that fits the docks, its
    // autosave journal never offered.
    void openSceneIn(MainWindow& window) { openSceneIn(window, m_image, m_mask); }
    void openSceneIn(MainWindow& window, const QString& image, const QString& mask) {
        window.session()->setRestorePolicy(DocumentSession::RestorePolicy::Discard);
        window.resize(1200, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QSignalSpy ready(&window, &MainWindow::documentReady);
        window.openFile(image, mask);
        QVERIFY(ready.wait(20000));
    }

    QTemporaryDir m_dir;
    QString m_image;
    QString m_mask;
    QString m_reference;
};

QTEST_MAIN(TestReviewWindow)
#include "test_review_window.moc"

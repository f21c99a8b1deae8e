// The interactive loop as a user drives it, on the real window, a real network the test makes
// (behaviour is tested here, not the default model's quality) and the bundled sample: segment in
// the background, correct with the brush, learn from the correction, re-predict, undo. Offscreen platform;
// with SEGSTUDIO_SCREENSHOTS=DIR it saves what the window shows at each step (run under Xvfb with
// QT_QPA_PLATFORM=xcb to look at them).
#include "annotation/gdal_setup.h"
#include "annotation/label_document.h"
#include "annotation/mask_painter.h"
#include "annotation/raster_source.h"
#include "app/jobs/class_mapping.h"
#include "app/jobs/live_learning.h"
#include "app/jobs/model_registry.h"
#include "app/jobs/precision_choice.h"
#include "app/jobs/segmentation_job.h"
#include "app/jobs/settings.h"
#include "app/main_window.h"
#include "app/model_actions.h"
#include "inference/segmentation_model.h"
#include "inference/tiled_predictor.h"
#include "test_support.h"
#include "ui/job_progress.h"
#include "ui/learning_panel.h"
#include "ui/map_canvas.h"
#include "ui/mask_overlay.h"
#include "ui/model_versions_panel.h"
#include "ui/tool_box.h"
#include "ui/tool_settings.h"

#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QElapsedTimer>
#include <QLabel>
#include <QMessageBox>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <tuple>

using namespace segstudio;

class TestInteractiveLoop : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        initializeGdal();
        QApplication::setOrganizationName(QStringLiteral("segstudio-test"));
        QApplication::setApplicationName(QStringLiteral("test_interactive_loop"));
        QSettings settings;
        settings.clear();
        settings.setValue(QStringLiteral("learning/steps"), 4); // a few steps: the loop, not the quality
        settings.setValue(QStringLiteral("model/threads"), 2);
        // Both on by default; the tests that are about them turn them on.
        settings.setValue(QStringLiteral("learning/live"), false);
        settings.setValue(QStringLiteral("model/segment_on_open"), false);
        // The network: the built-in architecture at a quarter width, the sample's six classes.
        QVERIFY(m_dir.isValid());
        inference::ModelMetadata metadata;
        metadata.name = "test network";
        metadata.architecture.width = 0.25;
        QString error;
        QVERIFY(ClassMapping::classesForModel(ClassPalette::dubaiAerial(), metadata.classes, &error));
        m_model = m_dir.filePath(QStringLiteral("network.pt"));
        std::string why;
        QVERIFY2(inference::SegmentationModel::createBuiltIn(metadata, 7)->save(m_model.toStdString(), &why),
                 why.c_str());
    }

    void init() {
        m_window = std::make_unique<MainWindow>();
        // Each test starts from the sample as saved, not from the previous test's journal.
        m_window->session()->setRestorePolicy(DocumentSession::RestorePolicy::Discard);
        m_window->resize(1400, 900);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_window->activateWindow(); // a bare X server (Xvfb, for screenshots) has no window manager to do it
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        QSignalSpy ready(m_window.get(), &MainWindow::documentReady);
        m_window->openFile(QStringLiteral(SEGSTUDIO_SAMPLE_IMAGE));
        QVERIFY(ready.wait(30000));
        SegmentationController* controller = m_window->modelActions()->controller();
        QSignalSpy added(controller, &SegmentationController::versionAdded);
        QSignalSpy device(controller, &SegmentationController::deviceChanged);
        controller->openModel(m_model);
        QVERIFY(added.wait(30000));
        QVERIFY(device.count() > 0 || device.wait(30000));
    }

    void cleanup() {
        m_window.reset();
        QSettings().remove(QStringLiteral("model/views")); // every test but one predicts with one view
    }

    void segmentCorrectLearnRepredictUndo() {
        ModelActions* actions = m_window->modelActions();
        SegmentationController* controller = actions->controller();
        LabelDocument* document = m_window->document();
        MapCanvas* canvas = m_window->canvas();
        QVERIFY(document);
        // The status bar names the device the model runs on.
        QVERIFY2(actions->deviceLabel()->text().contains(QStringLiteral("CPU")) ||
                     actions->deviceLabel()->text().contains(QStringLiteral("cuda")),
                 qPrintable(actions->deviceLabel()->text()));
        QCOMPARE(actions->versionsPanel()->versionCount(), 1);
        screenshot(QStringLiteral("1-opened"));

        // Segment: F5 starts the job; the window keeps working while tiles stream in.
        QSignalSpy finished(controller, &SegmentationController::segmentFinished);
        QSignalSpy progress(controller, &SegmentationController::jobProgress);
        QTest::keyClick(m_window.get(), Qt::Key_F5);
        QVERIFY(controller->isBusy());
        QVERIFY(actions->jobProgress()->isVisible());
        QVERIFY(!actions->segmentImageAction()->isEnabled());
        QVERIFY(finished.wait(180000));
        QCOMPARE(finished.last().at(0).toBool(), false); // not cancelled
        QCOMPARE(finished.last().at(1).toString(), QString());
        QVERIFY(progress.count() >= 2);
        QVERIFY(!actions->jobProgress()->isVisible());
        const LabelMask& mask = document->mask();
        const qint64 pixels = qint64(mask.width()) * mask.height();
        QCOMPARE(mask.provenanceHistogram()[size_t(Provenance::Predicted)], pixels);
        // Several streamed regions, one undo step.
        QCOMPARE(document->history().count(), 1);
        QCOMPARE(document->history().undoText(), tr("Segment"));
        const auto histogram = mask.classHistogram();
        QCOMPARE(histogram[Unlabeled], 0);
        QVERIFY(mask.confidenceAt(10, 10) > 0);
        screenshot(QStringLiteral("2-segmented"));

        // Correct: paint a class other than the predicted one with the brush, by mouse.
        const QPoint target(mask.width() / 2, mask.height() / 2);
        const quint8 predicted = mask.classAt(target.x(), target.y());
        const int corrected = predicted == 3 ? 4 : 3; // Vegetation, or Water where it says Vegetation
        QTest::keyClick(m_window.get(), Qt::Key(Qt::Key_1 + corrected)); // classes 1..9 by position
        QCOMPARE(m_window->toolSettings()->classId(), corrected);
        QTest::keyClick(m_window.get(), Qt::Key_B);
        const QPoint from = canvas->view().imageToWidget(QPointF(target) + QPointF(-40, 0.5)).toPoint();
        const QPoint to = canvas->view().imageToWidget(QPointF(target) + QPointF(40, 0.5)).toPoint();
        QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, from);
        for (int i = 1; i <= 8; ++i)
            QTest::mouseMove(canvas, from + (to - from) * i / 8);
        QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, to);
        QCOMPARE(int(mask.classAt(target.x(), target.y())), corrected);
        QCOMPARE(mask.provenanceAt(target.x(), target.y()), Provenance::Edited);
        QCOMPARE(document->history().count(), 2);
        screenshot(QStringLiteral("3-corrected"));

        // Learn: a live loss chart, a new version, then the unedited tiles are predicted again —
        // never over the correction, even with "Prediction Overwrites My Edits" ticked.
        controller->setOverwriteHumanWork(true);
        QSignalSpy learned(controller, &SegmentationController::learnFinished);
        QSignalSpy steps(controller, &SegmentationController::learnStep);
        finished.clear();
        QTest::keyClick(m_window.get(), Qt::Key_F6);
        QVERIFY(controller->isBusy());
        QVERIFY(learned.wait(180000));
        QCOMPARE(learned.last().at(1).toString(), QString());
        QCOMPARE(steps.count(), 4);
        QCOMPARE(actions->learningPanel()->pointCount(), 4);
        QVERIFY(actions->learningPanel()->lastLoss() > 0);
        QCOMPARE(actions->versionsPanel()->versionCount(), 2);
        QCOMPARE(actions->versionsPanel()->currentVersion(), controller->currentVersion());
        QCOMPARE(controller->currentVersion(), 2);
        screenshot(QStringLiteral("4-learned"));
        QVERIFY(finished.count() > 0 || finished.wait(180000)); // the re-prediction
        QCOMPARE(finished.last().at(0).toBool(), false);
        controller->setOverwriteHumanWork(false);
        // The person's correction survives the new prediction.
        QCOMPARE(int(mask.classAt(target.x(), target.y())), corrected);
        QCOMPARE(mask.provenanceAt(target.x(), target.y()), Provenance::Edited);
        QCOMPARE(document->history().count(), 3);
        // No seams: every tile with a predicted pixel, the corrected one included, was predicted
        // by the new version.
        for (int ty = 0; ty < mask.tilesDown(); ++ty)
            for (int tx = 0; tx < mask.tilesAcross(); ++tx)
                if (const auto tile = mask.tile(tx, ty); tile && tile->holds(Provenance::Predicted))
                    QCOMPARE(controller->tileVersion({tx, ty}), controller->currentVersion());
        const QPoint correctedTile(target.x() / LabelMask::TileSize, target.y() / LabelMask::TileSize);
        QCOMPARE(controller->tileVersion(correctedTile), 2);
        screenshot(QStringLiteral("5-repredicted"));

        // Undo the re-prediction, then the correction.
        QTest::keyClick(m_window.get(), Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(int(mask.classAt(target.x(), target.y())), corrected);
        QTest::keyClick(m_window.get(), Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(int(mask.classAt(target.x(), target.y())), int(predicted));
        QCOMPARE(mask.provenanceAt(target.x(), target.y()), Provenance::Predicted);

        // The heat map and "next uncertain".
        QTest::keyClick(m_window.get(), Qt::Key_C);
        QCOMPARE(m_window->overlay()->mode(), MaskOverlay::Mode::Confidence);
        // Never predicted: clear; the less sure, the more opaque.
        QCOMPARE(qAlpha(MaskOverlay::confidenceColor(0)), 0);
        QVERIFY(qAlpha(MaskOverlay::confidenceColor(60)) > qAlpha(MaskOverlay::confidenceColor(250)));
        // N walks the tiles from the least confident on, skipping those a person reviewed.
        std::vector<std::pair<double, QPoint>> byConfidence;
        for (int ty = 0; ty < mask.tilesDown(); ++ty)
            for (int tx = 0; tx < mask.tilesAcross(); ++tx)
                byConfidence.emplace_back(controller->tileConfidence({tx, ty}), QPoint(tx, ty));
        // Ties go by row, then column, as the controller breaks them.
        std::sort(byConfidence.begin(), byConfidence.end(), [](const auto& a, const auto& b) {
            return std::tuple(a.first, a.second.y(), a.second.x()) <
                   std::tuple(b.first, b.second.y(), b.second.x());
        });
        QVERIFY(byConfidence.size() >= 3 && byConfidence[0].first >= 0);
        {
            MaskPainter painter(*document, QStringLiteral("Review"));
            const QRect reviewed = mask.tileRect(byConfidence[0].second.x(), byConfidence[0].second.y());
            for (int y = reviewed.top(); y <= reviewed.bottom(); ++y)
                painter.reviewSpan(y, reviewed.left(), reviewed.right() + 1);
            QVERIFY(painter.commit());
        }
        const auto centreTile = [&] {
            const QPointF centre =
                canvas->view().widgetToImage(QPointF(canvas->width() / 2.0, canvas->height() / 2.0));
            return QPoint(int(centre.x()) / LabelMask::TileSize, int(centre.y()) / LabelMask::TileSize);
        };
        QTest::keyClick(m_window.get(), Qt::Key_N);
        QCOMPARE(centreTile(), byConfidence[1].second);
        QTest::keyClick(m_window.get(), Qt::Key_N);
        QCOMPARE(centreTile(), byConfidence[2].second);
        screenshot(QStringLiteral("6-uncertain"));
    }

    void windowAndCommandLineWriteTheSamePrediction() {
        // Segment Image in the window (F5: regions streamed from the worker, applied on the GUI
        // thread), then the command line's path (SegmentationJob::segmentDocument, what
        // simulate runs) on a fresh document of the same image with the same network and
        // settings: byte for byte the same mask, classes, provenance and confidence.
        SegmentationController* controller = m_window->modelActions()->controller();
        QSignalSpy finished(controller, &SegmentationController::segmentFinished);
        QTest::keyClick(m_window.get(), Qt::Key_F5);
        QVERIFY(finished.wait(180000));
        QCOMPARE(finished.last().at(1).toString(), QString());
        const LabelMask window = m_window->document()->mask();

        QString error;
        const auto image = RasterSource::open(QStringLiteral(SEGSTUDIO_SAMPLE_IMAGE), &error);
        QVERIFY2(image, qPrintable(error));
        auto model = ModelRegistry::load(m_model, &error);
        QVERIFY2(model, qPrintable(error));
        std::string why;
        // In the precision the window chose (kept in the settings per CPU and model).
        inference::PredictOptions options = Settings::load().prediction;
        QSettings settings;
        QString reason;
        PrecisionChoice::resolve(options, *model, nullptr, settings, &reason);
        auto predictor = inference::TiledPredictor::create(*model, options, &why);
        QVERIFY2(predictor, why.c_str());
        LabelDocument document(LabelMask(image->size()), ClassPalette::dubaiAerial());
        document.setImage(image);
        SegmentationJob job(*predictor, *image);
        QVERIFY2(job.segmentDocument(document, PredictionRules{}, {}, &error), qPrintable(error));
        const LabelMask& commandLine = document.mask();
        QCOMPARE(commandLine.provenanceHistogram(), window.provenanceHistogram());
        QCOMPARE(commandLine.classHistogram(), window.classHistogram());
        for (int ty = 0; ty < window.tilesDown(); ++ty)
            for (int tx = 0; tx < window.tilesAcross(); ++tx) {
                QVERIFY(window.tile(tx, ty) && commandLine.tile(tx, ty));
                QVERIFY2(*window.tile(tx, ty) == *commandLine.tile(tx, ty),
                         qPrintable(QStringLiteral("tile %1, %2 differs").arg(tx).arg(ty)));
                QCOMPARE(window.tile(tx, ty)->confidence.size(), size_t(MaskTile::Pixels));
            }
        QVERIFY(window.confidenceAt(0, 0) >= 1);
    }

    void liveLearningWaitsForTheStrokeAndLearnsLaterEditsNextRound() {
        ModelActions* actions = m_window->modelActions();
        SegmentationController* controller = actions->controller();
        LiveLearning* live = actions->liveLearning();
        LabelDocument* document = m_window->document();
        MapCanvas* canvas = m_window->canvas();
        live->setDelay(300);
        actions->liveLearningAction()->setChecked(true); // Model ▸ Learn Live
        QVERIFY(live->isEnabled());
        QSignalSpy started(live, &LiveLearning::started);
        QSignalSpy learned(controller, &SegmentationController::learnFinished);
        QSignalSpy segmented(controller, &SegmentationController::segmentFinished);

        // A finished stroke arms the delay; a second one, held open, holds it: nothing starts
        // while the button is down, however long.
        QTest::keyClick(m_window.get(), Qt::Key_B);
        const auto at = [&](double x, double y) {
            return canvas->view().imageToWidget(QPointF(x, y)).toPoint();
        };
        QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, at(100.5, 60.5));
        QTest::mouseMove(canvas, at(180.5, 60.5));
        QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, at(180.5, 60.5));
        QVERIFY(live->isScheduled());
        const QPoint a = at(100.5, 100.5), b = at(180.5, 100.5);
        QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, a);
        QTest::mouseMove(canvas, b);
        QVERIFY(document->isEditing());
        QVERIFY(!started.wait(1500)); // five times the delay: it waits for the stroke
        QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, b);
        QVERIFY(!document->isEditing());
        QVERIFY(started.wait(10000)); // the delay after the last edit
        QVERIFY(controller->isBusy());

        // An edit while it learns is kept, and learned in the next round.
        const QPoint c = canvas->view().imageToWidget(QPointF(300.5, 300.5)).toPoint();
        const QPoint d = canvas->view().imageToWidget(QPointF(340.5, 300.5)).toPoint();
        QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, c);
        QTest::mouseMove(canvas, d);
        QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, d);
        const int classPainted = m_window->toolSettings()->classId();
        QCOMPARE(document->mask().provenanceAt(320, 300), Provenance::Edited);
        QVERIFY(live->hasPendingEdits());
        QVERIFY(learned.wait(180000));
        QVERIFY(segmented.wait(180000)); // the new version predicts again
        QCOMPARE(document->mask().provenanceAt(320, 300), Provenance::Edited);
        QCOMPARE(int(document->mask().classAt(320, 300)), classPainted);
        QVERIFY(started.count() == 2 || started.wait(10000)); // the second round, for that edit
        QVERIFY(learned.wait(180000));
        QCOMPARE(actions->versionsPanel()->versionCount(), 3);
        actions->liveLearningAction()->setChecked(false);
        QVERIFY(segmented.wait(180000));
    }

    void cancelledLearningKeepsTheCurrentVersion() {
        SegmentationController* controller = m_window->modelActions()->controller();
        LabelDocument* document = m_window->document();
        {
            MaskPainter painter(*document, QStringLiteral("Stroke"));
            for (int y = 50; y < 90; ++y)
                painter.paintSpan(y, 50, 120, PaintSpec{quint8(3)});
            painter.commit();
        }
        const int version = controller->currentVersion();
        QSignalSpy learned(controller, &SegmentationController::learnFinished);
        QSignalSpy steps(controller, &SegmentationController::learnStep);
        QTest::keyClick(m_window.get(), Qt::Key_F6);
        QVERIFY(steps.wait(60000));
        QTest::keyClick(m_window.get(), Qt::Key_Period, Qt::ControlModifier); // Cancel Job
        QVERIFY(learned.count() > 0 || learned.wait(60000));
        QCOMPARE(learned.last().at(0).toBool(), true); // cancelled
        QCOMPARE(controller->currentVersion(), version);
        QCOMPARE(m_window->modelActions()->versionsPanel()->versionCount(), 1);
        QVERIFY(!controller->isBusy());
    }

    void openingAnImageSegmentsWhatIsInView() {
        QSettings().setValue(QStringLiteral("model/segment_on_open"), true);
        SegmentationController* controller = m_window->modelActions()->controller();
        QSignalSpy segmented(controller, &SegmentationController::segmentFinished);
        QSignalSpy ready(m_window.get(), &MainWindow::documentReady);
        m_window->openFile(QStringLiteral(SEGSTUDIO_SAMPLE_IMAGE));
        QVERIFY(ready.wait(30000));
        QVERIFY(segmented.wait(120000));
        QSettings().setValue(QStringLiteral("model/segment_on_open"), false);
        QCOMPARE(segmented.last().at(1).toString(), QString());
        const LabelMask& mask = m_window->document()->mask();
        // What the view shows is predicted (the whole sample fits the 1400 × 900 window).
        const QPointF centre = m_window->canvas()->view().widgetToImage(
            QPointF(m_window->canvas()->width() / 2.0, m_window->canvas()->height() / 2.0));
        QCOMPARE(mask.provenanceAt(int(centre.x()), int(centre.y())), Provenance::Predicted);
        QCOMPARE(m_window->document()->history().count(), 1);
    }

    void segmentsADraggedSelectionOnly() {
        QRect selected;
        segmentDraggedSelection(QPointF(100, 80), QPointF(300, 200), &selected);
        if (QTest::currentTestFailed())
            return;
        const LabelMask& mask = m_window->document()->mask();
        QCOMPARE(mask.provenanceHistogram()[size_t(Provenance::Predicted)],
                 qint64(selected.width()) * selected.height());
        QCOMPARE(mask.provenanceAt(selected.left(), selected.top()), Provenance::Predicted);
        QCOMPARE(mask.provenanceAt(selected.left() - 1, selected.top()), Provenance::None);
        QCOMPARE(m_window->canvas()->tool(), nullptr); // the navigate tool is back
    }

    void testTimeViewsChosenInPreferencesReachThePredictor() {
        SegmentationController* controller = m_window->modelActions()->controller();
        QSignalSpy device(controller, &SegmentationController::deviceChanged);
        QTest::keyClick(m_window.get(), Qt::Key_Comma, Qt::ControlModifier);
        auto* dialog = m_window->findChild<QDialog*>(QStringLiteral("preferences"));
        QVERIFY(dialog);
        QVERIFY(QTest::qWaitForWindowExposed(dialog));
        auto* views = dialog->findChild<QComboBox*>(QStringLiteral("views"));
        QVERIFY(views);
        QCOMPARE(views->currentData().toInt(), 1);
        views->setFocus();
        for (int i = 0; i < 3; ++i)
            QTest::keyClick(views, Qt::Key_Down);
        QCOMPARE(views->currentData().toInt(), 8);
        QTest::keyClick(dialog, Qt::Key_Return);
        QVERIFY(device.wait(30000));
        QVERIFY2(device.last().at(0).toString().endsWith(QStringLiteral(" · 8 views")),
                 qPrintable(device.last().at(0).toString()));
        // The precision is named once, not again at the start of the reason for it.
        static const QRegularExpression twice(QStringLiteral("(fp32|bf16|fp16) \\(\\1 "));
        QVERIFY2(!device.last().at(0).toString().contains(twice), qPrintable(device.last().at(0).toString()));
        QCOMPARE(QSettings().value(QStringLiteral("model/views")).toInt(), 8);

        // Segmenting with eight views works and fills the selection.
        QVERIFY(QTest::qWaitFor([&] { return !dialog->isVisible(); }));
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        QRect selected;
        segmentDraggedSelection(QPointF(40, 40), QPointF(140, 120), &selected);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(m_window->document()->mask().provenanceHistogram()[size_t(Provenance::Predicted)],
                 qint64(selected.width()) * selected.height());
    }

    void cancelKeepsFinishedTilesAndDropsTheRest() {
        ModelActions* actions = m_window->modelActions();
        SegmentationController* controller = actions->controller();
        LabelDocument* document = m_window->document();
        QSignalSpy finished(controller, &SegmentationController::segmentFinished);
        QSignalSpy progress(controller, &SegmentationController::jobProgress);
        QTest::keyClick(m_window.get(), Qt::Key_F5);
        // Cancel as soon as the first region is in.
        QVERIFY(QTest::qWaitFor([&] { return progress.count() >= 2 || finished.count() > 0; }, 120000));
        QTest::mouseClick(actions->jobProgress()->cancelButton(), Qt::LeftButton);
        QVERIFY(finished.count() > 0 || finished.wait(120000));
        const qint64 predicted = document->mask().provenanceHistogram()[size_t(Provenance::Predicted)];
        // Nothing arrives after the job ended: a call through the worker's queue and back (its
        // reply comes after anything the worker sent before it) changes nothing.
        QSignalSpy barrier(controller, &SegmentationController::currentVersionChanged);
        controller->useVersion(controller->currentVersion());
        QVERIFY(barrier.wait(30000));
        QCOMPARE(document->mask().provenanceHistogram()[size_t(Provenance::Predicted)], predicted);
        QVERIFY(!controller->isBusy());
        QVERIFY(actions->segmentImageAction()->isEnabled());
        if (finished.last().at(0).toBool()) // cancelled before the last region
            QVERIFY(predicted < qint64(document->mask().width()) * document->mask().height());
        QVERIFY(predicted > 0);
    }

    void modelWithOtherClassesIsRefusedWithAMessage() {
        // A model whose classes the document lacks: segmenting says why and changes nothing.
        ClassPalette palette;
        palette.addClass(QStringLiteral("Only class"), Qt::red);
        m_window->document()->setPalette(palette, QStringLiteral("One class"));
        SegmentationController* controller = m_window->modelActions()->controller();
        QSignalSpy finished(controller, &SegmentationController::segmentFinished);
        QTest::keyClick(m_window.get(), Qt::Key_F5);
        QCOMPARE(finished.count(), 1);
        QVERIFY(finished.last().at(1).toString().contains(QStringLiteral("no class")));
        QCOMPARE(m_window->document()->mask().allocatedTiles(), 0);
        QVERIFY(!controller->isBusy());
    }

    void modelWithAnOverflowingNumberIsRefusedWithAMessage() {
        // Issue 19: "1e999" in a sidecar used to escape as nlohmann's exception and abort the
        // window ("exception thrown from an event handler"). Now: a message, and the model in
        // use stays in use.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString broken = dir.filePath(QStringLiteral("broken.pt"));
        QVERIFY(QFile::copy(m_model, broken));
        QFile sidecar(QString(m_model).replace(QStringLiteral(".pt"), QStringLiteral(".json")));
        QVERIFY(sidecar.open(QIODevice::ReadOnly));
        QByteArray json = sidecar.readAll();
        const qsizetype mean = json.indexOf("\"mean\"");
        QVERIFY(mean >= 0);
        const qsizetype first = json.indexOf('[', mean) + 1;
        json.replace(first, json.indexOf(',', first) - first, "1e999"); // the red channel's mean
        QFile out(dir.filePath(QStringLiteral("broken.json")));
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(json);
        out.close();
        SegmentationController* controller = m_window->modelActions()->controller();
        QSignalSpy failed(controller, &SegmentationController::modelFailed);
        QSignalSpy added(controller, &SegmentationController::versionAdded);
        controller->openModel(broken);
        QVERIFY(failed.wait(30000));
        const QString message = failed.first().at(0).toString();
        QVERIFY2(message.contains(QStringLiteral("mean")) || message.contains(QStringLiteral("number")),
                 qPrintable(message));
        auto* box = m_window->findChild<QMessageBox*>(QStringLiteral("errorMessage"));
        QVERIFY(box);
        QVERIFY(box->isVisible());
        QCOMPARE(box->text(), message);
        QCOMPARE(added.count(), 0);
        QTest::keyClick(box, Qt::Key_Escape); // the person reads it and closes it
        QTRY_VERIFY(!m_window->findChild<QMessageBox*>(QStringLiteral("errorMessage")));
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        QVERIFY(!controller->isBusy());
        // The model opened in init() still segments.
        QSignalSpy finished(controller, &SegmentationController::segmentFinished);
        QTest::keyClick(m_window.get(), Qt::Key_F5);
        QVERIFY(finished.wait(120000));
        QCOMPARE(finished.last().at(0).toBool(), false);
        QVERIFY(finished.last().at(1).toString().isEmpty());
        QVERIFY(m_window->document()->mask().allocatedTiles() > 0);
    }

private:
    // Ctrl+F5, then a drag on the canvas between two image points; waits until the selection is
    // segmented and gives the selected image rectangle.
    void segmentDraggedSelection(const QPointF& fromImage, const QPointF& toImage, QRect* selected) {
        SegmentationController* controller = m_window->modelActions()->controller();
        MapCanvas* canvas = m_window->canvas();
        QSignalSpy finished(controller, &SegmentationController::segmentFinished);
        QTest::keyClick(m_window.get(), Qt::Key_F5, Qt::ControlModifier);
        const QPoint from = canvas->view().imageToWidget(fromImage).toPoint();
        const QPoint to = canvas->view().imageToWidget(toImage).toPoint();
        QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, from);
        QTest::mouseMove(canvas, (from + to) / 2);
        QTest::mouseMove(canvas, to);
        QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, to);
        QVERIFY(finished.wait(120000));
        QCOMPARE(finished.last().at(0).toBool(), false);
        *selected =
            QRectF(canvas->view().widgetToImage(QPointF(from)), canvas->view().widgetToImage(QPointF(to)))
                .normalized()
                .toAlignedRect();
    }

    void screenshot(const QString& name) {
        const QString dir = qEnvironmentVariable("SEGSTUDIO_SCREENSHOTS");
        if (dir.isEmpty())
            return;
        QTest::qWait(300); // let the last tiles paint
        m_window->grab().save(dir + QLatin1Char('/') + name + QStringLiteral(".png"));
    }

    std::unique_ptr<MainWindow> m_window;
    QTemporaryDir m_dir;
    QString m_model;
};

QTEST_MAIN(TestInteractiveLoop)
#include "test_interactive_loop.moc"

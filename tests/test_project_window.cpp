// A project in the real window, driven by keys and the mouse: opening a folder, the Images dock,
// next / previous / next not reviewed / Mark Reviewed and Go to Next, edits that survive going to
// another image and back, the project file on disk after each step, and a damaged project file
// that leaves the window as it was. Offscreen platform.
#include "annotation/dataset_project.h"
#include "annotation/gdal_setup.h"
#include "annotation/label_document.h"
#include "annotation/mask_files.h"
#include "annotation/mask_painter.h"
#include "annotation/raster_source.h"
#include "app/jobs/class_mapping.h"
#include "app/main_window.h"
#include "app/model_actions.h"
#include "app/project_browser.h"
#include "app/project_exports.h"
#include "app/project_learning.h"
#include "app/project_scores.h"
#include "app/project_segmentation.h"
#include "inference/segmentation_model.h"
#include "test_support.h"
#include "ui/correction_effort_chart.h"
#include "ui/images_panel.h"
#include "ui/map_canvas.h"
#include "ui/project_image_model.h"
#include "ui/tool_box.h"
#include "ui/tool_settings.h"

#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QFile>
#include <QListView>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace segstudio;

class TestProjectWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        initializeGdal();
        QApplication::setOrganizationName(QStringLiteral("segstudio-test"));
        QApplication::setApplicationName(QStringLiteral("test_project_window"));
        QSettings settings;
        settings.clear();
        settings.setValue(QStringLiteral("learning/steps"), 3); // the loop, not the quality
        settings.setValue(QStringLiteral("learning/live"), false);
        settings.setValue(QStringLiteral("model/segment_on_open"), false);
        settings.setValue(QStringLiteral("model/threads"), 2);
    }

    void init() {
        // loose.jpg (no mask), tile_1/images/image_part_001.jpg with its mask, image_part_002.jpg
        // without one: statuses new, reviewed, new.
        m_dir = std::make_unique<QTemporaryDir>();
        const QString source = test::dataPath(QStringLiteral("dubai_aerial/tile_1"));
        QVERIFY(QDir().mkpath(path(QStringLiteral("tile_1/images"))));
        QVERIFY(QDir().mkpath(path(QStringLiteral("tile_1/masks"))));
        QVERIFY(QFile::copy(source + QStringLiteral("/images/image_part_003.jpg"),
                            path(QStringLiteral("loose.jpg"))));
        for (const char* name : {"image_part_001.jpg", "image_part_002.jpg"})
            QVERIFY(QFile::copy(source + QStringLiteral("/images/") + QLatin1String(name),
                                path(QStringLiteral("tile_1/images/")) + QLatin1String(name)));
        QVERIFY(QFile::copy(source + QStringLiteral("/masks/image_part_001.png"),
                            path(QStringLiteral("tile_1/masks/image_part_001.png"))));
        m_window = std::make_unique<MainWindow>();
        m_window->resize(1100, 700);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    }

    void cleanup() {
        m_window.reset();
        m_dir.reset();
    }

    void goThroughImagesWithKeysKeepingEveryEdit() {
        ProjectBrowser* browser = m_window->projectBrowser();
        QSignalSpy opened(browser, &ProjectBrowser::imageOpened);
        QSignalSpy saved(browser, &ProjectBrowser::projectSaved);
        m_window->openPath(m_dir->path());
        QVERIFY(opened.wait(20000));
        QCOMPARE(opened.takeFirst().at(0).toInt(), 0); // the first image not reviewed
        QVERIFY(browser->imagesDock()->isVisible());
        QCOMPARE(browser->imagesPanel()->countsText().left(16), QStringLiteral("1 of 3 reviewed "));
        const QString projectFile = browser->project()->path();
        QVERIFY(QFileInfo::exists(projectFile)); // a new project is written at once
        QCOMPARE(m_window->currentPath(), path(QStringLiteral("loose.jpg")));
        QCOMPARE(m_window->document()->maskPath(), path(QStringLiteral("segstudio/masks/loose.png")));

        // A brush stroke on the first image, then Page Down: the mask is saved before leaving.
        const qint64 painted = paintStroke();
        QCOMPARE(browser->project()->image(0).status, ImageStatus::InProgress);
        MapCanvas* canvas = m_window->canvas();
        QTest::keyClick(canvas, Qt::Key_PageDown);
        QVERIFY(opened.wait(20000));
        QCOMPARE(opened.takeFirst().at(0).toInt(), 1);
        QCOMPARE(m_window->currentPath(), path(QStringLiteral("tile_1/images/image_part_001.jpg")));
        QString error;
        const auto loose = RasterSource::open(path(QStringLiteral("loose.jpg")), &error);
        const auto savedMask = MaskFiles::load(path(QStringLiteral("segstudio/masks/loose.png")),
                                               loose->size(), browser->project()->classes(), &error);
        QVERIFY2(savedMask, qPrintable(error));
        QCOMPARE(savedMask->classHistogram()[2], painted);
        // The imported mask is what the second image shows; saving would go to the project's folder.
        QVERIFY(m_window->document()->mask().classHistogram()[255] < 797 * 644 / 2);
        QCOMPARE(m_window->document()->maskPath(),
                 path(QStringLiteral("segstudio/masks/tile_1/images/image_part_001.png")));
        QTRY_VERIFY(saved.count() >= 1 && browser->project()->image(0).changedShare > 0);
        {
            const auto onDisk = DatasetProject::load(projectFile, &error);
            QVERIFY2(onDisk, qPrintable(error));
            QCOMPARE(onDisk->image(0).status, ImageStatus::InProgress);
            QVERIFY(onDisk->image(0).changedShare > 0);
        }

        // Back with Page Up: the edit is there, read from the saved mask.
        QTest::keyClick(canvas, Qt::Key_PageUp);
        QVERIFY(opened.wait(20000));
        QCOMPARE(opened.takeFirst().at(0).toInt(), 0);
        QCOMPARE(m_window->document()->mask().classHistogram()[2], painted);
        QVERIFY(!m_window->document()->isModified());

        // Mark reviewed and go on: image 1 is reviewed already, so the next not reviewed is 2.
        saved.clear();
        QTest::keyClick(canvas, Qt::Key_Return, Qt::ControlModifier);
        QVERIFY(opened.wait(20000));
        QCOMPARE(opened.takeFirst().at(0).toInt(), 2);
        QCOMPARE(browser->project()->image(0).status, ImageStatus::Reviewed);
        QCOMPARE(browser->imagesPanel()->countsText().left(16), QStringLiteral("2 of 3 reviewed "));
        // Nothing else is left to review: Shift+Page Down stays.
        QTest::keyClick(canvas, Qt::Key_PageDown, Qt::ShiftModifier);
        QCOMPARE(browser->currentImage(), 2);
        QCOMPARE(opened.count(), 0);
        // D and A are next and previous too.
        QTest::keyClick(canvas, Qt::Key_A);
        QVERIFY(opened.wait(20000));
        QCOMPARE(opened.takeFirst().at(0).toInt(), 1);
        QTest::keyClick(canvas, Qt::Key_D);
        QVERIFY(opened.wait(20000));
        QCOMPARE(opened.takeFirst().at(0).toInt(), 2);

        // The filter shows the reviewed images only.
        auto* filter = browser->imagesPanel()->findChild<QComboBox*>(QStringLiteral("imageFilter"));
        filter->setCurrentIndex(int(ImagesPanel::Filter::Reviewed));
        QCOMPARE(browser->imagesPanel()->visibleRows(), 2);
        filter->setCurrentIndex(int(ImagesPanel::Filter::NotReviewed));
        QCOMPARE(browser->imagesPanel()->visibleRows(), 1);

        // The correction effort: the imported image (reviewed first, nothing changed: no figure)
        // and the painted one, reviewed second.
        QTRY_VERIFY(!browser->imagesPanel()->effortChart()->points().isEmpty());
        const QList<QPointF> effort = browser->imagesPanel()->effortChart()->points();
        QCOMPARE(effort.size(), 1);
        QCOMPARE(effort.first().x(), 1.0);
        QVERIFY(qAbs(effort.first().y() - browser->project()->image(0).changedShare * 100) < 1e-9);
        QVERIFY(effort.first().y() > 0);

        QTRY_VERIFY(saved.count() >= 1);
        const auto onDisk = DatasetProject::load(projectFile, &error);
        QVERIFY2(onDisk, qPrintable(error));
        QCOMPARE(onDisk->image(0).status, ImageStatus::Reviewed);
        QVERIFY(onDisk->image(0).reviewOrder > onDisk->image(1).reviewOrder);
        QCOMPARE(onDisk->image(1).status, ImageStatus::Reviewed);
        QCOMPARE(onDisk->image(2).status, ImageStatus::New);
        // The mask that came with the image is never written over.
        QCOMPARE(fileBytes(path(QStringLiteral("tile_1/masks/image_part_001.png"))),
                 fileBytes(test::dataPath(QStringLiteral("dubai_aerial/tile_1/masks/image_part_001.png"))));
    }

    void clickingAnImageInTheDockOpensIt() {
        ProjectBrowser* browser = m_window->projectBrowser();
        QSignalSpy opened(browser, &ProjectBrowser::imageOpened);
        m_window->openPath(m_dir->path());
        QVERIFY(opened.wait(20000));
        opened.clear();
        QListView* list = browser->imagesPanel()->list();
        const QRect row = list->visualRect(list->model()->index(2, 0));
        QTest::mouseClick(list->viewport(), Qt::LeftButton, Qt::NoModifier, row.center());
        QVERIFY(opened.wait(20000));
        QCOMPARE(opened.takeFirst().at(0).toInt(), 2);
        QCOMPARE(m_window->currentPath(), path(QStringLiteral("tile_1/images/image_part_002.jpg")));
    }

    void exportDatasetSavesTheOpenImageFirst() {
        ProjectBrowser* browser = m_window->projectBrowser();
        QSignalSpy opened(browser, &ProjectBrowser::imageOpened);
        m_window->openPath(m_dir->path());
        QVERIFY(opened.wait(20000));
        const qint64 painted = paintStroke(); // unsaved when the export starts
        auto* exports = browser->findChild<ProjectExports*>();
        QVERIFY(exports);
        QSignalSpy exported(exports, &ProjectExports::exported);
        DatasetExportOptions options;
        options.all = true; // the painted image is in progress, not reviewed
        exports->exportTo(path(QStringLiteral("voc")), options);
        QVERIFY(exported.wait(20000));
        QCOMPARE(exported.first().at(1).toInt(), 2); // image_part_002 has no mask yet
        QString error;
        const auto loose = RasterSource::open(path(QStringLiteral("loose.jpg")), &error);
        const auto written = MaskFiles::load(path(QStringLiteral("voc/SegmentationClass/loose.png")),
                                             loose->size(), browser->project()->classes(), &error);
        QVERIFY2(written, qPrintable(error));
        QCOMPARE(written->classHistogram()[2], painted);
        QVERIFY(QFileInfo::exists(
            path(QStringLiteral("voc/SegmentationClass/tile_1_images_image_part_001.png"))));
        QVERIFY(!m_window->document()->isModified());
    }

    void reviewedImagesTeachTheProjectModelWhichTheProjectKeeps() {
        m_window->modelActions()->liveLearningAction()->setChecked(true);
        openSmallModel();
        ProjectBrowser* browser = m_window->projectBrowser();
        QSignalSpy opened(browser, &ProjectBrowser::imageOpened);
        m_window->openPath(m_dir->path());
        QVERIFY(opened.wait(20000));
        paintStroke();
        // Reviewed: its mask is saved, then the model learns from it and the imported image.
        QSignalSpy stored(browser->learning(), &ProjectLearning::versionStored);
        QTest::keyClick(m_window->canvas(), Qt::Key_Return, Qt::ControlModifier);
        QVERIFY(stored.wait(120000));
        QCOMPARE(stored.first().at(0).toString(), QStringLiteral("segstudio/models/v1.pt"));
        QVERIFY(QFileInfo::exists(path(QStringLiteral("segstudio/models/v1.pt"))));
        QSignalSpy saved(browser, &ProjectBrowser::projectSaved);
        QVERIFY(saved.wait(20000));
        QString error;
        const auto onDisk = DatasetProject::load(browser->project()->path(), &error);
        QVERIFY2(onDisk, qPrintable(error));
        QCOMPARE(onDisk->models().size(), 1);
        QCOMPARE(onDisk->models().first().trainedImages, 2);
        m_window->modelActions()->liveLearningAction()->setChecked(false);

        // Reopened, the project starts with its own newest version.
        m_window.reset();
        m_window = std::make_unique<MainWindow>();
        m_window->show();
        QSignalSpy again(m_window->modelActions()->controller(), &SegmentationController::versionAdded);
        m_window->openPath(m_dir->path());
        QVERIFY(again.wait(30000));
        const auto version = again.first().at(0).value<ModelVersionInfo>();
        QVERIFY2(version.name.startsWith(QStringLiteral("learned")), qPrintable(version.name));
    }

    void damagedProjectFileLeavesTheWindowAsItWas() {
        const QString bad = path(QStringLiteral("bad.segproj"));
        const QByteArray content = R"({"format": "segstudio-project", "version": 1, "images": [)";
        {
            QFile file(bad);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(content);
        }
        ProjectBrowser* browser = m_window->projectBrowser();
        QSignalSpy failed(browser, &ProjectBrowser::projectFailed);
        m_window->openPath(bad);
        QVERIFY(failed.wait(20000));
        QVERIFY2(failed.first().at(0).toString().contains(QStringLiteral("not valid JSON")),
                 qPrintable(failed.first().at(0).toString()));
        QVERIFY(!browser->project());
        QVERIFY(!browser->imagesDock()->isVisible());
        QCOMPARE(fileBytes(bad), content);
    }

    void segmentAllPredictsTheImagesNotReviewed() {
        openSmallModel();
        ProjectBrowser* browser = m_window->projectBrowser();
        QSignalSpy opened(browser, &ProjectBrowser::imageOpened);
        m_window->openPath(m_dir->path());
        QVERIFY(opened.wait(20000));
        QCOMPARE(browser->currentImage(), 0);
        QSignalSpy finished(browser->segmentation(), &ProjectSegmentation::finished);
        QSignalSpy segmented(browser->segmentation(), &ProjectSegmentation::imageSegmented);
        QTest::keyClick(m_window->canvas(), Qt::Key_F5, Qt::ControlModifier | Qt::ShiftModifier);
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.first().at(0).toBool(), false);
        // Image 1 is reviewed and image 0 is open: only image 2 is predicted.
        QCOMPARE(segmented.count(), 1);
        QCOMPARE(segmented.first().at(0).toInt(), 2);
        const ProjectImage& entry = browser->project()->image(2);
        QCOMPARE(entry.status, ImageStatus::Predicted);
        QVERIFY2(entry.meanConfidence > 0 && entry.meanConfidence <= 1,
                 qPrintable(QString::number(entry.meanConfidence)));
        QString error;
        const auto image =
            RasterSource::open(path(QStringLiteral("tile_1/images/image_part_002.jpg")), &error);
        const auto mask =
            MaskFiles::load(path(QStringLiteral("segstudio/masks/tile_1/images/image_part_002.png")),
                            image->size(), browser->project()->classes(), &error);
        QVERIFY2(mask, qPrintable(error));
        QCOMPARE(mask->classHistogram()[255], 0); // every pixel has a class
        QCOMPARE(browser->project()->image(1).status, ImageStatus::Reviewed);
        QVERIFY(!QFileInfo::exists(path(QStringLiteral("segstudio/masks/tile_1/images/image_part_001.png"))));

        // Learning on demand (Ctrl+F6) from the reviewed image: the new version predicts the image
        // nobody touched again.
        browser->goTo(1);
        QVERIFY(opened.wait(20000));
        segmented.clear();
        QSignalSpy stored(browser->learning(), &ProjectLearning::versionStored);
        QTest::keyClick(m_window->canvas(), Qt::Key_F6, Qt::ControlModifier);
        QVERIFY(stored.wait(120000));
        QVERIFY(segmented.wait(60000));
        QCOMPARE(segmented.first().at(0).toInt(), 2);
    }

    // Images ▸ Score Against References: masks matched by path or by name, each image's mIoU
    // against its reference in the dock, worst first, then following the person's edits.
    void scoreAgainstReferencesWorstFirst() {
        QString error;
        const auto loose = RasterSource::open(path(QStringLiteral("loose.jpg")), &error);
        QVERIFY2(loose, qPrintable(error));
        const ClassPalette palette = ClassPalette::dubaiAerial();
        // The mask of loose.jpg: all Land (id 1).
        const auto filled = [&](const std::function<quint8(int x)>& classAt) {
            LabelDocument document(LabelMask(loose->size()), palette);
            MaskPainter painter(document, QStringLiteral("fixture"));
            for (int y = 0; y < loose->size().height(); ++y)
                for (int x = 0; x < loose->size().width(); ++x) {
                    int end = x + 1;
                    while (end < loose->size().width() && classAt(end) == classAt(x))
                        ++end;
                    painter.paintSpan(y, x, end, PaintSpec{classAt(x)});
                    x = end - 1;
                }
            painter.commit();
            return document.mask();
        };
        QVERIFY(QDir().mkpath(path(QStringLiteral("segstudio/masks"))));
        QVERIFY(MaskFiles::save(path(QStringLiteral("segstudio/masks/loose.png")),
                                filled([](int) { return 1; }), palette, {}, &error));
        ProjectBrowser* browser = m_window->projectBrowser();
        QSignalSpy opened(browser, &ProjectBrowser::imageOpened);
        m_window->openPath(m_dir->path());
        QVERIFY(opened.wait(20000));
        QCOMPARE(opened.takeFirst().at(0).toInt(), 0);

        // References added afterwards: loose's at its own path (left half Land, right half Road:
        // Land IoU 0.5, Road 0, mIoU 0.25); image_part_001's by name (its imported mask: 1.0);
        // image_part_002's at its path, but it has no mask yet (not scored).
        const int half = loose->size().width() / 2;
        QVERIFY(QDir().mkpath(path(QStringLiteral("refs/tile_1/images"))));
        QVERIFY(MaskFiles::save(path(QStringLiteral("refs/loose.png")),
                                filled([half](int x) { return quint8(x < half ? 1 : 2); }), palette, {},
                                &error));
        QVERIFY(QFile::copy(path(QStringLiteral("tile_1/masks/image_part_001.png")),
                            path(QStringLiteral("refs/image_part_001.png"))));
        QVERIFY(QFile::copy(path(QStringLiteral("tile_1/masks/image_part_001.png")),
                            path(QStringLiteral("refs/tile_1/images/image_part_002.png"))));
        QSignalSpy scored(browser->scores(), &ProjectScores::scored);
        browser->scores()->scoreAgainst(path(QStringLiteral("refs")));
        QVERIFY(scored.wait(30000));
        QCOMPARE(scored.first().at(0).toInt(), 2);
        const DatasetProject* project = browser->project();
        QCOMPARE(project->image(0).reference, QStringLiteral("refs/loose.png"));
        QCOMPARE(project->image(1).reference, QStringLiteral("refs/image_part_001.png"));
        QCOMPARE(project->image(2).reference, QStringLiteral("refs/tile_1/images/image_part_002.png"));
        QVERIFY(std::abs(project->image(0).referenceMiou - 0.25) < 1e-3);
        QCOMPARE(project->image(1).referenceMiou, 1.0);
        QCOMPARE(project->image(2).referenceMiou, -1.0);
        const double pooled = scored.first().at(1).toDouble();
        QVERIFY2(pooled > 0.25 && pooled < 1, qPrintable(QString::number(pooled)));
        QVERIFY2(browser->imagesPanel()->countsText().contains(
                     QStringLiteral("Against references: 2 scored, mean mIoU 0.625, worst 0.250")),
                 qPrintable(browser->imagesPanel()->countsText()));

        // Worst first in the dock: loose (0.25), image_part_001 (1.0), then the unscored one.
        ImagesPanel* panel = browser->imagesPanel();
        panel->setOrder(ImagesPanel::Order::WorstFirst);
        QAbstractItemModel* rows = panel->list()->model();
        for (int row = 0; row < 3; ++row)
            QCOMPARE(rows->index(row, 0).data(ProjectImageModel::ImageIndexRole).toInt(), row);
        QVERIFY(rows->index(0, 0).data(Qt::DisplayRole).toString().contains(QStringLiteral("mIoU 0.250")));

        // The right half painted Road, then the next image: the score follows on saving.
        LabelDocument* document = m_window->document();
        {
            MaskPainter painter(*document, QStringLiteral("fix"));
            for (int y = 0; y < loose->size().height(); ++y)
                painter.paintSpan(y, half, loose->size().width(), PaintSpec{2});
            painter.commit();
        }
        QSignalSpy saved(browser, &ProjectBrowser::projectSaved);
        QTest::keyClick(m_window->canvas(), Qt::Key_PageDown);
        QVERIFY(opened.wait(20000));
        QTRY_COMPARE_WITH_TIMEOUT(browser->project()->image(0).referenceMiou, 1.0, 20000);
        // Both score 1.0 now: the project's order decides.
        QCOMPARE(rows->index(0, 0).data(ProjectImageModel::ImageIndexRole).toInt(), 0);
        QTRY_VERIFY(saved.count() > 0);
        const auto onDisk = DatasetProject::load(browser->project()->path(), &error);
        QVERIFY2(onDisk, qPrintable(error));
        QCOMPARE(onDisk->image(0).reference, QStringLiteral("refs/loose.png"));
        QTRY_COMPARE_WITH_TIMEOUT(
            DatasetProject::load(browser->project()->path(), &error)->image(0).referenceMiou, 1.0, 20000);

        // A folder outside the project is refused with the reason.
        QTemporaryDir outside;
        QSignalSpy failed(browser->scores(), &ProjectScores::failed);
        browser->scores()->scoreAgainst(outside.path());
        QVERIFY(failed.wait(20000));
        QVERIFY2(failed.first().at(0).toString().contains(QStringLiteral("inside the project's folder")),
                 qPrintable(failed.first().at(0).toString()));
    }

    void theNextImageIsPredictedBeforeThePersonGetsThere() {
        QSettings().setValue(QStringLiteral("model/segment_on_open"), true);
        openSmallModel();
        ProjectBrowser* browser = m_window->projectBrowser();
        QSignalSpy opened(browser, &ProjectBrowser::imageOpened);
        QSignalSpy ahead(browser->segmentation(), &ProjectSegmentation::imageSegmented);
        m_window->openPath(m_dir->path());
        QVERIFY(opened.wait(20000));
        browser->goTo(1); // reviewed, with its mask: the next one, image 2, is new
        QVERIFY(opened.wait(20000));
        QVERIFY(ahead.wait(60000));
        QCOMPARE(ahead.first().at(0).toInt(), 2);
        QCOMPARE(browser->project()->image(2).status, ImageStatus::Predicted);
        QTest::keyClick(m_window->canvas(), Qt::Key_PageDown);
        QVERIFY(opened.wait(20000));
        QCOMPARE(browser->currentImage(), 2);
        // It opens with the prediction made ahead.
        QCOMPARE(m_window->document()->mask().classHistogram()[255], 0);
        QSettings().setValue(QStringLiteral("model/segment_on_open"), false);
    }

private:
    QString path(const QString& relative) const { return m_dir->filePath(relative); }

    // A small network with the project's classes (the default ones), opened in the window.
    void openSmallModel() {
        inference::ModelMetadata metadata;
        metadata.name = "start";
        metadata.architecture.width = 0.25;
        QString error;
        QVERIFY(ClassMapping::classesForModel(ClassPalette::dubaiAerial(), metadata.classes, &error));
        const QString model = path(QStringLiteral("start.pt"));
        std::string why;
        QVERIFY2(inference::SegmentationModel::createBuiltIn(metadata, 7)->save(model.toStdString(), &why),
                 why.c_str());
        SegmentationController* controller = m_window->modelActions()->controller();
        QSignalSpy added(controller, &SegmentationController::versionAdded);
        controller->openModel(model);
        QVERIFY(added.wait(30000));
    }

    // Road (class 3 of the keys, id 2) painted with the brush across the image; returns the pixels.
    qint64 paintStroke() {
        MapCanvas* canvas = m_window->canvas();
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_1, Qt::ControlModifier);
        QTest::keyClick(canvas, Qt::Key_B);
        QTest::keyClick(canvas, Qt::Key_3);
        m_window->toolSettings()->setBrushDiameter(15);
        const auto at = [canvas](QPointF image) {
            const QPointF w = canvas->view().imageToWidget(image);
            return QPoint(int(std::floor(w.x())), int(std::floor(w.y())));
        };
        const QPoint from = at(QPointF(60.5, 60.5)), to = at(QPointF(300.5, 200.5));
        QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, from);
        QTest::mouseMove(canvas, (from + to) / 2);
        QTest::mouseMove(canvas, to);
        QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, to);
        const qint64 painted = m_window->document()->mask().classHistogram()[2];
        [&] { QVERIFY2(painted > 15 * 200, qPrintable(QString::number(painted))); }();
        return painted;
    }

    static QByteArray fileBytes(const QString& file) {
        QFile f(file);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestProjectWindow)
#include "test_project_window.moc"

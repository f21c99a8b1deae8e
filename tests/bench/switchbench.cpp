// segstudio-switchbench [--images N]: how long going to the next image of a project takes in the
// real window (offscreen, no model open): from Page Down until the next image is shown with its
// mask, when the image left has no unsaved edits, and when it has a brush stroke to save first.
// The project is N copies (default 8) of the bundled sample's original in ../shared/data (797 × 644
// px JPEG), each with its colour-coded mask (as imported datasets come). Prints p50 / max of each, in
// milliseconds.
#include "annotation/gdal_setup.h"
#include "annotation/label_document.h"
#include "annotation/mask_painter.h"
#include "app/main_window.h"
#include "app/project_browser.h"
#include "test_support.h"
#include "ui/map_canvas.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cstdio>
#include <vector>

using namespace segstudio;

namespace {

QString summary(std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    return QStringLiteral("p50 %1 ms, max %2 ms (%3 switches)")
        .arg(ms[ms.size() / 2], 0, 'f', 1)
        .arg(ms.back(), 0, 'f', 1)
        .arg(ms.size());
}

} // namespace

int main(int argc, char* argv[]) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true); // journals and settings away from the user's
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("segstudio-bench"));
    QApplication::setApplicationName(QStringLiteral("switchbench"));
    initializeGdal();
    QCommandLineParser parser;
    parser.addOption({QStringLiteral("images"), QStringLiteral("Images in the project."), QStringLiteral("N"),
                      QStringLiteral("8")});
    parser.process(app);
    const int count = std::max(3, parser.value(QStringLiteral("images")).toInt());
    QSettings().setValue(QStringLiteral("model/segment_on_open"), false);

    QTemporaryDir dir;
    QDir().mkpath(dir.filePath(QStringLiteral("images")));
    QDir().mkpath(dir.filePath(QStringLiteral("masks")));
    // The bundled sample's original in the shared data, with its mask.
    const QString sample = test::dataPath(QStringLiteral("dubai_aerial/tile_1/images/image_part_003.jpg"));
    const QString sampleMask = test::dataPath(QStringLiteral("dubai_aerial/tile_1/masks/image_part_003.png"));
    for (int i = 0; i < count; ++i) {
        const QString name = QStringLiteral("image_%1").arg(i, 3, 10, QLatin1Char('0'));
        QFile::copy(sample, dir.filePath(QStringLiteral("images/%1.jpg").arg(name)));
        if (QFileInfo::exists(sampleMask))
            QFile::copy(sampleMask, dir.filePath(QStringLiteral("masks/%1.png").arg(name)));
    }
    MainWindow window;
    window.session()->setRestorePolicy(DocumentSession::RestorePolicy::Discard);
    window.resize(1400, 900);
    window.show();
    if (!QTest::qWaitForWindowExposed(&window))
        return 1;
    ProjectBrowser* browser = window.projectBrowser();
    QSignalSpy opened(browser, &ProjectBrowser::imageOpened);
    window.openPath(dir.path());
    if (!opened.wait(30000))
        return std::fprintf(stderr, "the project did not open\n"), 1;
    browser->goTo(0);
    opened.wait(2000);

    std::vector<double> clean, edited;
    QElapsedTimer timer;
    for (int pass = 0; pass < 2; ++pass) {
        for (int i = 0; i + 1 < count; ++i) {
            if (pass == 1) { // a stroke to save before leaving
                MaskPainter painter(*window.document(), QStringLiteral("stroke"));
                for (int y = 100; y < 140; ++y)
                    painter.paintSpan(y, 100, 400, PaintSpec{2});
                painter.commit();
            }
            opened.clear();
            timer.start();
            QTest::keyClick(window.canvas(), Qt::Key_PageDown);
            if (!opened.wait(30000))
                return std::fprintf(stderr, "image %d did not open\n", i + 1), 1;
            window.canvas()->repaint(); // shown: the first frame of the new image painted
            (pass == 0 ? clean : edited).push_back(timer.nsecsElapsed() / 1e6);
        }
        browser->goTo(0);
        opened.wait(5000);
    }
    std::printf("next image, nothing to save: %s\n", qUtf8Printable(summary(clean)));
    std::printf("next image, a stroke saved first: %s\n", qUtf8Printable(summary(edited)));
    return 0;
}

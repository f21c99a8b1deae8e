// The editor the crash test kills: the real MainWindow (segstudio_app, what segstudio runs),
// started as segstudio starts it and driven by QTest mouse and key events on its canvas, in a
// process of its own so that the test can SIGKILL it. Built with the tests, never shipped.
//
//   segstudio-crash-editor IMAGE MASK RESTORE STEPS
//   segstudio-crash-editor PROJECT - RESTORE STEPS  (a project folder or .segproj, at its first
//                                                    image not reviewed)
// RESTORE: yes | no (what to do with an autosave journal). STEPS, separated by ';':
//   class ID | size DIAMETER | tool brush|eraser
//   stroke X,Y X,Y ... (a left-button drag through image points; each is echoed as the image
//                       point the canvas received: "point X Y")
//   begin X,Y X,Y ...  (the same drag, left with the button held)
//   sync               (waits until the journal has written everything)
//   save               (Ctrl+S, waits for the mask to be saved) | quit
//   next               (Page Down in a project: waits for the next image to be open)
// Each step is echoed as "step: STEP" once done; a failing step exits with status 3.
#include "annotation/edit_journal.h"
#include "annotation/gdal_setup.h"
#include "app/main_window.h"
#include "app/project_browser.h"
#include "ui/map_canvas.h"
#include "ui/tool_settings.h"

#include <QApplication>
#include <QSignalSpy>
#include <QTest>
#include <cstdio>

using namespace segstudio;

namespace {

void say(const QString& text) {
    std::printf("%s\n", qUtf8Printable(text));
    std::fflush(stdout);
}

[[noreturn]] void fail(const QString& why) {
    say(QStringLiteral("failed: ") + why);
    std::exit(3);
}

// The widget point over image point `image`, and the image point the canvas makes of it.
QPoint widgetAt(MapCanvas* canvas, QPointF image, QPointF* seen) {
    const QPoint widget = canvas->view().imageToWidget(image).toPoint();
    *seen = canvas->view().widgetToImage(QPointF(widget));
    return widget;
}

void drag(MapCanvas* canvas, const QStringList& words, bool release) {
    QList<QPoint> points;
    for (qsizetype i = 1; i < words.size(); ++i) {
        const QStringList xy = words[i].split(QLatin1Char(','));
        QPointF seen;
        points.append(widgetAt(canvas, QPointF(xy.value(0).toDouble(), xy.value(1).toDouble()), &seen));
        say(QStringLiteral("point %1 %2").arg(seen.x(), 0, 'g', 17).arg(seen.y(), 0, 'g', 17));
    }
    if (points.isEmpty())
        fail(QStringLiteral("a drag without points"));
    QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, points.first());
    for (const QPoint& p : points)
        QTest::mouseMove(canvas, p);
    if (release)
        QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, points.last());
}

} // namespace

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    // segstudio's own names: the journal lives where segstudio keeps it.
    QApplication::setOrganizationName(QStringLiteral("segstudio"));
    QApplication::setApplicationName(QStringLiteral("segstudio"));
    initializeGdal();
    const QStringList args = app.arguments();
    if (args.size() != 5)
        fail(QStringLiteral("usage: segstudio-crash-editor IMAGE MASK yes|no STEPS"));

    MainWindow window;
    window.session()->setRestorePolicy(args[3] == QLatin1String("yes")
                                           ? DocumentSession::RestorePolicy::Restore
                                           : DocumentSession::RestorePolicy::Discard);
    window.resize(1200, 900);
    window.show();
    if (!QTest::qWaitForWindowExposed(&window))
        fail(QStringLiteral("the window was never shown"));
    window.activateWindow(); // shortcuts (B, E, Ctrl+1, Ctrl+S) need the window active
    if (!QTest::qWaitForWindowActive(&window))
        fail(QStringLiteral("the window never became active"));
    QSignalSpy ready(&window, &MainWindow::documentReady);
    const bool project = args[2] == QLatin1String("-");
    QSignalSpy projectImage(window.projectBrowser(), &ProjectBrowser::imageOpened);
    if (project)
        window.openPath(args[1]);
    else
        window.openFile(args[1], args[2]);
    if (!(project ? projectImage.wait(30000) : ready.wait(30000)))
        fail(QStringLiteral("the document never opened"));
    MapCanvas* canvas = window.canvas();
    canvas->setFocus();
    QTest::keyClick(canvas, Qt::Key_1, Qt::ControlModifier); // 1:1, the whole 600×400 image in view

    for (const QString& rawStep : args[4].split(QLatin1Char(';'), Qt::SkipEmptyParts)) {
        const QString step = rawStep.simplified();
        const QStringList words = step.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        const QString command = words.value(0);
        if (command == QLatin1String("class")) {
            window.toolSettings()->setClassId(words.value(1).toInt());
        } else if (command == QLatin1String("size")) {
            window.toolSettings()->setBrushDiameter(words.value(1).toDouble());
        } else if (command == QLatin1String("tool")) {
            QTest::keyClick(canvas, words.value(1) == QLatin1String("eraser") ? Qt::Key_E : Qt::Key_B);
        } else if (command == QLatin1String("stroke") || command == QLatin1String("begin")) {
            drag(canvas, words, command == QLatin1String("stroke"));
        } else if (command == QLatin1String("sync")) {
            if (EditJournal* journal = window.session()->journal())
                journal->waitForIdle();
        } else if (command == QLatin1String("save")) {
            QSignalSpy saved(&window, &MainWindow::maskSaved);
            QTest::keyClick(canvas, Qt::Key_S, Qt::ControlModifier);
            if (!saved.wait(30000))
                fail(QStringLiteral("the mask was not saved"));
        } else if (command == QLatin1String("next")) {
            QSignalSpy opened(window.projectBrowser(), &ProjectBrowser::imageOpened);
            QTest::keyClick(canvas, Qt::Key_PageDown);
            if (!opened.wait(30000))
                fail(QStringLiteral("the next image never opened"));
            QTest::keyClick(canvas, Qt::Key_1, Qt::ControlModifier);
        } else if (command == QLatin1String("quit")) {
            say(QStringLiteral("step: quit"));
            return 0;
        } else {
            fail(QStringLiteral("unknown step: ") + step);
        }
        say(QStringLiteral("step: ") + step);
    }
    return app.exec(); // a drag left in progress: wait here to be killed
}

#include "app/test_script.h"

#include "annotation/edit_journal.h"
#include "app/main_window.h"
#include "ui/brush_tool.h"
#include "ui/tool_box.h"
#include "ui/tool_settings.h"

#include <QCoreApplication>
#include <QTimer>
#include <cstdio>

namespace segstudio {
namespace {

void say(const QString& text) {
    std::printf("script: %s\n", qUtf8Printable(text));
    std::fflush(stdout);
}

} // namespace

TestScript::TestScript(MainWindow* window, const QString& script)
    : QObject(window)
    , m_window(window) {
    for (const QString& step : script.split(QLatin1Char(';'), Qt::SkipEmptyParts))
        m_steps.append(step.simplified());
    connect(window, &MainWindow::documentReady, this, [this] {
        if (!m_started) {
            m_started = true;
            QTimer::singleShot(0, this, &TestScript::runNext);
        }
    });
    connect(window, &MainWindow::maskSaved, this,
            [this] { QTimer::singleShot(0, this, &TestScript::runNext); });
    connect(window, &MainWindow::maskSaveFailed, this, [this](const QString& message) { fail(message); });
}

void TestScript::runNext() {
    while (!m_steps.isEmpty()) {
        const QString step = m_steps.takeFirst();
        say(step);
        if (!runStep(step))
            return;
    }
}

bool TestScript::runStep(const QString& step) {
    const QStringList words = step.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    const QString command = words.value(0);
    ToolBox* tools = m_window->toolBox();
    if (command == QLatin1String("class")) {
        m_window->toolSettings()->setClassId(words.value(1).toInt());
    } else if (command == QLatin1String("size")) {
        m_window->toolSettings()->setBrushDiameter(words.value(1).toDouble());
    } else if (command == QLatin1String("tool")) {
        tools->setTool(words.value(1) == QLatin1String("eraser") ? ToolBox::Tool::Eraser
                                                                 : ToolBox::Tool::Brush);
    } else if (command == QLatin1String("stroke") || command == QLatin1String("begin")) {
        BrushTool* brush = tools->tool() == ToolBox::Tool::Eraser ? tools->eraser() : tools->brush();
        QList<QPointF> points;
        for (int i = 1; i < words.size(); ++i) {
            const QStringList xy = words[i].split(QLatin1Char(','));
            points.append(QPointF(xy.value(0).toDouble(), xy.value(1).toDouble()));
        }
        if (points.isEmpty()) {
            fail(QStringLiteral("stroke without points"));
            return false;
        }
        // The same calls the canvas makes for a left-button drag.
        brush->press(points.first());
        for (const QPointF& p : points)
            brush->move(p, true);
        if (command == QLatin1String("stroke"))
            brush->release(points.last()); // "begin" leaves the stroke in progress
    } else if (command == QLatin1String("sync")) {
        if (EditJournal* journal = m_window->session()->journal())
            journal->waitForIdle();
        say(QStringLiteral("synced"));
    } else if (command == QLatin1String("save")) {
        if (!m_window->session()->save())
            fail(QStringLiteral("the document has no mask path"));
        return false; // continues on maskSaved
    } else if (command == QLatin1String("quit")) {
        QCoreApplication::exit(0);
        return false;
    } else {
        fail(QStringLiteral("unknown step: ") + step);
        return false;
    }
    return true;
}

void TestScript::fail(const QString& why) {
    say(QStringLiteral("failed: ") + why);
    QCoreApplication::exit(3);
}

} // namespace segstudio

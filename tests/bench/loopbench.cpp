// segstudio-loopbench: how responsive the window stays while the model works. Opens an image in
// the real MainWindow with the real model, then measures, for the same duration each:
//   idle      — nothing running (the baseline),
//   segment   — "Segment Image" running back to back,
//   learn     — "Learn from Corrections" running back to back (on a painted correction).
// Two probes run on the GUI thread meanwhile: the delay of posted events (what a mouse or key
// event waits before it is handled) and the lateness of a 10 ms timer. Prints p50 / p95 / max.
//   segstudio-loopbench [--image FILE] [--model M] [--seconds S]
#include "annotation/gdal_setup.h"
#include "annotation/label_document.h"
#include "annotation/mask_painter.h"
#include "app/jobs/app_paths.h"
#include "app/main_window.h"
#include "app/model_actions.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEvent>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <vector>

using namespace segstudio;

namespace {

class ProbeEvent : public QEvent {
public:
    static QEvent::Type type() {
        static const auto registered = QEvent::Type(QEvent::registerEventType());
        return registered;
    }
    explicit ProbeEvent(qint64 postedNs)
        : QEvent(type())
        , posted(postedNs) {}
    qint64 posted;
};

// Posts an event every 5 ms and records how long each waited; a 10 ms timer records its lateness.
class Probe : public QObject {
public:
    explicit Probe(QElapsedTimer& clock)
        : m_clock(clock) {
        connect(&m_post, &QTimer::timeout, this,
                [this] { QCoreApplication::postEvent(this, new ProbeEvent(m_clock.nsecsElapsed())); });
        connect(&m_tick, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            if (m_lastTick > 0)
                timerLateness.push_back(std::max<qint64>(0, now - m_lastTick - 10'000'000) / 1e6);
            m_lastTick = now;
        });
        m_post.setTimerType(Qt::PreciseTimer);
        m_tick.setTimerType(Qt::PreciseTimer);
    }
    void start() {
        eventDelay.clear();
        timerLateness.clear();
        m_lastTick = 0;
        m_post.start(5);
        m_tick.start(10);
    }
    void stop() {
        m_post.stop();
        m_tick.stop();
    }
    bool event(QEvent* e) override {
        if (e->type() == ProbeEvent::type()) {
            eventDelay.push_back((m_clock.nsecsElapsed() - static_cast<ProbeEvent*>(e)->posted) / 1e6);
            return true;
        }
        return QObject::event(e);
    }
    std::vector<double> eventDelay;
    std::vector<double> timerLateness;

private:
    QElapsedTimer& m_clock;
    QTimer m_post;
    QTimer m_tick;
    qint64 m_lastTick = 0;
};

double percentile(std::vector<double> values, double p) {
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, size_t(p * (values.size() - 1) + 0.5))];
}

void report(const char* phase, const Probe& probe, int jobs) {
    std::printf("%-8s jobs %3d | event delay ms: p50 %6.2f  p95 %6.2f  max %7.2f (%zu) | 10 ms timer late "
                "ms: p50 %6.2f  p95 %6.2f  max %7.2f\n",
                phase, jobs, percentile(probe.eventDelay, 0.5), percentile(probe.eventDelay, 0.95),
                percentile(probe.eventDelay, 1.0), probe.eventDelay.size(),
                percentile(probe.timerLateness, 0.5), percentile(probe.timerLateness, 0.95),
                percentile(probe.timerLateness, 1.0));
    std::fflush(stdout);
}

} // namespace

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true); // leave the user's settings and journals alone
    QApplication::setOrganizationName(QStringLiteral("segstudio-bench"));
    QApplication::setApplicationName(QStringLiteral("loopbench"));
    initializeGdal();
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption imageOption(QStringLiteral("image"),
                                         QStringLiteral("Image (default: the sample)."),
                                         QStringLiteral("file"), sampleImagePath());
    const QCommandLineOption modelOption(QStringLiteral("model"), QStringLiteral("Model (default: bundled)."),
                                         QStringLiteral("M"), QStringLiteral("default"));
    const QCommandLineOption secondsOption(QStringLiteral("seconds"),
                                           QStringLiteral("Per phase (default 20)."), QStringLiteral("S"),
                                           QStringLiteral("20"));
    parser.addOptions({imageOption, modelOption, secondsOption});
    parser.process(app);
    const int seconds = parser.value(secondsOption).toInt();
    QSettings().setValue(QStringLiteral("learning/steps"), 10);
    // The bench starts each job itself and times it.
    QSettings().setValue(QStringLiteral("learning/live"), false);
    QSettings().setValue(QStringLiteral("model/segment_on_open"), false);

    MainWindow window;
    window.session()->setRestorePolicy(DocumentSession::RestorePolicy::Discard);
    window.resize(1400, 900);
    window.show();
    QSignalSpy ready(&window, &MainWindow::documentReady);
    window.openFile(parser.value(imageOption));
    if (!ready.wait(60000)) {
        std::fprintf(stderr, "loopbench: cannot open %s\n", qPrintable(parser.value(imageOption)));
        return 1;
    }
    SegmentationController* controller = window.modelActions()->controller();
    QSignalSpy added(controller, &SegmentationController::versionAdded);
    controller->openModel(parser.value(modelOption));
    if (!added.wait(60000)) {
        std::fprintf(stderr, "loopbench: cannot open the model\n");
        return 1;
    }
    QTest::qWait(1000);
    std::printf("image %s, %dx%d; device: %s; %d s per phase\n", qPrintable(parser.value(imageOption)),
                window.document()->mask().width(), window.document()->mask().height(),
                qPrintable(controller->deviceDescription()), seconds);

    QElapsedTimer clock;
    clock.start();
    Probe probe(clock);
    auto run = [&](const char* phase, const std::function<void()>& startJob) {
        int jobs = 0;
        QMetaObject::Connection again;
        bool running = true;
        if (startJob) {
            auto next = [&] {
                if (running) {
                    ++jobs;
                    startJob();
                }
            };
            again = QObject::connect(controller, &SegmentationController::segmentFinished, &app, [&] {
                if (!controller->isBusy())
                    QTimer::singleShot(0, &app, next);
            });
            next();
        }
        probe.start();
        QTest::qWait(seconds * 1000);
        probe.stop();
        running = false;
        QObject::disconnect(again);
        controller->cancel();
        if (!QTest::qWaitFor([&] { return !controller->isBusy(); }, 120000))
            std::fprintf(stderr, "loopbench: the job did not stop within 2 minutes of Cancel\n");
        QTest::qWait(200); // a re-prediction may follow a learning that finished meanwhile
        controller->cancel();
        if (!QTest::qWaitFor([&] { return !controller->isBusy(); }, 120000))
            std::fprintf(stderr, "loopbench: the job did not stop within 2 minutes of Cancel\n");
        report(phase, probe, jobs);
    };
    const QRect whole = window.document()->mask().rect();
    run("idle", {});
    run("segment", [&] { controller->segment(whole, QRectF(whole).center()); });
    {
        // A correction to learn from: a class-3 band across the middle.
        MaskPainter painter(*window.document(), QStringLiteral("bench"));
        for (int y = whole.height() / 2 - 20; y < whole.height() / 2 + 20; ++y)
            painter.paintSpan(y, whole.width() / 4, whole.width() * 3 / 4, {3});
        painter.commit();
    }
    // Learning ends in a re-prediction, whose segmentFinished starts the next round.
    run("learn", [&] { controller->learn(); });
    return 0;
}

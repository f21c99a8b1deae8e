// segstudio-segbench: the window's whole-image segmentation of one raster, on the offscreen
// platform, in the real MainWindow (its document, controller, model worker, overlay and
// journal), and what it cost. Prints one JSON line:
//   megapixels, seconds, mp_per_s, peak_rss_mb (the whole process, from getrusage),
//   journal_mb (the autosave journal's file after the job), store_mb (the scratch tile store),
//   mask_memory_mb (mask tiles still in memory), undo_mb, predicted_share (pixels predicted).
//   segstudio-segbench --raster F [--model M|small] [--mask-megabytes N]
// --model small: a six-class built-in network at a quarter of the default width (fast; for
// memory, not quality). Exits non-zero when the job fails or leaves pixels with data unpredicted.
#include "annotation/gdal_setup.h"
#include "annotation/label_document.h"
#include "annotation/tile_store.h"
#include "app/document_session.h"
#include "app/jobs/app_paths.h"
#include "app/main_window.h"
#include "app/model_actions.h"
#include "inference/heap_tuning.h"
#include "small_model.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <cstdio>
#include <sys/resource.h>

using namespace segstudio;

namespace {

int fail(const char* what) {
    std::fprintf(stderr, "segbench: %s\n", what);
    return 1;
}

} // namespace

int main(int argc, char* argv[]) {
    inference::keepFreedMemoryForReuse();
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true); // leave the user's settings, journals and cache alone
    QApplication::setOrganizationName(QStringLiteral("segstudio-bench"));
    QApplication::setApplicationName(QStringLiteral("segbench"));
    initializeGdal();
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption rasterOption(QStringLiteral("raster"), QStringLiteral("Raster to segment."),
                                          QStringLiteral("file"));
    const QCommandLineOption modelOption(
        QStringLiteral("model"), QStringLiteral("Model file, \"default\" or \"small\" (default: small)."),
        QStringLiteral("M"), QStringLiteral("small"));
    const QCommandLineOption budgetOption(
        QStringLiteral("mask-megabytes"),
        QStringLiteral("Predicted tiles kept in memory (default: the setting's "
                       "default)."),
        QStringLiteral("N"));
    parser.addOptions({rasterOption, modelOption, budgetOption});
    parser.process(app);
    if (!parser.isSet(rasterOption))
        return fail("--raster is required");

    QSettings settings;
    settings.clear();
    settings.setValue(QStringLiteral("learning/live"), false);
    settings.setValue(QStringLiteral("model/segment_on_open"), false);
    if (parser.isSet(budgetOption))
        settings.setValue(QStringLiteral("memory/mask_megabytes"), parser.value(budgetOption).toInt());

    QTemporaryDir scratch;
    QString model = parser.value(modelOption);
    if (model == QLatin1String("small")) {
        model = scratch.filePath(QStringLiteral("small.pt"));
        std::string error;
        if (!test::saveSmallSixClassModel(model.toStdString(), "small", &error))
            return fail(error.c_str());
    }

    MainWindow window;
    window.session()->setRestorePolicy(DocumentSession::RestorePolicy::Discard);
    window.resize(1400, 900);
    window.show();
    QSignalSpy ready(&window, &MainWindow::documentReady);
    window.openFile(parser.value(rasterOption));
    if (!ready.wait(300000))
        return fail("cannot open the raster");
    SegmentationController* controller = window.modelActions()->controller();
    controller->applySettings();
    // In use once the worker reports it current (versionAdded comes first).
    QSignalSpy current(controller, &SegmentationController::currentVersionChanged);
    QSignalSpy failed(controller, &SegmentationController::modelFailed);
    controller->openModel(model);
    while (!controller->hasModel() && failed.isEmpty())
        if (!current.wait(120000))
            return fail("cannot open the model");
    if (!failed.isEmpty())
        return fail(qPrintable(failed.first().at(0).toString()));

    LabelDocument* document = window.document();
    const QRect whole = document->mask().rect();
    QSignalSpy finished(controller, &SegmentationController::segmentFinished);
    QElapsedTimer clock;
    clock.start();
    controller->segment(whole, QRectF(whole).center());
    // A job refused at once (no classes in common) reports before segment() returns.
    if (finished.isEmpty() && !finished.wait(24 * 3600 * 1000))
        return fail("the segmentation did not finish");
    const double seconds = clock.nsecsElapsed() / 1e9;
    if (finished.first().at(0).toBool() || !finished.first().at(1).toString().isEmpty())
        return fail(
            qPrintable(QStringLiteral("the segmentation failed: %1").arg(finished.first().at(1).toString())));

    EditJournal* journal = window.session()->journal();
    if (journal)
        journal->waitForIdle();
    const double journalMb = journal ? QFileInfo(journal->path()).size() / 1048576.0 : 0.0;
    TileStore* store = document->tileStore();
    if (store)
        store->waitForIdle();
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const double megapixels = double(whole.width()) * whole.height() / 1e6;
    const auto provenance = document->mask().provenanceHistogram();
    const double predicted = double(provenance[size_t(Provenance::Predicted)]) / (megapixels * 1e6);
    std::printf(
        "{\"raster\": \"%s\", \"width\": %d, \"height\": %d, \"megapixels\": %.2f, \"seconds\": %.2f, "
        "\"mp_per_s\": %.3f, \"peak_rss_mb\": %.0f, \"journal_mb\": %.3f, \"store_mb\": %.1f, "
        "\"mask_memory_mb\": %.1f, \"undo_mb\": %.2f, \"predicted_share\": %.4f, \"device\": \"%s\"}\n",
        qPrintable(QFileInfo(parser.value(rasterOption)).fileName()), whole.width(), whole.height(),
        megapixels, seconds, megapixels / seconds, usage.ru_maxrss / 1024.0, journalMb,
        store ? store->fileBytes() / 1048576.0 : 0.0, document->mask().memoryBytes() / 1048576.0,
        document->history().bytes() / 1048576.0, predicted, qPrintable(controller->deviceDescription()));
    std::fflush(stdout);
    // Pixels without data stay unlabeled; everything else must have been predicted.
    return predicted > 0.5 ? 0 : fail("most pixels were not predicted");
}

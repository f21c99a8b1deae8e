// segstudio: the desktop application. `segstudio [IMAGE] [--mask MASK]` opens IMAGE (or the
// bundled sample) with its label mask MASK (created on the first save when missing);
// `segstudio DIR` or `segstudio PROJECT.segproj` opens a project of many images.
#include "annotation/gdal_setup.h"
#include "annotation/source_policy.h"
#include "app/comparison_actions.h"
#include "app/jobs/app_paths.h"
#include "app/jobs/settings.h"
#include "app/main_window.h"
#include "app/model_actions.h"
#include "inference/heap_tuning.h"
#include "storage/atomic_file.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>

int main(int argc, char* argv[]) {
    segstudio::inference::keepFreedMemoryForReuse();
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("segstudio"));
    QApplication::setApplicationName(QStringLiteral("segstudio"));
    QApplication::setApplicationVersion(QStringLiteral(SEGSTUDIO_VERSION));
    segstudio::initializeGdal();

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Interactive segmentation and labeling of images and rasters."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("image"),
                                 QStringLiteral("Image or raster to open (default: the bundled sample), or a "
                                                "project: a folder of images or a .segproj file."));
    const QCommandLineOption maskOption(
        QStringLiteral("mask"),
        QStringLiteral("Label mask of the image (.png or .tif); created on the first save if missing."),
        QStringLiteral("file"));
    const QCommandLineOption restoreOption(
        QStringLiteral("restore-journal"),
        QStringLiteral("After a crash: restore the unsaved edits (yes), discard them (no) or ask (default)."),
        QStringLiteral("ask|yes|no"), QStringLiteral("ask"));
    const QCommandLineOption modelOption(
        QStringLiteral("model"),
        QStringLiteral("Segmentation model: a bundle or TorchScript file with its JSON sidecar (default: the "
                       "bundled model)."),
        QStringLiteral("file"), QStringLiteral("default"));
    const QCommandLineOption networkOption(
        QStringLiteral("allow-network"),
        QStringLiteral("Let files read from servers in this session (URLs, VRTs with remote sources, WMS); "
                       "off by default, or as set in Preferences."));
    const QCommandLineOption compareOption(
        QStringLiteral("compare"),
        QStringLiteral("A mask to compare the mask with (a reference or another model's output): V flips, "
                       "Shift+V swipes, X shows the differences, the Metrics dock scores them."),
        QStringLiteral("file"));
    parser.addOptions({maskOption, restoreOption, modelOption, networkOption, compareOption});
    parser.process(app);
    segstudio::Settings::load().apply();
    if (parser.isSet(networkOption))
        segstudio::SourcePolicy::setNetworkAllowed(true);
    segstudio::storage::removeTemporariesOnSignal();

    segstudio::MainWindow window;
    const QString restore = parser.value(restoreOption);
    window.session()->setRestorePolicy(
        restore == QLatin1String("yes")  ? segstudio::DocumentSession::RestorePolicy::Restore
        : restore == QLatin1String("no") ? segstudio::DocumentSession::RestorePolicy::Discard
                                         : segstudio::DocumentSession::RestorePolicy::Ask);
    window.modelActions()->controller()->openModel(parser.value(modelOption));
    window.show();
    const QStringList files = parser.positionalArguments();
    QString path = files.isEmpty() ? segstudio::sampleImagePath() : files.first();
    if (!files.isEmpty() || QFileInfo::exists(path))
        window.openPath(path, parser.value(maskOption));
    if (parser.isSet(compareOption)) {
        // Once the image and its mask are open (the first document only).
        auto connection = std::make_shared<QMetaObject::Connection>();
        *connection = QObject::connect(&window, &segstudio::MainWindow::documentReady, &window,
                                       [&window, connection, compare = parser.value(compareOption)] {
                                           QObject::disconnect(*connection);
                                           window.comparisonActions()->compareWith(compare);
                                       });
    }
    return app.exec();
}

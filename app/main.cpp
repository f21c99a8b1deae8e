// segstudio: the desktop application. `segstudio [IMAGE]` opens IMAGE, or the bundled sample.
#include "annotation/gdal_setup.h"
#include "app/app_paths.h"
#include "app/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>

int main(int argc, char* argv[]) {
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
                                 QStringLiteral("Image or raster to open (default: the bundled sample)."));
    parser.process(app);

    segstudio::MainWindow window;
    window.show();
    const QStringList files = parser.positionalArguments();
    QString path = files.isEmpty() ? segstudio::sampleImagePath() : files.first();
    if (!files.isEmpty() || QFileInfo::exists(path))
        window.openFile(path);
    return app.exec();
}

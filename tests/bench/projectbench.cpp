// segstudio-projectbench [N]: how a project of N images (default 10 000, tiny generated PNGs)
// opens: making it from the folder, writing and reading the project file, and the Images dock
// showing it (offscreen), with the time and the resident memory each step adds. Run beside a
// project of 100 images (the same program, N = 100) to see what grows with the number of images.
#include "annotation/dataset_project.h"
#include "annotation/gdal_setup.h"
#include "ui/images_panel.h"
#include "ui/project_image_model.h"

#include <QApplication>
#include <QBuffer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QListView>
#include <QTemporaryDir>
#include <cstdio>

using namespace segstudio;

namespace {

double residentMegabytes() {
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    return -1;
}

} // namespace

int main(int argc, char* argv[]) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    initializeGdal();
    const int count = argc > 1 ? std::max(1, atoi(argv[1])) : 10000;
    QTemporaryDir dir;
    // A hundred images a folder, as cameras and tile exports lay them out.
    QImage image(16, 16, QImage::Format_RGB888);
    image.fill(Qt::darkGreen);
    QByteArray png;
    {
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        image.save(&buffer, "PNG");
    }
    for (int i = 0; i < count; ++i) {
        const QString folder = dir.filePath(QStringLiteral("part_%1").arg(i / 100, 3, 10, QLatin1Char('0')));
        if (i % 100 == 0)
            QDir().mkpath(folder);
        QFile file(QStringLiteral("%1/img_%2.png").arg(folder).arg(i, 6, 10, QLatin1Char('0')));
        if (!file.open(QIODevice::WriteOnly) || file.write(png) != png.size())
            return std::fprintf(stderr, "cannot write the images\n"), 1;
    }
    const double baseMb = residentMegabytes();
    QString error;
    QElapsedTimer timer;
    timer.start();
    auto made = DatasetProject::fromFolder(dir.path(), DatasetProject::defaultPathFor(dir.path()),
                                           ClassPalette::dubaiAerial(), &error);
    if (!made || !made->save(&error))
        return std::fprintf(stderr, "%s\n", qPrintable(error)), 1;
    const double createSeconds = timer.nsecsElapsed() / 1e9;
    made.reset();
    const double beforeLoadMb = residentMegabytes();
    timer.restart();
    const auto project = DatasetProject::load(DatasetProject::defaultPathFor(dir.path()), &error);
    if (!project)
        return std::fprintf(stderr, "%s\n", qPrintable(error)), 1;
    const double loadSeconds = timer.nsecsElapsed() / 1e9;
    const double loadedMb = residentMegabytes();
    timer.restart();
    ProjectImageModel model;
    ImagesPanel panel(&model);
    panel.resize(300, 800);
    model.setProject(&*project);
    panel.show();
    panel.list()->repaint();
    app.processEvents();
    const double showSeconds = timer.nsecsElapsed() / 1e9;
    std::printf(
        "{\"images\": %d, \"create_and_save_seconds\": %.3f, \"load_seconds\": %.4f, \"show_seconds\": %.4f, "
        "\"project_file_bytes\": %lld, \"rss_mb_before\": %.1f, \"rss_mb_loaded\": %.1f, "
        "\"rss_mb_shown\": %.1f, \"rss_mb_base\": %.1f}\n",
        count, createSeconds, loadSeconds, showSeconds,
        static_cast<long long>(QFileInfo(project->path()).size()), beforeLoadMb, loadedMb,
        residentMegabytes(), baseMb);
    return 0;
}

// segstudio-cli export: a project's masks as a dataset that PyTorch and COCO tools read as they
// are (Pascal VOC layout, or COCO JSON with RLE masks).
#include "annotation/dataset_export.h"
#include "app/cli/cli_commands.h"
#include "app/cli/cli_support.h"
#include "app/cli/option_values.h"
#include "app/jobs/project_files.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <cstdio>

namespace segstudio::cli {

int runExport(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("A project's masks as a VOC or COCO dataset."));
    parser.addHelpOption();
    parser.addOptions({
        {QStringLiteral("project"),
         QStringLiteral(
             "Project file (.segproj), or a folder of images (with images/ + masks/ where masks exist)."),
         QStringLiteral("P")},
        {QStringLiteral("format"), QStringLiteral("voc or coco."), QStringLiteral("FORMAT"),
         QStringLiteral("voc")},
        {QStringLiteral("output"), QStringLiteral("Folder to write the dataset into."),
         QStringLiteral("DIR")},
        {QStringLiteral("all"), QStringLiteral("Every image that has a mask, not only the reviewed ones.")},
        {QStringLiteral("classes"),
         QStringLiteral("Class list of a folder's masks (default: classes.json or classes.csv in the folder, "
                        "else the default classes)."),
         QStringLiteral("FILE")},
        {QStringLiteral("val-percent"), QStringLiteral("VOC: share of the images listed in val.txt (0-100)."),
         QStringLiteral("N"), QStringLiteral("20")},
    });
    parser.process(arguments);
    if (!parser.isSet(QStringLiteral("project")) || !parser.isSet(QStringLiteral("output")))
        return failWith(QStringLiteral("export needs --project P (a .segproj file or a folder of images) and "
                                       "--output DIR"));
    DatasetExportOptions options;
    const QString format = parser.value(QStringLiteral("format")).toLower();
    if (format == QLatin1String("coco"))
        options.format = DatasetExportOptions::Format::Coco;
    else if (format != QLatin1String("voc"))
        return failWith(QStringLiteral("--format must be voc or coco, not \"%1\"").arg(format));
    options.all = parser.isSet(QStringLiteral("all"));
    QString error;
    if (!intOption(parser, QStringLiteral("val-percent"), 0, 100, options.valPercent, &error))
        return failWith(error);
    const auto project = ProjectFiles::openOrCreate(parser.value(QStringLiteral("project")),
                                                    parser.value(QStringLiteral("classes")), &error);
    if (!project)
        return failWith(error);
    const QString output = parser.value(QStringLiteral("output"));
    QElapsedTimer timer;
    timer.start();
    ProgressLine progress(QStringLiteral("export"));
    DatasetExportSummary summary;
    const bool ok = exportDataset(*project, output, options, &summary, &error, [&](int done, int total) {
        progress.update(double(done) / std::max(1, total),
                        QStringLiteral("%1 of %2 images").arg(done).arg(total));
        return true;
    });
    progress.finish();
    if (!ok)
        return failWith(error);
    const QJsonObject result{{"output", output},
                             {"format", format},
                             {"images", summary.images},
                             {"annotations", qint64(summary.annotations)},
                             {"seconds", timer.nsecsElapsed() / 1e9}};
    std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
    return 0;
}

} // namespace segstudio::cli

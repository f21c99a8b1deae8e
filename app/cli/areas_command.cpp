// segstudio-cli areas: per-class pixels, area (m², ha) and share of a label raster, as a table,
// CSV or JSON; geodesic per row when the raster's CRS is geographic.
#include "annotation/area_of_interest.h"
#include "annotation/class_areas.h"
#include "app/cli/cli_commands.h"
#include "app/cli/cli_support.h"
#include "app/cli/option_values.h"
#include "storage/atomic_file.h"

#include <QCommandLineParser>
#include <QFile>
#include <cstdio>
#include <memory>

namespace segstudio::cli {

int runAreas(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Per-class areas of a label raster."));
    parser.addHelpOption();
    parser.addOptions({
        {QStringLiteral("input"), QStringLiteral("Label raster (GeoTIFF or PNG of class ids)."),
         QStringLiteral("LABELS")},
        {QStringLiteral("classes"),
         QStringLiteral("Class list (default: the raster's .classes.json or .qml beside it)."),
         QStringLiteral("FILE")},
        {QStringLiteral("csv"),
         QStringLiteral("Also write class_id,class_name,pixels,area_m2,area_ha,share."),
         QStringLiteral("FILE")},
        {QStringLiteral("json"), QStringLiteral("Print one JSON object instead of a table.")},
        {QStringLiteral("region"),
         QStringLiteral("Count only inside the polygons of FILE (GeoPackage, GeoJSON, Shapefile, …; "
                        "reprojected to the raster's CRS)."),
         QStringLiteral("FILE")},
    });
    parser.process(arguments);
    if (!parser.isSet(QStringLiteral("input")))
        return failWith(QStringLiteral("areas needs --input LABELS.tif"));
    QString error;
    const QString input = parser.value(QStringLiteral("input"));
    const QString csv = parser.value(QStringLiteral("csv"));
    if (!csv.isEmpty() && !checkOutputs({{QStringLiteral("csv"), csv}},
                                        {input, parser.value(QStringLiteral("classes"))}, &error))
        return failWith(error);
    const auto palette = labelClassesOf(input, parser.value(QStringLiteral("classes")), &error);
    if (!palette)
        return failWith(error);
    std::unique_ptr<AreaOfInterest> region;
    if (parser.isSet(QStringLiteral("region"))) {
        region = AreaOfInterest::open(parser.value(QStringLiteral("region")), &error);
        if (!region)
            return failWith(error);
    }
    AreaReport report;
    if (!ClassAreas::measure(input, *palette, report, &error, region.get()))
        return failWith(error);
    if (!csv.isEmpty()) {
        const QByteArray table = report.toCsv();
        storage::PendingFile file;
        std::string why;
        if (!file.create(QFile::encodeName(csv).toStdString(), &why) ||
            !file.write(table.constData(), size_t(table.size()), &why) || !file.commit(&why))
            return failWith(QString::fromStdString(why));
    }
    if (parser.isSet(QStringLiteral("json"))) {
        std::printf("%s\n", report.toJson().constData());
        return 0;
    }
    if (region)
        std::printf("inside %s\n", qUtf8Printable(report.region));
    std::printf("%-24s %14s %16s %12s %8s\n", "class", "pixels", "area m²", "area ha", "share");
    for (const ClassArea& c : report.classes)
        std::printf("%-24s %14lld %16s %12s %7.2f%%\n", qUtf8Printable(c.name), c.pixels,
                    report.inSquareMetres ? qUtf8Printable(QString::number(c.areaM2, 'f', 1)) : "—",
                    report.inSquareMetres ? qUtf8Printable(QString::number(c.areaM2 / 1e4, 'f', 3)) : "—",
                    100 * report.shareOf(c));
    return 0;
}

} // namespace segstudio::cli

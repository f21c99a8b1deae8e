// segstudio-cli vectorize: polygons of a label raster (GeoPackage or GeoJSON) with class names,
// areas and a QGIS style, through GDAL's sieve and polygonize.
#include "annotation/label_polygons.h"
#include "app/cli/cli_commands.h"
#include "app/cli/cli_support.h"
#include "app/cli/option_values.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <cstdio>

namespace segstudio::cli {

int runVectorize(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Polygons of a label raster, with class names and areas."));
    parser.addHelpOption();
    parser.addOptions({
        {QStringLiteral("input"), QStringLiteral("Label raster (GeoTIFF of class ids)."),
         QStringLiteral("LABELS")},
        {QStringLiteral("output"), QStringLiteral("Polygons: .gpkg (with its QGIS style) or .geojson."),
         QStringLiteral("OUT")},
        {QStringLiteral("classes"),
         QStringLiteral("Class list (default: the raster's .classes.json or .qml beside it)."),
         QStringLiteral("FILE")},
        {QStringLiteral("min-area"),
         QStringLiteral("Merge regions smaller than this many m² into their neighbours (0 = keep all)."),
         QStringLiteral("M2"), QStringLiteral("0")},
        {QStringLiteral("simplify"),
         QStringLiteral("Simplify outlines by this tolerance in CRS units (0 = exact pixel edges)."),
         QStringLiteral("TOLERANCE"), QStringLiteral("0")},
    });
    parser.process(arguments);
    if (!parser.isSet(QStringLiteral("input")) || !parser.isSet(QStringLiteral("output")))
        return failWith(
            QStringLiteral("vectorize needs --input LABELS.tif and --output OUT.gpkg|OUT.geojson"));
    QString error;
    VectorizeOptions options;
    if (!doubleOption(parser, QStringLiteral("min-area"), 0, 1e15, options.minAreaM2, &error) ||
        !doubleOption(parser, QStringLiteral("simplify"), 0, 1e9, options.simplify, &error))
        return failWith(error);
    const QString input = parser.value(QStringLiteral("input"));
    const QString output = parser.value(QStringLiteral("output"));
    if (!checkOutputs({{QStringLiteral("output"), output}}, {input, parser.value(QStringLiteral("classes"))},
                      &error))
        return failWith(error);
    const auto palette = labelClassesOf(input, parser.value(QStringLiteral("classes")), &error);
    if (!palette)
        return failWith(error);
    QElapsedTimer timer;
    timer.start();
    VectorizeResult result;
    if (!LabelPolygons::vectorize(input, output, *palette, options, &result, &error))
        return failWith(error);
    const QJsonObject summary{{"output", output},
                              {"features", result.features},
                              {"area_m2", result.areaM2},
                              {"seconds", timer.nsecsElapsed() / 1e9}};
    std::printf("%s\n", QJsonDocument(summary).toJson(QJsonDocument::Compact).constData());
    return 0;
}

} // namespace segstudio::cli

// segstudio-cli merge: joins the parts of a sharded prediction into one tiled label GeoTIFF.
#include "annotation/label_raster_merge.h"
#include "app/cli/cli_commands.h"
#include "app/cli/cli_support.h"
#include "app/cli/option_values.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cstdio>

namespace segstudio::cli {

int runMerge(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Join the parts of a prediction made with predict --shard I/N into one GeoTIFF."));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("output"), QStringLiteral("The joined label raster (.tif)."),
                      QStringLiteral("OUT.tif")});
    parser.addPositionalArgument(QStringLiteral("parts"),
                                 QStringLiteral("The parts (GeoTIFFs of class ids)."),
                                 QStringLiteral("PART..."));
    parser.process(arguments);
    const QStringList parts = parser.positionalArguments();
    if (!parser.isSet(QStringLiteral("output")) || parts.isEmpty())
        return failWith(QStringLiteral("merge needs --output OUT.tif and the parts, e.g. part-*.tif"));
    const QString output = parser.value(QStringLiteral("output"));
    QString error;
    if (!checkOutputs({{QStringLiteral("output"), output}}, parts, &error))
        return failWith(error);
    if (!LabelRasterMerge::merge(parts, output, &error))
        return failWith(error);
    std::printf("%s\n", QJsonDocument(QJsonObject{{"output", output}, {"parts", int(parts.size())}})
                            .toJson(QJsonDocument::Compact)
                            .constData());
    return 0;
}

} // namespace segstudio::cli

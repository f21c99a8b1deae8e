// segstudio-cli predict: a class (and optionally a confidence) for every pixel of any raster,
// read, predicted and written a band of rows at a time, so memory stays bounded whatever the
// raster's size.
#include "annotation/gdal_setup.h"
#include "annotation/label_polygons.h"
#include "annotation/label_raster_writer.h"
#include "annotation/raster_source.h"
#include "annotation/tile_pyramid.h"
#include "app/cli/cli_commands.h"
#include "app/cli/cli_support.h"
#include "app/cli/option_values.h"
#include "app/jobs/class_mapping.h"
#include "app/jobs/model_registry.h"
#include "app/jobs/precision_choice.h"
#include "app/jobs/raster_row_prediction.h"
#include "inference/tiled_predictor.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>
#include <QUrlQuery>
#include <cmath>
#include <cstdio>

namespace segstudio::cli {

int runPredict(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Predict a class for every pixel of an image (255 where it has no data)."));
    parser.addHelpOption();
    addPredictorOptions(parser);
    parser.addOptions({
        {QStringLiteral("input"), QStringLiteral("Image or raster to segment."), QStringLiteral("IMAGE")},
        {QStringLiteral("output"), QStringLiteral("Classes: indexed .png or GeoTIFF .tif."),
         QStringLiteral("OUT")},
        {QStringLiteral("confidence"), QStringLiteral("Also write the confidence (max softmax) as GeoTIFF."),
         QStringLiteral("C.tif")},
        {QStringLiteral("block"), QStringLiteral("Height of the row bands a --shard is made of."),
         QStringLiteral("N"), QStringLiteral("2048")},
        {QStringLiteral("shard"),
         QStringLiteral(
             "Write part I of N (1 <= I <= N): a band of whole block rows, georeferenced, for joining "
             "with 'segstudio-cli merge' or gdalbuildvrt."),
         QStringLiteral("I/N")},
        {QStringLiteral("vector"),
         QStringLiteral(
             "Also write the classes as polygons (.gpkg or .geojson; needs a georeferenced input)."),
         QStringLiteral("OUT.gpkg")},
        {QStringLiteral("zoom"),
         QStringLiteral("The zoom level of a tile service (--input 'https://host/{z}/{x}/{y}.png', with "
                        "--allow-network)."),
         QStringLiteral("Z")},
        {QStringLiteral("area"),
         QStringLiteral("The area of a tile service to predict: west,south,east,north in degrees (WGS 84)."),
         QStringLiteral("W,S,E,N")},
        {QStringLiteral("attribution"),
         QStringLiteral("The credit of a tile service's imagery, written into what is made from it."),
         QStringLiteral("TEXT")},
    });
    parser.process(arguments);
    if (!parser.isSet(QStringLiteral("input")) || !parser.isSet(QStringLiteral("output")))
        return failWith(QStringLiteral("predict needs --input IMAGE and --output OUT.png|OUT.tif"));

    QString error;
    inference::PredictOptions options;
    int block = 0;
    if (!predictorOptions(parser, options, &error) ||
        !intOption(parser, QStringLiteral("block"), 256, 16384, block, &error))
        return failWith(error);
    QString input = parser.value(QStringLiteral("input"));
    if (TilePyramid::isServiceTemplate(input) && !input.contains(QLatin1Char('#'))) {
        // The service's zoom, area and credit travel with the URL, in its fragment (never sent).
        QUrlQuery fragment;
        for (const char* name : {"zoom", "area", "attribution"})
            if (parser.isSet(QLatin1String(name)))
                fragment.addQueryItem(QLatin1String(name), QString::fromUtf8(QUrl::toPercentEncoding(
                                                               parser.value(QLatin1String(name)), ",")));
        input += QLatin1Char('#') + fragment.toString(QUrl::FullyEncoded);
    }
    QList<OutputFile> outputs{{QStringLiteral("output"), parser.value(QStringLiteral("output"))}};
    if (parser.isSet(QStringLiteral("confidence")))
        outputs.append({QStringLiteral("confidence"), parser.value(QStringLiteral("confidence"))});
    if (parser.isSet(QStringLiteral("vector")))
        outputs.append({QStringLiteral("vector"), parser.value(QStringLiteral("vector"))});
    const QString modelPath = ModelRegistry::resolvePath(parser.value(QStringLiteral("model")));
    if (!checkOutputs(
            outputs,
            {input, modelPath, QString::fromStdString(inference::sidecarPath(modelPath.toStdString()))},
            &error))
        return failWith(error);
    int shard = 1, shards = 1;
    if (parser.isSet(QStringLiteral("shard"))) {
        const QStringList parts = parser.value(QStringLiteral("shard")).split(QLatin1Char('/'));
        bool indexOk = false, countOk = false;
        if (parts.size() == 2) {
            shard = parts[0].toInt(&indexOk);
            shards = parts[1].toInt(&countOk);
        }
        if (!indexOk || !countOk || shards < 1 || shard < 1 || shard > shards)
            return failWith(QStringLiteral("--shard wants I/N with 1 <= I <= N, e.g. 2/4, not “%1”")
                                .arg(parser.value(QStringLiteral("shard"))));
    }
    if (TilePyramid pyramid; QFileInfo(input).isDir() && TilePyramid::find(input, pyramid, &error) &&
                             !pyramid.holeProblem().isEmpty())
        return failWith(pyramid.holeProblem());
    const auto source = RasterSource::open(input, &error);
    if (!source)
        return failWith(error);
    sizeGdalCacheForOnePass(source->size().width());
    // A shard is a band of whole block rows. Its rows are predicted with the windows a single run
    // uses for them, so the parts joined are that run pixel for pixel.
    const QRect image(QPoint(0, 0), source->size());
    const int blockRows = (image.height() + block - 1) / block;
    if (shards > blockRows)
        return failWith(
            QStringLiteral("the raster has %1 row(s) of %2-px blocks: use at most %1 shards (or a "
                           "smaller --block)")
                .arg(blockRows)
                .arg(block));
    const int firstRow = (shard - 1) * blockRows / shards, endRow = shard * blockRows / shards;
    const QRect window =
        QRect(0, firstRow * block, image.width(), (endRow - firstRow) * block).intersected(image);
    Georeference georeference = source->georeference();
    if (georeference.isValid()) {
        std::array<double, 6> transform = georeference.geoTransform();
        transform[0] += window.y() * transform[2];
        transform[3] += window.y() * transform[5];
        georeference = Georeference(transform, georeference.crsWkt());
    } else if (shards > 1) {
        return failWith(QStringLiteral("--shard needs a georeferenced input: the parts are placed by their "
                                       "georeference when joined"));
    }
    if (parser.isSet(QStringLiteral("vector")) &&
        (!source->georeference().isValid() || !source->georeference().hasCrs() ||
         !parser.value(QStringLiteral("output")).endsWith(QLatin1String(".tif"), Qt::CaseInsensitive)))
        return failWith(
            QStringLiteral("--vector needs a georeferenced input (a CRS and a geotransform) and a "
                           "GeoTIFF --output (.tif)"));
    auto model = ModelRegistry::load(parser.value(QStringLiteral("model")), &error);
    if (!model)
        return failWith(error);
    std::string why;
    QSettings settings;
    QString precisionReason;
    PrecisionChoice::resolve(options, *model, nullptr, settings, &precisionReason);
    auto predictor = inference::TiledPredictor::create(*model, options, &why);
    if (!predictor)
        return failWith(QString::fromStdString(why));
    predictor->setMessageCallback(
        [](const std::string& message) { std::fprintf(stderr, "\nsegstudio-cli: %s\n", message.c_str()); });

    const ClassPalette palette = ClassMapping::paletteOfModel(model->metadata());
    LabelRasterWriter classes, confidence;
    if (!classes.create(parser.value(QStringLiteral("output")), window.size(),
                        LabelRasterWriter::Kind::Classes, palette, georeference, &error))
        return failWith(error);
    const bool withConfidence = parser.isSet(QStringLiteral("confidence"));
    if (withConfidence &&
        !confidence.create(parser.value(QStringLiteral("confidence")), window.size(),
                           LabelRasterWriter::Kind::Confidence, palette, georeference, &error))
        return failWith(error);
    // The imagery's credit travels with what is made from it.
    classes.setAttribution(source->info().attribution);
    if (withConfidence)
        confidence.setAttribution(source->info().attribution);

    const std::string precision =
        predictor->precisionName() + (precisionReason.isEmpty() ? "" : ", " + precisionReason.toStdString());
    std::fprintf(stderr, "segstudio-cli: predicting %d × %d px%s with %s on %s (%s)\n", window.width(),
                 window.height(),
                 shards > 1 ? qPrintable(QStringLiteral(" (shard %1 of %2, rows %3–%4)")
                                             .arg(shard)
                                             .arg(shards)
                                             .arg(window.top())
                                             .arg(window.bottom()))
                            : "",
                 model->metadata().name.c_str(), predictor->deviceDescription().c_str(), precision.c_str());
    ProgressLine progress(QStringLiteral("predict"));
    QElapsedTimer timer;
    timer.start();
    const double totalPixels = double(window.width()) * window.height();
    RasterRowPrediction prediction(*predictor, *source);
    const bool predicted = prediction.run(
        window.top(), window.bottom() + 1,
        [&](int y, int rows, const uint8_t* classRows, const float* confidenceRows, QString* why) {
            const QRect inWindow(0, y - window.top(), window.width(), rows);
            return classes.write(inWindow, classRows, why) &&
                   (!withConfidence || confidence.write(inWindow, confidenceRows, why));
        },
        [&](int done, int total) {
            const double fraction = double(done) / total, seconds = timer.nsecsElapsed() / 1e9;
            progress.update(fraction, QStringLiteral("%1 MP/s").arg(
                                          fraction * totalPixels / 1e6 / std::max(seconds, 1e-9), 0, 'f', 2));
        },
        &error);
    if (!predicted)
        return failWith(error);
    progress.finish();
    if (!classes.finish(&error) || (withConfidence && !confidence.finish(&error)))
        return failWith(error);
    if (parser.isSet(QStringLiteral("vector")) &&
        !LabelPolygons::vectorize(parser.value(QStringLiteral("output")),
                                  parser.value(QStringLiteral("vector")), palette, {}, nullptr, &error))
        return failWith(error);
    const double seconds = timer.nsecsElapsed() / 1e9;
    // Through QJsonDocument: a path may hold quotes, backslashes or control characters.
    const QJsonObject result{{"output", parser.value(QStringLiteral("output"))},
                             {"width", window.width()},
                             {"height", window.height()},
                             {"shard", QStringLiteral("%1/%2").arg(shard).arg(shards)},
                             {"rows", QJsonArray{window.top(), window.bottom() + 1}},
                             {"seconds", std::round(seconds * 1000) / 1000},
                             {"mp_per_s", std::round(totalPixels / 1e6 / seconds * 1000) / 1000},
                             {"device", QString::fromStdString(predictor->deviceDescription())},
                             {"precision", QString::fromStdString(predictor->precisionName())}};
    std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
    return 0;
}

} // namespace segstudio::cli

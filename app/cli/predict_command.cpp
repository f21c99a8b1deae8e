// segstudio-cli predict: a class (and optionally a confidence) for every pixel of any raster,
// processed in blocks so memory stays bounded whatever the raster's size.
#include "annotation/label_raster_writer.h"
#include "annotation/raster_source.h"
#include "app/cli/cli_commands.h"
#include "app/cli/cli_support.h"
#include "app/jobs/class_mapping.h"
#include "app/jobs/model_registry.h"
#include "app/jobs/segmentation_job.h"
#include "inference/tiled_predictor.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <cstdio>

namespace segstudio::cli {

int runPredict(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Predict a class for every pixel of an image."));
    parser.addHelpOption();
    addPredictorOptions(parser);
    parser.addOptions({
        {QStringLiteral("input"), QStringLiteral("Image or raster to segment."), QStringLiteral("IMAGE")},
        {QStringLiteral("output"), QStringLiteral("Classes: indexed .png or GeoTIFF .tif."),
         QStringLiteral("OUT")},
        {QStringLiteral("confidence"), QStringLiteral("Also write the confidence (max softmax) as GeoTIFF."),
         QStringLiteral("C.tif")},
        {QStringLiteral("block"), QStringLiteral("Side of the blocks read and written at once."),
         QStringLiteral("N"), QStringLiteral("2048")},
    });
    parser.process(arguments);
    if (!parser.isSet(QStringLiteral("input")) || !parser.isSet(QStringLiteral("output")))
        return failWith(QStringLiteral("predict needs --input IMAGE and --output OUT.png|OUT.tif"));

    QString error;
    const auto source = RasterSource::open(parser.value(QStringLiteral("input")), &error);
    if (!source)
        return failWith(error);
    auto model = ModelRegistry::load(parser.value(QStringLiteral("model")), &error);
    if (!model)
        return failWith(error);
    const inference::PredictOptions options = predictorOptions(parser);
    std::string why;
    auto predictor = inference::TiledPredictor::create(*model, options, &why);
    if (!predictor)
        return failWith(QString::fromStdString(why));
    predictor->setMessageCallback(
        [](const std::string& message) { std::fprintf(stderr, "\nsegstudio-cli: %s\n", message.c_str()); });

    const ClassPalette palette = ClassMapping::paletteOfModel(model->metadata());
    LabelRasterWriter classes, confidence;
    if (!classes.create(parser.value(QStringLiteral("output")), source->size(),
                        LabelRasterWriter::Kind::Classes, palette, source->georeference(), &error))
        return failWith(error);
    const bool withConfidence = parser.isSet(QStringLiteral("confidence"));
    if (withConfidence &&
        !confidence.create(parser.value(QStringLiteral("confidence")), source->size(),
                           LabelRasterWriter::Kind::Confidence, palette, source->georeference(), &error))
        return failWith(error);

    // Blocks with a margin of context on every side: the margin is predicted but not written,
    // so block borders do not show in the result.
    const int block = std::max(256, parser.value(QStringLiteral("block")).toInt());
    const int margin = std::max(options.overlap, 64);
    const QRect image(QPoint(0, 0), source->size());
    QList<QRect> blocks;
    for (int y = 0; y < image.height(); y += block)
        for (int x = 0; x < image.width(); x += block)
            blocks.append(QRect(x, y, block, block).intersected(image));

    std::fprintf(stderr, "segstudio-cli: predicting %d × %d px with %s on %s (%s)\n", image.width(),
                 image.height(), model->metadata().name.c_str(), predictor->deviceDescription().c_str(),
                 predictor->precisionName().c_str());
    ProgressLine progress(QStringLiteral("predict"));
    QElapsedTimer timer;
    timer.start();
    qint64 pixelsDone = 0;
    const double totalPixels = double(image.width()) * image.height();
    // The window's segmentation job, with blocks for regions and the margin for context.
    SegmentationJob job(*predictor, *source, margin);
    for (const QRect& target : blocks) {
        PredictedRegion region;
        const auto report = [&](int done, int total) {
            const double fraction =
                (pixelsDone + double(target.width()) * target.height() * done / total) / totalPixels;
            const double seconds = timer.nsecsElapsed() / 1e9;
            progress.update(fraction, QStringLiteral("%1 MP/s").arg(
                                          fraction * totalPixels / 1e6 / std::max(seconds, 1e-9), 0, 'f', 2));
        };
        if (!job.predict(target, region, {}, &error, report))
            return failWith(error);
        if (!classes.write(target, region.classes.data(), &error) ||
            (withConfidence && !confidence.write(target, region.confidence.data(), &error)))
            return failWith(error);
        pixelsDone += qint64(target.width()) * target.height();
    }
    progress.finish();
    if (!classes.finish(&error) || (withConfidence && !confidence.finish(&error)))
        return failWith(error);
    const double seconds = timer.nsecsElapsed() / 1e9;
    std::printf(
        "{\"output\":\"%s\",\"width\":%d,\"height\":%d,\"seconds\":%.3f,\"mp_per_s\":%.3f,\"device\":\"%s\","
        "\"precision\":\"%s\"}\n",
        qUtf8Printable(parser.value(QStringLiteral("output"))), image.width(), image.height(), seconds,
        totalPixels / 1e6 / seconds, predictor->deviceDescription().c_str(),
        predictor->precisionName().c_str());
    return 0;
}

} // namespace segstudio::cli

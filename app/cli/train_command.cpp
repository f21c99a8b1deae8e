// segstudio-cli train: trains the built-in network (or fine-tunes any model with --init) on
// folders of images and masks, optionally scoring it on a validation folder.
#include "app/cli/cli_commands.h"
#include "app/cli/cli_support.h"
#include "app/cli/option_values.h"
#include "app/jobs/class_mapping.h"
#include "app/jobs/model_registry.h"
#include "app/jobs/precision_choice.h"
#include "app/jobs/training_set.h"
#include "inference/evaluation.h"
#include "inference/tiled_predictor.h"
#include "inference/trainer.h"

#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSettings>
#include <cmath>
#include <cstdio>
#include <limits>

namespace segstudio::cli {
namespace {

bool loadFolders(const QStringList& folders, const ClassPalette& palette,
                 std::vector<inference::TrainingSample>& samples, QString* error) {
    for (const QString& folder : folders) {
        const QList<LabelledImage> pairs = findLabelledImages(folder, error);
        if (pairs.isEmpty())
            return false;
        for (const LabelledImage& pair : pairs) {
            inference::TrainingSample sample;
            if (!loadSample(pair, palette, sample, error))
                return false;
            samples.push_back(std::move(sample));
        }
    }
    return true;
}

} // namespace

int runTrain(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Train or fine-tune a segmentation model."));
    parser.addHelpOption();
    parser.addOptions({
        {QStringLiteral("data"),
         QStringLiteral("Folder with images/ and masks/ (or sub-folders that have them); repeatable."),
         QStringLiteral("DIR")},
        {QStringLiteral("val"), QStringLiteral("Validation folder, same layout; scored after training."),
         QStringLiteral("DIR")},
        {QStringLiteral("output"), QStringLiteral("Model to write (MODEL.pt + MODEL.json)."),
         QStringLiteral("M")},
        {QStringLiteral("init"),
         QStringLiteral("Start from this model (fine-tuning) instead of a new network."),
         QStringLiteral("M")},
        {QStringLiteral("classes"),
         QStringLiteral("Class list: classes.csv, palette JSON or a model sidecar."), QStringLiteral("FILE")},
        {QStringLiteral("epochs"), QStringLiteral("Passes over the labelled pixels."), QStringLiteral("N")},
        {QStringLiteral("steps"), QStringLiteral("Optimiser steps (default 500)."), QStringLiteral("N")},
        {QStringLiteral("batch"), QStringLiteral("Windows per step."), QStringLiteral("N"),
         QStringLiteral("8")},
        {QStringLiteral("crop"), QStringLiteral("Training window side."), QStringLiteral("N"),
         QStringLiteral("256")},
        {QStringLiteral("lr"), QStringLiteral("Peak learning rate."), QStringLiteral("X"),
         QStringLiteral("0.002")},
        {QStringLiteral("dice"), QStringLiteral("Weight of the Dice loss (0 = off)."), QStringLiteral("X"),
         QStringLiteral("0")},
        {QStringLiteral("freeze-bn"), QStringLiteral("Keep batch-norm statistics fixed.")},
        {QStringLiteral("scale"), QStringLiteral("Range of the random scale augmentation (1:1 = off)."),
         QStringLiteral("MIN:MAX"), QStringLiteral("0.75:1.33")},
        {QStringLiteral("no-balance"),
         QStringLiteral(
             "Centre windows on pixels in proportion to class frequency, not uniformly per class.")},
        {QStringLiteral("sample-power"),
         QStringLiteral("Draw images in proportion to labelled pixels^X: 1 = every pixel alike, 0.5 = large "
                        "images count less, 0 = every image alike."),
         QStringLiteral("X"), QStringLiteral("1")},
        {QStringLiteral("encoder"), QStringLiteral("resnet18 or resnet34 (new networks)."),
         QStringLiteral("E"), QStringLiteral("resnet18")},
        {QStringLiteral("width"), QStringLiteral("Channel width multiplier (new networks)."),
         QStringLiteral("X"), QStringLiteral("0.5")},
        {QStringLiteral("name"), QStringLiteral("Model name stored in the sidecar."), QStringLiteral("NAME")},
        {QStringLiteral("device"), QStringLiteral("auto, cpu, cuda or cuda:N."), QStringLiteral("D"),
         QStringLiteral("auto")},
        {QStringLiteral("precision"),
         QStringLiteral(
             "auto (bf16 autocast on CUDA; on the CPU where a step measured faster), fp32 or bf16."),
         QStringLiteral("P"), QStringLiteral("auto")},
        {QStringLiteral("threads"), QStringLiteral("CPU threads (0 = one a physical core)."),
         QStringLiteral("N"), QStringLiteral("0")},
        {QStringLiteral("seed"), QStringLiteral("Random seed."), QStringLiteral("N"), QStringLiteral("1")},
        {QStringLiteral("checkpoint-every"), QStringLiteral("Save the model every N steps."),
         QStringLiteral("N"), QStringLiteral("0")},
    });
    parser.process(arguments);
    const QStringList folders = parser.values(QStringLiteral("data"));
    if (folders.isEmpty() || !parser.isSet(QStringLiteral("output")))
        return failWith(QStringLiteral("train needs --data DIR and --output MODEL"));

    QString error;
    // Every option first, so a long run never fails on its arguments or its output at the end.
    inference::TrainOptions options;
    double width = 0.5, epochs = 0;
    int seed = 1;
    if (!intOption(parser, QStringLiteral("batch"), 1, 256, options.batch, &error) ||
        !intOption(parser, QStringLiteral("crop"), 32, 2048, options.crop, &error) ||
        !doubleOption(parser, QStringLiteral("lr"), 1e-8, 1, options.learningRate, &error) ||
        !doubleOption(parser, QStringLiteral("dice"), 0, 100, options.diceWeight, &error) ||
        !doubleOption(parser, QStringLiteral("width"), 0.05, 4, width, &error) ||
        !intOption(parser, QStringLiteral("threads"), 0, 1024, options.threads, &error) ||
        !intOption(parser, QStringLiteral("seed"), 0, std::numeric_limits<int>::max(), seed, &error) ||
        !intOption(parser, QStringLiteral("checkpoint-every"), 0, 10'000'000, options.checkpointEvery,
                   &error))
        return failWith(error);
    options.steps = 500;
    if (parser.isSet(QStringLiteral("steps")) &&
        !intOption(parser, QStringLiteral("steps"), 1, 10'000'000, options.steps, &error))
        return failWith(error);
    if (!parser.isSet(QStringLiteral("steps")) && parser.isSet(QStringLiteral("epochs")) &&
        !doubleOption(parser, QStringLiteral("epochs"), 1e-3, 1e5, epochs, &error))
        return failWith(error);
    // A folder (or a name ending in a separator) gets model.pt inside it, as loading expects.
    QString output = parser.value(QStringLiteral("output"));
    if (output.endsWith(QLatin1Char('/')) || QFileInfo(output).isDir())
        output = QDir(output).filePath(QStringLiteral("model.pt"));
    else if (!output.endsWith(QLatin1String(".pt")))
        output += QStringLiteral(".pt");
    const QString sidecar = QString::fromStdString(inference::sidecarPath(output.toStdString()));
    QStringList inputs{parser.value(QStringLiteral("classes"))};
    if (parser.isSet(QStringLiteral("init"))) {
        const QString init = ModelRegistry::resolvePath(parser.value(QStringLiteral("init")));
        inputs << init << QString::fromStdString(inference::sidecarPath(init.toStdString()));
    }
    if (!checkOutputs({{QStringLiteral("output"), output}, {QStringLiteral("output"), sidecar}}, inputs,
                      &error))
        return failWith(error);

    if (!doubleOption(parser, QStringLiteral("sample-power"), 0, 1, options.samplingPower, &error))
        return failWith(error);
    {
        const QStringList range = parser.value(QStringLiteral("scale")).split(QLatin1Char(':'));
        bool minOk = false, maxOk = false;
        if (range.size() == 2) {
            options.minScale = range[0].toDouble(&minOk);
            options.maxScale = range[1].toDouble(&maxOk);
        }
        if (!minOk || !maxOk || !std::isfinite(options.minScale) || !std::isfinite(options.maxScale) ||
            options.minScale < 0.1 || options.maxScale > 10 || options.maxScale < options.minScale)
            return failWith(
                QStringLiteral("--scale wants MIN:MAX with 0.1 <= MIN <= MAX <= 10, e.g. 0.75:1.33"));
    }
    if (const std::string problem = inference::trainOptionsProblem(options); !problem.empty())
        return failWith(QString::fromStdString(problem));
    std::unique_ptr<inference::SegmentationModel> model;
    ClassPalette palette;
    if (parser.isSet(QStringLiteral("init"))) {
        model = ModelRegistry::load(parser.value(QStringLiteral("init")), &error);
        if (!model)
            return failWith(error);
        palette = ClassMapping::paletteOfModel(model->metadata());
    }
    if (parser.isSet(QStringLiteral("classes"))) {
        auto classes = ClassMapping::loadClasses(parser.value(QStringLiteral("classes")), &error);
        if (!classes)
            return failWith(error);
        if (model && classes->size() != model->classCount())
            return failWith(QStringLiteral("the class list has %1 classes but the model %2 predicts %3")
                                .arg(classes->size())
                                .arg(parser.value(QStringLiteral("init")))
                                .arg(model->classCount()));
        palette = *classes;
    }
    if (palette.isEmpty())
        return failWith(
            QStringLiteral("name the classes with --classes FILE (or start from a model with --init)"));
    if (!model) {
        inference::ModelMetadata metadata;
        if (!ClassMapping::classesForModel(palette, metadata.classes, &error))
            return failWith(error);
        const QString encoder = parser.value(QStringLiteral("encoder"));
        if (encoder != QLatin1String("resnet18") && encoder != QLatin1String("resnet34"))
            return failWith(QStringLiteral("--encoder must be resnet18 or resnet34"));
        metadata.architecture.depth = encoder == QLatin1String("resnet34") ? 34 : 18;
        metadata.architecture.width = width;
        metadata.name = parser.value(QStringLiteral("name")).isEmpty()
                            ? QFileInfo(output).completeBaseName().toStdString()
                            : parser.value(QStringLiteral("name")).toStdString();
        model = inference::SegmentationModel::createBuiltIn(metadata, uint64_t(seed));
    } else if (parser.isSet(QStringLiteral("name"))) {
        model->metadata().name = parser.value(QStringLiteral("name")).toStdString();
    }

    std::vector<inference::TrainingSample> samples, validation;
    QElapsedTimer loading;
    loading.start();
    if (!loadFolders(folders, palette, samples, &error))
        return failWith(error);
    if (parser.isSet(QStringLiteral("val")) &&
        !loadFolders(parser.values(QStringLiteral("val")), palette, validation, &error))
        return failWith(error);
    long long labelled = 0;
    for (const auto& s : samples)
        labelled += std::count_if(s.mask.begin(), s.mask.end(), [](uint8_t c) { return c != 255; });

    options.freezeBatchNorm = parser.isSet(QStringLiteral("freeze-bn"));
    options.balanceClasses = !parser.isSet(QStringLiteral("no-balance"));
    options.device = parser.value(QStringLiteral("device")).toStdString();
    options.precision = parser.value(QStringLiteral("precision")).toStdString();
    if (options.precision != "auto" && options.precision != "fp32" && options.precision != "bf16")
        return failWith(QStringLiteral("--precision takes auto, fp32 or bf16, not “%1”")
                            .arg(QString::fromStdString(options.precision)));
    options.seed = uint64_t(seed);
    options.checkpointPath = output.toStdString();
    if (epochs > 0)
        options.steps = int(std::min(1e7, std::ceil(epochs * double(labelled) /
                                                    (double(options.batch) * options.crop * options.crop))));
    if (const std::string problem = inference::trainOptionsProblem(options); !problem.empty())
        return failWith(QString::fromStdString(problem));

    QSettings keptChoices;
    QString precisionReason;
    PrecisionChoice::resolveTraining(options, *model, keptChoices, &precisionReason);
    if (!precisionReason.isEmpty())
        std::fprintf(stderr, "segstudio-cli: training in %s (%s)\n", options.precision.c_str(),
                     qUtf8Printable(precisionReason));
    std::string why;
    auto trainer = inference::Trainer::create(*model, options, &why);
    if (!trainer)
        return failWith(QString::fromStdString(why));
    std::fprintf(
        stderr,
        "segstudio-cli: %zu images (%lld labelled px, loaded in %.1f s), %d steps of %d × %d² on %s, "
        "%lld parameters\n",
        samples.size(), labelled, loading.nsecsElapsed() / 1e9, options.steps, options.batch, options.crop,
        trainer->deviceDescription().c_str(), model->parameterCount());
    ProgressLine progress(QStringLiteral("train"));
    QElapsedTimer timer;
    timer.start();
    double smoothed = -1;
    inference::TrainResult result;
    const bool ok = trainer->train(
        samples, result,
        [&](const inference::TrainStep& step) {
            smoothed = smoothed < 0 ? step.loss : 0.95 * smoothed + 0.05 * step.loss;
            const double seconds = timer.nsecsElapsed() / 1e9;
            progress.update(double(step.step) / step.steps,
                            QStringLiteral("step %1/%2  loss %3  lr %4  %5 s/step")
                                .arg(step.step)
                                .arg(step.steps)
                                .arg(smoothed, 0, 'f', 4)
                                .arg(step.learningRate, 0, 'g', 3)
                                .arg(seconds / step.step, 0, 'f', 2));
        },
        nullptr, &why);
    progress.finish();
    if (!ok)
        return failWith(QString::fromStdString(why));
    const double trainSeconds = timer.nsecsElapsed() / 1e9;
    model->metadata().history.back().notes = QStringLiteral("segstudio-cli train: %1 images from %2")
                                                 .arg(samples.size())
                                                 .arg(folders.join(QStringLiteral(", ")))
                                                 .toStdString();
    if (!model->save(output.toStdString(), &why))
        return failWith(QString::fromStdString(why));

    QString summary = QStringLiteral("{\"steps\":%1,\"final_loss\":%2,\"train_seconds\":%3")
                          .arg(result.steps)
                          .arg(result.finalLoss, 0, 'f', 5)
                          .arg(trainSeconds, 0, 'f', 1);
    if (!validation.empty()) {
        inference::PredictOptions predict;
        predict.device = options.device;
        predict.threads = options.threads;
        const auto matrix = evaluateOn(*model, validation, predict, &error);
        if (!error.isEmpty())
            return failWith(error);
        std::vector<std::string> names;
        for (const auto& c : model->metadata().classes)
            names.push_back(c.name);
        summary += QStringLiteral(",\"validation\":%1").arg(QString::fromStdString(matrix.toJson(names)));
    }
    std::printf("%s}\n", qUtf8Printable(summary));
    return 0;
}

} // namespace segstudio::cli

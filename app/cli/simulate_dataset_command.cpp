// segstudio-cli simulate-dataset: plays a person annotating a dataset image after image, as the
// window's project does: predict the image with the project's current model, score it against
// its reference, correct all of it (the reference; pixels the prediction had wrong become the
// person's edits, the rest reviewed), save the mask, let the project model learn across the
// reviewed images through learnFromDataset() with the window's defaults, go on. One JSON line
// per image, then a summary.
#include "annotation/label_document.h"
#include "annotation/mask_files.h"
#include "annotation/raster_source.h"
#include "app/cli/cli_commands.h"
#include "app/cli/cli_support.h"
#include "app/cli/learning_options.h"
#include "app/cli/option_values.h"
#include "app/jobs/class_mapping.h"
#include "app/jobs/dataset_learning.h"
#include "app/jobs/model_registry.h"
#include "app/jobs/precision_choice.h"
#include "app/jobs/segmentation_job.h"
#include "app/jobs/training_set.h"
#include "inference/evaluation.h"
#include "inference/tiled_predictor.h"

#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSettings>
#include <QTemporaryDir>
#include <cmath>
#include <cstdio>

namespace segstudio::cli {
namespace {

struct ImageScore {
    double miou = std::nan("");
    QStringList perClass;
};

// The mean IoU over the land-cover classes (all but one named "Unlabeled"), leaving out a class
// absent from both the image and its prediction.
ImageScore scoreImage(const std::vector<quint8>& predicted, const std::vector<quint8>& reference,
                      const ClassPalette& palette, int classes) {
    inference::ConfusionMatrix matrix(classes);
    std::vector<quint8> labels, truths;
    labels.reserve(predicted.size());
    truths.reserve(predicted.size());
    for (size_t i = 0; i < predicted.size(); ++i)
        if (reference[i] != Unlabeled) {
            labels.push_back(predicted[i] == Unlabeled ? quint8(0) : predicted[i]);
            truths.push_back(reference[i]);
        }
    matrix.add(labels.data(), truths.data(), truths.size());
    ImageScore score;
    double sum = 0;
    int counted = 0;
    for (int c = 0; c < classes; ++c) {
        const double iou = matrix.iou(c);
        score.perClass.append(std::isfinite(iou) ? QString::number(iou, 'f', 4) : QStringLiteral("null"));
        const LabelClass* named = palette.find(c);
        if (std::isfinite(iou) &&
            !(named && named->name.compare(QLatin1String("Unlabeled"), Qt::CaseInsensitive) == 0)) {
            sum += iou;
            ++counted;
        }
    }
    score.miou = counted ? sum / counted : std::nan("");
    return score;
}

// What the window's Segment Image makes of the whole image, as class ids.
bool predictImage(inference::TiledPredictor& predictor, const std::shared_ptr<RasterSource>& image,
                  const ClassPalette& palette, std::vector<quint8>& classes, QString* error) {
    LabelDocument document(LabelMask(image->size()), palette);
    document.setImage(image);
    document.history().setLimits(0, 1);
    SegmentationJob job(predictor, *image);
    if (!job.segmentDocument(document, PredictionRules{}, {}, error))
        return false;
    classes.resize(size_t(image->size().width()) * image->size().height());
    document.mask().readClasses(document.mask().rect(), classes.data(), image->size().width());
    return true;
}

// The person's finished mask: the reference everywhere, edited where the prediction was wrong,
// reviewed where it was right.
LabelMask correctedMask(QSize size, const std::vector<quint8>& predicted,
                        const std::vector<quint8>& reference, long long* changed) {
    LabelMask mask(size);
    *changed = 0;
    for (int ty = 0; ty < mask.tilesDown(); ++ty)
        for (int tx = 0; tx < mask.tilesAcross(); ++tx) {
            const QRect rect = mask.tileRect(tx, ty);
            MaskTile& tile = mask.mutableTile(tx, ty);
            for (int y = rect.top(); y <= rect.bottom(); ++y)
                for (int x = rect.left(); x <= rect.right(); ++x) {
                    const size_t at = size_t(y) * size_t(size.width()) + size_t(x);
                    const size_t in = size_t(y - rect.top()) * MaskTile::Size + size_t(x - rect.left());
                    tile.classes[in] = reference[at];
                    if (reference[at] == Unlabeled)
                        continue;
                    const bool wrong = predicted[at] != reference[at];
                    tile.provenance[in] = quint8(wrong ? Provenance::Edited : Provenance::Reviewed);
                    *changed += wrong;
                }
        }
    return mask;
}

} // namespace

int runSimulateDataset(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Simulate a person annotating a dataset image after image with a project model that learns "
        "after each reviewed image; one JSON line per image."));
    parser.addHelpOption();
    addPredictorOptions(parser);
    parser.addOptions({
        {QStringLiteral("data"),
         QStringLiteral("Folder with images/ and masks/ (or sub-folders that have them); repeatable."),
         QStringLiteral("DIR")},
        {QStringLiteral("classes"), QStringLiteral("Class list of the masks (default: the model's classes)."),
         QStringLiteral("FILE")},
        {QStringLiteral("seed"), QStringLiteral("Random seed of the fine-tuning."), QStringLiteral("N"),
         QStringLiteral("1")},
        {QStringLiteral("steps"),
         QStringLiteral("Fine-tuning steps after each image (default: the window's, %1).")
             .arg(DatasetLearningSettings().learning.steps),
         QStringLiteral("S")},
        {QStringLiteral("max-images"),
         QStringLiteral("Reviewed images one round learns from (default: the window's, %1).")
             .arg(DatasetLearningSettings().maxImages),
         QStringLiteral("N")},
    });
    addLearningOptions(parser, DatasetLearningSettings().learning);
    parser.process(arguments);
    const QStringList folders = parser.values(QStringLiteral("data"));
    if (folders.isEmpty())
        return failWith(
            QStringLiteral("simulate-dataset needs --data DIR (images/ and masks/ with reference masks)"));
    DatasetLearningSettings settings;
    QString error;
    int seed = 1;
    if (!intOption(parser, QStringLiteral("seed"), 0, std::numeric_limits<int>::max(), seed, &error) ||
        (parser.isSet(QStringLiteral("steps")) &&
         !intOption(parser, QStringLiteral("steps"), 1, 100000, settings.learning.steps, &error)) ||
        (parser.isSet(QStringLiteral("max-images")) &&
         !intOption(parser, QStringLiteral("max-images"), 1, 10000, settings.maxImages, &error)) ||
        !readLearningOptions(parser, settings.learning, &error))
        return failWith(error);
    settings.learning.seed = uint64_t(seed);
    inference::PredictOptions predictOptions;
    if (!predictorOptions(parser, predictOptions, &error))
        return failWith(error);
    settings.learning.device = predictOptions.device;
    settings.learning.threads = predictOptions.threads;

    QList<LabelledImage> pairs;
    QStringList names; // "tile_6/images/a.jpg": relative to the folder above the --data it came from
    for (const QString& folder : folders) {
        const QList<LabelledImage> found = findLabelledImages(folder, &error);
        if (found.isEmpty())
            return failWith(error);
        const QDir above = QFileInfo(QDir(folder).absolutePath()).dir();
        for (const LabelledImage& pair : found)
            names.append(above.relativeFilePath(pair.image));
        pairs += found;
    }
    const QString modelName = parser.value(QStringLiteral("model"));
    std::unique_ptr<inference::SegmentationModel> start = ModelRegistry::load(modelName, &error);
    if (!start)
        return failWith(error);
    ClassPalette palette = ClassMapping::paletteOfModel(start->metadata());
    if (parser.isSet(QStringLiteral("classes"))) {
        auto classes = ClassMapping::loadClasses(parser.value(QStringLiteral("classes")), &error);
        if (!classes)
            return failWith(error);
        if (classes->size() != start->classCount())
            return failWith(QStringLiteral("the class list has %1 classes but the model predicts %2")
                                .arg(classes->size())
                                .arg(start->classCount()));
        palette = *classes;
    }
    // The project's model, and the starting model for the baseline (and, by the window's
    // default, as what every round fine-tunes).
    std::unique_ptr<inference::SegmentationModel> current = start->clone();
    // In the precision the window predicts in (ModelWorker::resolvedOptions; see simulate).
    QSettings keptChoices;
    QString precisionReason;
    PrecisionChoice::resolve(predictOptions, *start, nullptr, keptChoices, &precisionReason);
    std::string why;
    auto baselinePredictor = inference::TiledPredictor::create(*start, predictOptions, &why);
    auto predictor = inference::TiledPredictor::create(*current, predictOptions, &why);
    if (!baselinePredictor || !predictor)
        return failWith(QString::fromStdString(why));
    QTemporaryDir masks; // the project's mask folder: learning reads the reviewed masks from here
    if (!masks.isValid())
        return failWith(
            QStringLiteral("cannot create a temporary folder for the masks: %1").arg(masks.errorString()));
    std::fprintf(
        stderr, "segstudio-cli: %lld images, model %s, %d steps after each, seed %d, predicting in %s\n",
        static_cast<long long>(pairs.size()), start->metadata().name.c_str(), settings.learning.steps, seed,
        qUtf8Printable(PrecisionChoice::inWords(predictOptions, precisionReason)));

    QElapsedTimer total;
    total.start();
    QList<ReviewedImage> reviewed;
    std::vector<double> gains;
    for (qsizetype k = 0; k < pairs.size(); ++k) {
        QElapsedTimer timer;
        timer.start();
        const LabelledImage& pair = pairs[k];
        const auto image = RasterSource::open(pair.image, &error);
        if (!image)
            return failWith(QStringLiteral("image %1: %2").arg(QDir::toNativeSeparators(pair.image), error));
        const auto referenceMask = MaskFiles::load(pair.mask, image->size(), palette, &error);
        if (!referenceMask)
            return failWith(
                QStringLiteral("reference mask %1: %2").arg(QDir::toNativeSeparators(pair.mask), error));
        std::vector<quint8> reference(size_t(image->size().width()) * image->size().height());
        referenceMask->readClasses(referenceMask->rect(), reference.data(), image->size().width());
        std::vector<quint8> predicted, baseline;
        if (!predictImage(*predictor, image, palette, predicted, &error) ||
            !predictImage(*baselinePredictor, image, palette, baseline, &error))
            return failWith(QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(pair.image), error));
        const ImageScore score = scoreImage(predicted, reference, palette, start->classCount());
        const ImageScore baselineScore = scoreImage(baseline, reference, palette, start->classCount());

        long long changed = 0;
        const LabelMask corrected = correctedMask(image->size(), predicted, reference, &changed);
        const QString maskPath = masks.filePath(QStringLiteral("%1.png").arg(k, 5, 10, QLatin1Char('0')));
        if (!MaskFiles::save(maskPath, corrected, palette, image->georeference(), &error))
            return failWith(error);
        reviewed.append({pair.image, maskPath, QString()});

        QElapsedTimer learning;
        learning.start();
        ProgressLine progress(QStringLiteral("image %1 learn").arg(k + 1));
        LearningOutcome outcome =
            learnFromDataset({settings.learning.fromOpenedModel ? *start : *current, *current}, reviewed,
                             palette, settings, [&](const inference::TrainStep& step) {
                                 progress.update(double(step.step) / step.steps,
                                                 QStringLiteral("step %1/%2").arg(step.step).arg(step.steps));
                             });
        progress.finish();
        if (!outcome.model)
            return failWith(outcome.error);
        const double learnSeconds = learning.nsecsElapsed() / 1e9;
        // As the window does: a version worse on the held-out reviewed pixels is not used.
        if (outcome.accepted) {
            current = std::move(outcome.model);
            predictor = inference::TiledPredictor::create(*current, predictOptions, &why);
            if (!predictor)
                return failWith(QString::fromStdString(why));
        }
        const double gain = score.miou - baselineScore.miou;
        if (std::isfinite(gain))
            gains.push_back(gain);
        const QString& file = names[k];
        std::printf("{\"image\": %lld, \"file\": \"%s\", \"miou\": %.4f, \"baseline_miou\": %.4f, "
                    "\"per_class_iou\": [%s], \"baseline_per_class_iou\": [%s], \"corrected_pixels\": %lld, "
                    "\"accepted\": %s, \"learn_seconds\": %.3f, \"seconds\": %.3f}\n",
                    static_cast<long long>(k + 1), qUtf8Printable(file), score.miou, baselineScore.miou,
                    qUtf8Printable(score.perClass.join(QStringLiteral(", "))),
                    qUtf8Printable(baselineScore.perClass.join(QStringLiteral(", "))), changed,
                    outcome.accepted ? "true" : "false", learnSeconds, timer.nsecsElapsed() / 1e9);
        std::fflush(stdout);
    }
    const auto mean = [](const std::vector<double>& values, size_t from) {
        double sum = 0;
        for (size_t i = from; i < values.size(); ++i)
            sum += values[i];
        return values.size() > from ? sum / double(values.size() - from) : std::nan("");
    };
    std::printf("{\"summary\": true, \"images\": %lld, \"mean_gain\": %.4f, \"mean_gain_second_half\": %.4f, "
                "\"seconds\": %.3f}\n",
                static_cast<long long>(pairs.size()), mean(gains, 0), mean(gains, gains.size() / 2),
                total.nsecsElapsed() / 1e9);
    return 0;
}

} // namespace segstudio::cli

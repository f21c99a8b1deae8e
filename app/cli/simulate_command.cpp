// segstudio-cli simulate: plays a user of the interactive loop on folders of images with reference
// masks. Round 0 predicts every image into its label mask; each later round the simulated user
// corrects the K mask tiles (over all images) with the most wrong pixels, the model fine-tunes
// on all corrections so far through learnFromCorrections() — what the window's "Learn from
// corrections" runs — and every image is predicted again. One JSON line per round; its mIoU
// counts only pixels nobody corrected, so it measures what the corrections taught the model
// (and, at the end on stderr, on the same pixels in every round).
#include "annotation/label_document.h"
#include "annotation/mask_files.h"
#include "annotation/mask_painter.h"
#include "annotation/raster_source.h"
#include "app/cli/cli_commands.h"
#include "app/cli/cli_support.h"
#include "app/cli/learning_options.h"
#include "app/jobs/class_mapping.h"
#include "app/jobs/correction_learning.h"
#include "app/jobs/input_scale_search.h"
#include "app/jobs/model_registry.h"
#include "app/jobs/precision_choice.h"
#include "app/jobs/segmentation_job.h"
#include "app/jobs/training_set.h"
#include "inference/evaluation.h"
#include "inference/segmentation_model.h"
#include "inference/tiled_predictor.h"

#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QSettings>
#include <algorithm>
#include <cmath>
#include <cstdio>

namespace segstudio::cli {
namespace {

// One image as the window holds it (a LabelDocument: its raster and its label mask), plus what
// the simulated user knows: the reference classes (255 = no reference).
struct SimulatedDocument {
    QString path;
    std::shared_ptr<RasterSource> image;
    std::unique_ptr<LabelDocument> document;
    inference::TrainingSample reference;
    std::vector<bool> corrected; // per mask tile, row-major
    // Per round, per tile: predictions against the reference on pixels not corrected by then.
    std::vector<std::vector<inference::ConfusionMatrix>> scores;
};

struct TileChoice {
    long long wrong = 0;
    size_t document = 0;
    QPoint tile;
};

// Pixels of a tile whose label differs from a reference class.
long long wrongPixels(const SimulatedDocument& document, int tx, int ty) {
    const QRect rect = document.document->mask().tileRect(tx, ty);
    const auto tile = document.document->mask().tile(tx, ty);
    long long wrong = 0;
    for (int y = rect.top(); y <= rect.bottom(); ++y) {
        for (int x = rect.left(); x <= rect.right(); ++x) {
            const quint8 reference =
                document.reference.mask[size_t(y) * size_t(document.reference.width) + x];
            const quint8 label =
                tile ? tile->classes[size_t(y - rect.top()) * MaskTile::Size + size_t(x - rect.left())]
                     : Unlabeled;
            wrong += reference != Unlabeled && label != reference;
        }
    }
    return wrong;
}

// The `count` tiles not corrected before with the most wrong pixels, over all documents (ties
// in document and row-major tile order, so runs are reproducible). Tiles with nothing wrong are
// left alone: a user would not touch them.
std::vector<TileChoice> worstTiles(const std::vector<SimulatedDocument>& documents, int count) {
    std::vector<TileChoice> candidates;
    for (size_t d = 0; d < documents.size(); ++d) {
        const SimulatedDocument& document = documents[d];
        for (int ty = 0; ty < document.document->mask().tilesDown(); ++ty)
            for (int tx = 0; tx < document.document->mask().tilesAcross(); ++tx)
                if (!document.corrected[size_t(ty) * size_t(document.document->mask().tilesAcross()) +
                                        size_t(tx)])
                    if (const long long wrong = wrongPixels(document, tx, ty); wrong > 0)
                        candidates.push_back({wrong, d, QPoint(tx, ty)});
    }
    const size_t kept = std::min(candidates.size(), size_t(count));
    std::partial_sort(candidates.begin(), candidates.begin() + long(kept), candidates.end(),
                      [](const TileChoice& a, const TileChoice& b) {
                          if (a.wrong != b.wrong)
                              return a.wrong > b.wrong;
                          if (a.document != b.document)
                              return a.document < b.document;
                          return std::pair(a.tile.y(), a.tile.x()) < std::pair(b.tile.y(), b.tile.x());
                      });
    candidates.resize(kept);
    return candidates;
}

// The user's correction, painted as a person paints: the reference labels over the whole tile,
// row by row in runs of one class (provenance Edited); pixels without reference are erased.
// Returns the pixels labelled.
long long correctTile(SimulatedDocument& document, QPoint t) {
    const QRect rect = document.document->mask().tileRect(t.x(), t.y());
    MaskPainter painter(*document.document, QStringLiteral("Correct"));
    long long labelled = 0;
    for (int y = rect.top(); y <= rect.bottom(); ++y) {
        const quint8* row = document.reference.mask.data() + size_t(y) * size_t(document.reference.width);
        for (int x = rect.left(); x <= rect.right();) {
            const quint8 reference = row[x];
            int end = x + 1;
            while (end <= rect.right() && row[end] == reference)
                ++end;
            painter.paintSpan(y, x, end, PaintSpec{reference});
            labelled += reference != Unlabeled ? end - x : 0;
            x = end;
        }
    }
    painter.commit();
    document.corrected[size_t(t.y()) * size_t(document.document->mask().tilesAcross()) + size_t(t.x())] =
        true;
    return labelled;
}

// Counts the mask's labels against the reference: per tile on the pixels nobody corrected
// (appended to `uncorrected`, row-major), and on all pixels in `wholeMask` (what the user has).
bool scoreTiles(const SimulatedDocument& document, int classes,
                std::vector<inference::ConfusionMatrix>& uncorrected, inference::ConfusionMatrix& wholeMask) {
    std::vector<quint8> predicted, reference, labels, truths;
    for (int ty = 0; ty < document.document->mask().tilesDown(); ++ty) {
        for (int tx = 0; tx < document.document->mask().tilesAcross(); ++tx) {
            uncorrected.emplace_back(classes);
            const auto tile = document.document->mask().tile(tx, ty);
            if (!tile)
                continue; // never predicted: cannot happen after round 0's prediction
            const QRect rect = document.document->mask().tileRect(tx, ty);
            predicted.clear();
            reference.clear();
            labels.clear();
            truths.clear();
            for (int y = rect.top(); y <= rect.bottom(); ++y) {
                for (int x = rect.left(); x <= rect.right(); ++x) {
                    const size_t in = size_t(y - rect.top()) * MaskTile::Size + size_t(x - rect.left());
                    const quint8 truth =
                        document.reference.mask[size_t(y) * size_t(document.reference.width) + x];
                    if (truth == Unlabeled)
                        continue;
                    labels.push_back(tile->classes[in]);
                    truths.push_back(truth);
                    if (isHumanProvenance(tile->provenance[in]))
                        continue;
                    predicted.push_back(tile->classes[in]);
                    reference.push_back(truth);
                }
            }
            if (!uncorrected.back().add(predicted.data(), reference.data(), reference.size()) ||
                !wholeMask.add(labels.data(), truths.data(), truths.size()))
                return false;
        }
    }
    return true;
}

// The counts of a labelling that gets every pixel `matrix` counts right.
inference::ConfusionMatrix perfectLabels(const inference::ConfusionMatrix& matrix) {
    inference::ConfusionMatrix perfect(matrix.classes());
    std::vector<uint8_t> labels;
    for (int reference = 0; reference < matrix.classes(); ++reference) {
        long long pixels = 0;
        for (int predicted = 0; predicted < matrix.classes(); ++predicted)
            pixels += matrix.count(reference, predicted);
        labels.assign(size_t(pixels), uint8_t(reference));
        perfect.add(labels.data(), labels.data(), labels.size());
    }
    return perfect;
}

QString jsonNumber(double value, int decimals) {
    return std::isfinite(value) ? QString::number(value, 'f', decimals) : QStringLiteral("null");
}

} // namespace

int runSimulate(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Simulate a user of the interactive loop: predict, correct the worst tiles, "
                       "fine-tune on the corrections, predict again; one JSON line per round."));
    parser.addHelpOption();
    // --tile is the correction tile here, so the prediction window is --window.
    addPredictorOptions(parser, QStringLiteral("window"));
    parser.addOptions({
        {QStringLiteral("data"),
         QStringLiteral("Folder with images/ and masks/ (or sub-folders that have them); repeatable."),
         QStringLiteral("DIR")},
        {QStringLiteral("rounds"), QStringLiteral("Rounds of correction and fine-tuning after round 0."),
         QStringLiteral("N"), QStringLiteral("3")},
        {QStringLiteral("tiles-per-round"), QStringLiteral("Tiles the user corrects each round."),
         QStringLiteral("K"), QStringLiteral("4")},
        {QStringLiteral("tile"),
         QStringLiteral("Side of a corrected tile: the label mask's tile, so only 256."), QStringLiteral("N"),
         QStringLiteral("256")},
        {QStringLiteral("classes"),
         QStringLiteral("Class list of the masks (classes.csv, palette JSON, model sidecar); "
                        "default: the model's classes."),
         QStringLiteral("FILE")},
        {QStringLiteral("steps"),
         QStringLiteral("Fine-tuning steps per round (default: the window's, %1).")
             .arg(LearningSettings().steps),
         QStringLiteral("S")},
        {QStringLiteral("seed"), QStringLiteral("Random seed of the fine-tuning."), QStringLiteral("N"),
         QStringLiteral("1")},
    });
    addLearningOptions(parser);
    parser.process(arguments);

    const QStringList folders = parser.values(QStringLiteral("data"));
    if (folders.isEmpty())
        return failWith(
            QStringLiteral("simulate needs --data DIR (images/ and masks/ with reference masks)"));
    bool ok = false;
    const int rounds = parser.value(QStringLiteral("rounds")).toInt(&ok);
    if (!ok || rounds < 0)
        return failWith(QStringLiteral("--rounds must be a whole number, 0 or more"));
    const int tilesPerRound = parser.value(QStringLiteral("tiles-per-round")).toInt(&ok);
    if (!ok || tilesPerRound <= 0)
        return failWith(QStringLiteral("--tiles-per-round must be a positive whole number"));
    if (parser.value(QStringLiteral("tile")).toInt() != LabelMask::TileSize)
        return failWith(
            QStringLiteral("--tile %1: corrections are the label mask's %2 × %2 tiles, so only %2 "
                           "is supported (the prediction window is --window)")
                .arg(parser.value(QStringLiteral("tile")))
                .arg(LabelMask::TileSize));
    LearningSettings settings;
    if (parser.isSet(QStringLiteral("steps"))) {
        settings.steps = parser.value(QStringLiteral("steps")).toInt(&ok);
        if (!ok || settings.steps <= 0)
            return failWith(QStringLiteral("--steps must be a positive whole number"));
    }
    settings.seed = parser.value(QStringLiteral("seed")).toULongLong(&ok);
    if (!ok)
        return failWith(QStringLiteral("--seed must be a whole number"));
    QString optionError;
    if (!readLearningOptions(parser, settings, &optionError))
        return failWith(optionError);
    inference::PredictOptions predictOptions;
    if (!predictorOptions(parser, predictOptions, &optionError, QStringLiteral("window")))
        return failWith(optionError);
    settings.device = predictOptions.device;
    settings.threads = predictOptions.threads;

    QString error;
    QList<LabelledImage> pairs;
    for (const QString& folder : folders) {
        const QList<LabelledImage> found = findLabelledImages(folder, &error);
        if (found.isEmpty())
            return failWith(error);
        pairs += found;
    }
    const QString modelName = parser.value(QStringLiteral("model"));
    std::unique_ptr<inference::SegmentationModel> model = ModelRegistry::load(modelName, &error);
    // As the window does by default (LearningSettings::fromOpenedModel): every round fine-tunes
    // the model as opened on all corrections so far, not the last round's version.
    ScaleScoreCache scaleScores; // as the window's model worker keeps it
    std::unique_ptr<inference::SegmentationModel> opened;
    if (model && settings.fromOpenedModel)
        opened = model->clone();
    if (!model)
        return failWith(error);
    ClassPalette palette = ClassMapping::paletteOfModel(model->metadata());
    if (parser.isSet(QStringLiteral("classes"))) {
        auto classes = ClassMapping::loadClasses(parser.value(QStringLiteral("classes")), &error);
        if (!classes)
            return failWith(error);
        if (classes->size() != model->classCount())
            return failWith(QStringLiteral("the class list has %1 classes but the model %2 predicts %3")
                                .arg(classes->size())
                                .arg(modelName)
                                .arg(model->classCount()));
        palette = *classes;
    }

    QElapsedTimer loading;
    loading.start();
    std::vector<SimulatedDocument> documents;
    documents.reserve(size_t(pairs.size()));
    long long referencePixels = 0;
    for (const LabelledImage& pair : pairs) {
        SimulatedDocument document;
        document.path = pair.image;
        document.image = RasterSource::open(pair.image, &error);
        if (!document.image)
            return failWith(QStringLiteral("image %1: %2").arg(QDir::toNativeSeparators(pair.image), error));
        const auto reference = MaskFiles::load(pair.mask, document.image->size(), palette, &error);
        if (!reference)
            return failWith(
                QStringLiteral("reference mask %1: %2").arg(QDir::toNativeSeparators(pair.mask), error));
        document.reference.width = reference->width();
        document.reference.height = reference->height();
        document.reference.mask.resize(size_t(reference->width()) * size_t(reference->height()));
        reference->readClasses(reference->rect(), document.reference.mask.data(), reference->width());
        document.document = std::make_unique<LabelDocument>(LabelMask(document.image->size()), palette);
        document.document->setImage(document.image);
        // The simulation never undoes: keep one step, not 512 MB of them.
        document.document->history().setLimits(0, 1);
        document.corrected.assign(size_t(document.document->mask().tilesAcross()) *
                                      size_t(document.document->mask().tilesDown()),
                                  false);
        referencePixels += std::count_if(document.reference.mask.begin(), document.reference.mask.end(),
                                         [](quint8 c) { return c != Unlabeled; });
        documents.push_back(std::move(document));
    }
    // Predictions in the precision the window predicts in (ModelWorker::resolvedOptions): with
    // --precision auto on a CPU, the choice measured once for this model and machine and kept.
    // Learned versions share the opened model's choice (the same architecture and classes).
    QSettings keptChoices;
    QString precisionReason;
    PrecisionChoice::resolve(predictOptions, *model, nullptr, keptChoices, &precisionReason);
    std::fprintf(stderr,
                 "segstudio-cli: %zu images (%lld reference px, loaded in %.1f s), model %s, %d round(s) of "
                 "%d tile(s), %d steps each, predicting in %s\n",
                 documents.size(), referencePixels, loading.nsecsElapsed() / 1e9,
                 model->metadata().name.c_str(), rounds, tilesPerRound, settings.steps,
                 qUtf8Printable(PrecisionChoice::inWords(predictOptions, precisionReason)));

    long long correctedPixels = 0;
    int correctedTiles = 0;
    std::string why;
    for (int round = 0; round <= rounds; ++round) {
        QElapsedTimer roundTimer;
        roundTimer.start();
        double trainSeconds = 0, trainLoss = std::nan("");
        int newTiles = 0;
        if (round > 0) {
            QStringList corrections;
            for (const TileChoice& choice : worstTiles(documents, tilesPerRound)) {
                correctedPixels += correctTile(documents[choice.document], choice.tile);
                ++newTiles;
                corrections.append(QStringLiteral("%1 tile %2,%3 (%4 wrong px)")
                                       .arg(documents[choice.document].path.section(QLatin1Char('/'), -3))
                                       .arg(choice.tile.x())
                                       .arg(choice.tile.y())
                                       .arg(choice.wrong));
            }
            correctedTiles += newTiles;
            std::fprintf(stderr, "segstudio-cli: round %d corrects %s\n", round,
                         corrections.isEmpty() ? "nothing (no tile has a wrong pixel left)"
                                               : qUtf8Printable(corrections.join(QStringLiteral(", "))));
            if (correctedTiles > 0) {
                std::vector<CorrectionSource> sources;
                for (const SimulatedDocument& document : documents)
                    if (std::find(document.corrected.begin(), document.corrected.end(), true) !=
                        document.corrected.end())
                        sources.push_back({&document.document->mask(), document.image.get()});
                ProgressLine progress(QStringLiteral("round %1 train").arg(round));
                QElapsedTimer trainTimer;
                trainTimer.start();
                LearningOutcome outcome = learnFromCorrections(
                    {opened ? *opened : *model, *model, &scaleScores}, sources, settings,
                    [&](const inference::TrainStep& step) {
                        progress.update(double(step.step) / step.steps, QStringLiteral("step %1/%2  loss %3")
                                                                            .arg(step.step)
                                                                            .arg(step.steps)
                                                                            .arg(step.loss, 0, 'f', 4));
                    });
                progress.finish();
                if (!outcome.model)
                    return failWith(outcome.error.isEmpty() ? QStringLiteral("fine-tuning was cancelled")
                                                            : outcome.error);
                trainSeconds = trainTimer.nsecsElapsed() / 1e9;
                trainLoss = outcome.training.finalLoss;
                model = std::move(outcome.model);
            }
        }

        QElapsedTimer predictTimer;
        predictTimer.start();
        auto predictor = inference::TiledPredictor::create(*model, predictOptions, &why);
        if (!predictor)
            return failWith(QString::fromStdString(why));
        predictor->setMessageCallback([](const std::string& message) {
            std::fprintf(stderr, "\nsegstudio-cli: %s\n", message.c_str());
        });
        ProgressLine progress(QStringLiteral("round %1 predict").arg(round));
        for (size_t d = 0; d < documents.size(); ++d) {
            SimulatedDocument& document = documents[d];
            // What the window's Segment Image does: the same regions, input and writer.
            SegmentationJob job(*predictor, *document.image);
            const bool predicted = job.segmentDocument(
                *document.document, PredictionRules{},
                [&](int done, int total) {
                    progress.update((double(d) + double(done) / std::max(total, 1)) /
                                        double(documents.size()),
                                    QStringLiteral("image %1/%2").arg(d + 1).arg(documents.size()));
                },
                &error);
            if (!predicted)
                return failWith(QStringLiteral("%1: %2").arg(document.path, error));
        }
        progress.finish();
        const double predictSeconds = predictTimer.nsecsElapsed() / 1e9;

        inference::ConfusionMatrix matrix(model->classCount()), wholeMask(model->classCount());
        for (SimulatedDocument& document : documents) {
            std::vector<inference::ConfusionMatrix>& tiles = document.scores.emplace_back();
            if (!scoreTiles(document, model->classCount(), tiles, wholeMask))
                return failWith(
                    QStringLiteral("%1 holds a class the model does not have").arg(document.path));
            for (const inference::ConfusionMatrix& tile : tiles)
                matrix.merge(tile);
        }
        QStringList perClass;
        for (int c = 0; c < matrix.classes(); ++c)
            perClass.append(jsonNumber(matrix.iou(c), 4));
        std::printf(
            "{\"round\": %d, \"corrected_pixels\": %lld, \"miou\": %s, \"seconds\": %.3f, \"mask_miou\": %s, "
            "\"corrected_tiles\": %d, \"new_tiles\": %d, \"scored_pixels\": %lld, \"pixel_accuracy\": %s, "
            "\"predict_seconds\": %.3f, \"train_seconds\": %.3f, \"train_loss\": %s, \"input_scale\": %s, "
            "\"precision\": \"%s\", \"per_class_iou\": [%s]}\n",
            round, correctedPixels, qUtf8Printable(jsonNumber(matrix.meanIoU(), 4)),
            roundTimer.nsecsElapsed() / 1e9, qUtf8Printable(jsonNumber(wholeMask.meanIoU(), 4)),
            correctedTiles, newTiles, matrix.total(), qUtf8Printable(jsonNumber(matrix.pixelAccuracy(), 4)),
            predictSeconds, trainSeconds, qUtf8Printable(jsonNumber(trainLoss, 5)),
            qUtf8Printable(jsonNumber(model->metadata().inputScale, 3)), predictor->precisionName().c_str(),
            qUtf8Printable(perClass.join(QStringLiteral(", "))));
        std::fflush(stdout);
    }

    // Each round's mIoU counts the pixels not corrected by then, and the worst tiles leave that
    // set first, so it rises even without learning. The pixels no round corrected are the same
    // set in every round: the figure that counts, as the mean IoU of the land-cover classes (all
    // but a class named "Unlabeled", which a model never predicts and whose IoU swings on a few
    // thousand pixels).
    QStringList fixedMiou, fixedPerClass, sameSet;
    long long fixedPixels = 0;
    for (int round = 0; round <= rounds; ++round) {
        inference::ConfusionMatrix matrix(model->classCount());
        for (const SimulatedDocument& document : documents)
            for (size_t t = 0; t < document.corrected.size(); ++t)
                if (!document.corrected[t])
                    matrix.merge(document.scores[size_t(round)][t]);
        double sum = 0;
        int counted = 0;
        QStringList perClass;
        for (int c = 0; c < matrix.classes(); ++c) {
            const double iou = matrix.iou(c);
            perClass.append(jsonNumber(iou, 4));
            const LabelClass* named = palette.find(c);
            if (std::isfinite(iou) &&
                !(named && named->name.compare(QLatin1String("Unlabeled"), Qt::CaseInsensitive) == 0)) {
                sum += iou;
                ++counted;
            }
        }
        const double landCover = counted ? sum / counted : std::nan("");
        fixedMiou.append(jsonNumber(landCover, 4));
        fixedPerClass.append(QStringLiteral("[%1]").arg(perClass.join(QStringLiteral(", "))));
        sameSet.append(QStringLiteral("%1 (round %2)").arg(landCover, 0, 'f', 4).arg(round));
        fixedPixels = matrix.total();
    }
    std::printf(
        "{\"summary\": true, \"fixed_pixels\": %lld, \"fixed_miou\": [%s], \"fixed_per_class_iou\": [%s]}\n",
        fixedPixels, qUtf8Printable(fixedMiou.join(QStringLiteral(", "))),
        qUtf8Printable(fixedPerClass.join(QStringLiteral(", "))));
    std::fflush(stdout);
    std::fprintf(stderr, "segstudio-cli: land-cover mIoU on the %lld px no round corrected: %s\n",
                 fixedPixels, qUtf8Printable(sameSet.join(QStringLiteral(", "))));
    // What learning added to the user's mask: the same corrections over round 0's predictions.
    inference::ConfusionMatrix withoutLearning(model->classCount());
    for (const SimulatedDocument& document : documents)
        for (size_t t = 0; t < document.corrected.size(); ++t)
            withoutLearning.merge(document.corrected[t] ? perfectLabels(document.scores[0][t])
                                                        : document.scores[0][t]);
    std::fprintf(stderr,
                 "segstudio-cli: mIoU of the whole mask with the same corrections but no learning: %.4f\n",
                 withoutLearning.meanIoU());
    return 0;
}

} // namespace segstudio::cli

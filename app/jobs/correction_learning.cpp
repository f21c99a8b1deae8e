#include "app/jobs/correction_learning.h"

#include "annotation/label_mask.h"
#include "annotation/raster_source.h"
#include "app/jobs/input_scale_search.h"
#include "app/jobs/model_input.h"
#include "app/jobs/precision_choice.h"

#include <QObject>
#include <QSettings>
#include <algorithm>
#include <cmath>
#include <random>

namespace segstudio {
QRect tileWithContext(const LabelMask& mask, QPoint tile, int context) {
    return mask.tileRect(tile.x(), tile.y()).adjusted(-context, -context, context, context) & mask.rect();
}

inference::TrainOptions trainOptionsFor(const LearningSettings& settings) {
    inference::TrainOptions options;
    options.steps = settings.steps;
    options.batch = settings.batch;
    options.crop = settings.crop;
    options.learningRate = settings.learningRate;
    options.warmupSteps = std::max(1, settings.steps / 10);
    // A handful of corrected tiles is a tiny, skewed batch: its statistics would wreck the
    // running means the network learned on the whole dataset.
    options.freezeBatchNorm = true;
    options.decoderOnly = settings.decoderOnly;
    options.averageWeights = settings.averageWeights;
    options.photometricJitter = settings.photometricJitter;
    options.device = settings.device;
    options.precision = settings.precision;
    options.threads = settings.threads;
    options.seed = settings.seed;
    return options;
}

QList<QPoint> humanLabelledTiles(const LabelMask& mask) {
    QList<QPoint> tiles;
    for (int ty = 0; ty < mask.tilesDown(); ++ty)
        for (int tx = 0; tx < mask.tilesAcross(); ++tx)
            // tileHolds: the predicted tiles of a huge image stay in their store, unread.
            if (mask.tileHolds(tx, ty, Provenance::Edited) || mask.tileHolds(tx, ty, Provenance::Reviewed))
                tiles.append(QPoint(tx, ty));
    return tiles;
}

QList<QPoint> editedTiles(const LabelMask& mask) {
    QList<QPoint> tiles;
    for (int ty = 0; ty < mask.tilesDown(); ++ty)
        for (int tx = 0; tx < mask.tilesAcross(); ++tx)
            if (mask.tileHolds(tx, ty, Provenance::Edited))
                tiles.append(QPoint(tx, ty));
    return tiles;
}

QList<QPoint> heldOutTiles(const LabelMask& mask) {
    QList<QPoint> reviewedOnly;
    for (const QPoint& t : humanLabelledTiles(mask)) {
        if (!mask.tileHolds(t.x(), t.y(), Provenance::Edited))
            reviewedOnly.append(t);
    }
    QList<QPoint> heldOut;
    if (reviewedOnly.size() < 2)
        return heldOut;
    for (qsizetype i = 0; i < reviewedOnly.size(); i += 5)
        heldOut.append(reviewedOnly[i]);
    return heldOut;
}

size_t anchorTileBudget(size_t correctedTiles, const LearningSettings& settings) {
    return std::min(size_t(std::max(0, settings.maxAnchorTiles)),
                    correctedTiles * size_t(std::max(0, settings.anchorTilesPerCorrectedTile)));
}

namespace {

// One sample per tile: the tile with `context` pixels around it; `weightOf(provenance,
// confidence)` gives each pixel of the tile its weight (0: not labelled). Only the tile itself
// carries labels: the context shows the network its surroundings, and labels there belong to
// (and are learned through) their own tiles.
template <typename WeightOf>
bool tileSamples(const LabelMask& mask, const RasterSource& image, const QList<QPoint>& tiles, int context,
                 WeightOf weightOf, std::vector<inference::TrainingSample>& samples, long long* labelled,
                 QString* error) {
    long long counted = 0;
    const ModelInput input = ModelInput::forSource(image);
    for (const QPoint& t : tiles) {
        const auto tile = mask.tile(t.x(), t.y());
        if (!tile)
            continue;
        const QRect window = tileWithContext(mask, t, context);
        const QRect core = mask.tileRect(t.x(), t.y());
        inference::TrainingSample sample;
        sample.width = window.width();
        sample.height = window.height();
        if (!input.read(image, window, sample.rgb, error))
            return false;
        sample.mask.assign(size_t(sample.width) * sample.height, Unlabeled);
        sample.weight.assign(sample.mask.size(), 0.f);
        for (int y = core.top(); y <= core.bottom(); ++y) {
            for (int x = core.left(); x <= core.right(); ++x) {
                const size_t in = size_t(y - core.top()) * MaskTile::Size + size_t(x - core.left());
                const float weight = weightOf(tile->provenance[in],
                                              tile->confidence.empty() ? quint8(255) : tile->confidence[in]);
                if (weight <= 0 || tile->classes[in] == Unlabeled)
                    continue;
                const size_t out = size_t(y - window.top()) * sample.width + size_t(x - window.left());
                sample.mask[out] = tile->classes[in];
                sample.weight[out] = weight;
                ++counted;
            }
        }
        samples.push_back(std::move(sample));
    }
    if (labelled)
        *labelled = counted;
    return true;
}

} // namespace

bool correctionSamples(const LabelMask& mask, const RasterSource& image, const QList<QPoint>& tiles,
                       const LearningSettings& settings, std::vector<inference::TrainingSample>& samples,
                       long long* humanPixels, QString* error) {
    const auto weightOf = [&](quint8 provenance, quint8) {
        return provenance == quint8(Provenance::Edited)     ? float(settings.editedWeight)
               : provenance == quint8(Provenance::Reviewed) ? float(settings.reviewedWeight)
                                                            : 0.f;
    };
    return tileSamples(mask, image, tiles, settings.context, weightOf, samples, humanPixels, error);
}

bool anchorSamples(const LabelMask& mask, const RasterSource& image, const QList<QPoint>& tiles,
                   const LearningSettings& settings, std::vector<inference::TrainingSample>& samples,
                   QString* error) {
    const auto minimum = quint8(std::lround(std::clamp(settings.anchorMinConfidence, 0.0, 1.0) * 255));
    const auto weightOf = [&](quint8 provenance, quint8 confidence) {
        return provenance == quint8(Provenance::Predicted) && confidence >= minimum
                   ? float(settings.anchorWeight)
                   : 0.f;
    };
    return tileSamples(mask, image, tiles, settings.context, weightOf, samples, nullptr, error);
}

std::vector<float> classBalanceFactors(const std::vector<inference::TrainingSample>& samples, double power,
                                       double maxFactor) {
    std::vector<double> mass(256, 0.0);
    for (const inference::TrainingSample& sample : samples)
        for (size_t p = 0; p < sample.mask.size(); ++p) {
            const float weight = sample.weight.empty() ? 1.f : sample.weight[p];
            if (weight > 0 && sample.mask[p] != Unlabeled)
                mass[sample.mask[p]] += weight;
        }
    double total = 0;
    int present = 0;
    for (const double m : mass) {
        total += m;
        present += m > 0;
    }
    std::vector<float> factors(mass.size(), 1.f);
    const double limit = std::max(1.0, maxFactor);
    for (size_t c = 0; c < mass.size(); ++c)
        if (mass[c] > 0)
            factors[c] = float(std::clamp(std::pow(total / present / mass[c], power), 1.0 / limit, limit));
    return factors;
}

void balanceClassWeights(std::vector<inference::TrainingSample>& samples, double power, double maxFactor) {
    if (power <= 0)
        return;
    const std::vector<float> factors = classBalanceFactors(samples, power, maxFactor);
    for (inference::TrainingSample& sample : samples) {
        if (sample.weight.empty())
            sample.weight.assign(sample.mask.size(), 1.f);
        for (size_t p = 0; p < sample.mask.size(); ++p)
            sample.weight[p] *= factors[sample.mask[p]];
    }
}

inference::ConfusionMatrix scoreOnTiles(inference::SegmentationModel& model, const LabelMask& mask,
                                        const RasterSource& image, const QList<QPoint>& tiles, int context,
                                        const inference::PredictOptions& options, QString* error) {
    inference::ConfusionMatrix matrix(model.classCount());
    std::string why;
    auto predictor = inference::TiledPredictor::create(model, options, &why);
    if (!predictor) {
        *error = QString::fromStdString(why);
        return matrix;
    }
    const ModelInput input = ModelInput::forSource(image);
    for (const QPoint& t : tiles) {
        const QRect window = tileWithContext(mask, t, context);
        const QRect core = mask.tileRect(t.x(), t.y());
        std::vector<uint8_t> rgb;
        if (!input.read(image, window, rgb, error))
            return matrix;
        inference::Prediction prediction;
        if (!predictor->predict({rgb.data(), window.width(), window.height(), 0}, prediction, {}, nullptr,
                                &why)) {
            *error = QString::fromStdString(why);
            return matrix;
        }
        const auto tile = mask.tile(t.x(), t.y());
        if (!tile)
            continue;
        std::vector<uint8_t> predicted, reference;
        for (int y = core.top(); y <= core.bottom(); ++y) {
            for (int x = core.left(); x <= core.right(); ++x) {
                const size_t in = size_t(y - core.top()) * MaskTile::Size + size_t(x - core.left());
                if (!isHumanProvenance(tile->provenance[in]) || tile->classes[in] == Unlabeled)
                    continue;
                predicted.push_back(prediction.classes[size_t(y - window.top()) * window.width() +
                                                       size_t(x - window.left())]);
                reference.push_back(tile->classes[in]);
            }
        }
        matrix.add(predicted.data(), reference.data(), reference.size());
    }
    return matrix;
}

bool learningSamples(const std::vector<CorrectionSource>& sources, const std::vector<QList<QPoint>>& training,
                     const LearningSettings& settings, std::vector<inference::TrainingSample>& samples,
                     long long* correctedPixels, QString* error) {
    *correctedPixels = 0;
    for (size_t i = 0; i < sources.size(); ++i) {
        long long pixels = 0;
        if (!correctionSamples(*sources[i].mask, *sources[i].image, training[i], settings, samples, &pixels,
                               error))
            return false;
        *correctedPixels += pixels;
    }
    // Anchors: predicted tiles nobody labelled, drawn at random over all documents.
    std::vector<std::pair<size_t, QPoint>> candidates;
    size_t correctedTiles = 0;
    for (size_t i = 0; i < sources.size(); ++i) {
        correctedTiles += size_t(training[i].size());
        const LabelMask& mask = *sources[i].mask;
        for (int ty = 0; ty < mask.tilesDown(); ++ty) {
            for (int tx = 0; tx < mask.tilesAcross(); ++tx) {
                if (!mask.tileHolds(tx, ty, Provenance::Edited) &&
                    !mask.tileHolds(tx, ty, Provenance::Reviewed) &&
                    mask.tileHolds(tx, ty, Provenance::Predicted))
                    candidates.emplace_back(i, QPoint(tx, ty));
            }
        }
    }
    std::mt19937_64 random(settings.seed);
    std::shuffle(candidates.begin(), candidates.end(), random);
    candidates.resize(std::min(candidates.size(), anchorTileBudget(correctedTiles, settings)));
    for (size_t i = 0; i < sources.size(); ++i) {
        QList<QPoint> anchors;
        for (const auto& [document, tile] : candidates)
            if (document == i)
                anchors.append(tile);
        if (!anchors.isEmpty() &&
            !anchorSamples(*sources[i].mask, *sources[i].image, anchors, settings, samples, error))
            return false;
    }

    balanceClassWeights(samples, settings.classBalancePower, settings.maxClassFactor);
    return true;
}

LearningOutcome learnFromCorrections(const LearningModels& models,
                                     const std::vector<CorrectionSource>& sources,
                                     const LearningSettings& settings,
                                     const std::function<void(const inference::TrainStep&)>& progress,
                                     const std::atomic<bool>* cancel) {
    LearningOutcome outcome;
    // Held-out and training tiles per document; training pools the samples of all of them.
    std::vector<QList<QPoint>> heldOut(sources.size()), training(sources.size());
    bool anyTraining = false;
    for (size_t i = 0; i < sources.size(); ++i) {
        const CorrectionSource& source = sources[i];
        if (!source.mask || !source.image) {
            outcome.error = QObject::tr("A document to learn from has no label mask or no image.");
            return outcome;
        }
        if (source.mask->size() != source.image->size()) {
            outcome.error = QObject::tr("A label mask and its image differ in size.");
            return outcome;
        }
        heldOut[i] = heldOutTiles(*source.mask);
        for (const QPoint& t : humanLabelledTiles(*source.mask))
            if (!heldOut[i].contains(t))
                training[i].append(t);
        anyTraining = anyTraining || !training[i].isEmpty();
    }
    if (!anyTraining) {
        outcome.error =
            QObject::tr("There are no corrections to learn from yet: paint or review some pixels first.");
        return outcome;
    }
    std::vector<inference::TrainingSample> samples;
    if (!learningSamples(sources, training, settings, samples, &outcome.correctedPixels, &outcome.error))
        return outcome;

    inference::PredictOptions options;
    options.device = settings.device;
    options.precision = settings.precision;
    options.threads = settings.threads;
    outcome.inputScale = bestInputScale(models.start, sources, training, settings, options,
                                        models.current.metadata().inputScale, &outcome.error,
                                        models.scaleScores);
    if (!outcome.error.isEmpty())
        return outcome;
    if (cancel && cancel->load()) {
        outcome.training.cancelled = true;
        return outcome;
    }
    auto model = models.start.clone();
    outcome.inputScaleChanged = outcome.inputScale != model->metadata().inputScale;
    model->metadata().inputScale = outcome.inputScale;
    std::string why;
    inference::TrainOptions trainOptions = trainOptionsFor(settings);
    QSettings keptChoices; // bf16 autocast only where this machine measured it faster
    QString precisionReason;
    PrecisionChoice::resolveTraining(trainOptions, *model, keptChoices, &precisionReason);
    auto trainer = inference::Trainer::create(*model, trainOptions, &why);
    if (!trainer) {
        outcome.error = QString::fromStdString(why);
        return outcome;
    }
    if (!trainer->train(samples, outcome.training, progress, cancel, &why)) {
        outcome.error = QString::fromStdString(why);
        return outcome;
    }
    if (outcome.training.cancelled)
        return outcome;
    const auto scoreHeldOut = [&](inference::SegmentationModel& scored, QString* error) {
        inference::ConfusionMatrix matrix(scored.classCount());
        for (size_t i = 0; i < sources.size() && error->isEmpty(); ++i)
            if (!heldOut[i].isEmpty())
                matrix.merge(scoreOnTiles(scored, *sources[i].mask, *sources[i].image, heldOut[i],
                                          settings.context, options, error));
        return error->isEmpty() && matrix.total() > 0 ? matrix.meanIoU() : -1.0;
    };
    QString error;
    outcome.heldOutMiou = scoreHeldOut(*model, &error);
    if (outcome.heldOutMiou >= 0) {
        // The current version on the same pixels (a copy: predicting may move a model).
        auto baseline = models.current.clone();
        outcome.baselineMiou = scoreHeldOut(*baseline, &error);
        outcome.accepted = outcome.baselineMiou < 0 || outcome.heldOutMiou >= outcome.baselineMiou;
    }
    outcome.model = std::move(model);
    return outcome;
}

LearningOutcome learnFromCorrections(const LearningModels& models, const LabelMask& mask,
                                     const RasterSource& image, const LearningSettings& settings,
                                     const std::function<void(const inference::TrainStep&)>& progress,
                                     const std::atomic<bool>* cancel) {
    return learnFromCorrections(models, {CorrectionSource{&mask, &image}}, settings, progress, cancel);
}

} // namespace segstudio

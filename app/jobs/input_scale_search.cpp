#include "app/jobs/input_scale_search.h"

#include "annotation/label_mask.h"
#include "annotation/raster_source.h"
#include "app/jobs/model_input.h"

#include <algorithm>
#include <zlib.h>

namespace segstudio {
namespace {

uint32_t crcOf(uint32_t crc, const void* data, size_t size) {
    return uint32_t(::crc32(crc, static_cast<const Bytef*>(data), uInt(size)));
}

// What a tile's score depends on besides the model and the scale: the image pixels predicted
// (the tile and its context) and the human labels in it. Predicted pixels are left out: they
// change whenever a new version predicts the image again, and are not scored.
bool tileContentKey(const LabelMask& mask, const RasterSource& image, QPoint t, int context, uint64_t* key,
                    QString* error) {
    std::vector<uint8_t> rgb;
    const QRect window = tileWithContext(mask, t, context);
    if (!ModelInput::forSource(image).read(image, window, rgb, error))
        return false;
    std::vector<quint8> labels(MaskTile::Pixels, Unlabeled);
    if (const auto tile = mask.tile(t.x(), t.y()))
        for (size_t p = 0; p < MaskTile::Pixels; ++p)
            if (isHumanProvenance(tile->provenance[p]))
                labels[p] = tile->classes[p];
    const int geometry[6] = {window.x(), window.y(), window.width(), window.height(), mask.width(),
                             mask.height()};
    const uint32_t pixels = crcOf(crcOf(0, geometry, sizeof geometry), rgb.data(), rgb.size());
    const uint32_t human = crcOf(0, labels.data(), labels.size());
    *key = uint64_t(pixels) << 32 | human;
    return true;
}

} // namespace

const inference::ConfusionMatrix* ScaleScoreCache::find(const Key& key) const {
    const auto found = m_scores.find(key);
    if (found == m_scores.end())
        return nullptr;
    ++m_hits;
    return &found->second;
}

std::string ScaleScoreCache::predictionKey(const inference::PredictOptions& options) {
    return options.device + '|' + options.precision + '|' + std::to_string(options.tile) + '|' +
           std::to_string(options.overlap) + '|' + std::to_string(options.views) + '|' +
           std::to_string(options.frozen) + '|' + std::to_string(options.channelsLast);
}

void ScaleScoreCache::insert(const Key& key, const inference::ConfusionMatrix& matrix) {
    if (m_scores.size() >= Capacity)
        m_scores.clear();
    m_scores.insert_or_assign(key, matrix);
}

std::vector<QList<QPoint>> evenlySpreadTiles(const std::vector<QList<QPoint>>& tiles, int limit) {
    qsizetype total = 0;
    for (const QList<QPoint>& list : tiles)
        total += list.size();
    if (total <= limit)
        return tiles;
    std::vector<QList<QPoint>> chosen(tiles.size());
    qsizetype index = 0, taken = 0;
    for (size_t i = 0; i < tiles.size(); ++i)
        for (const QPoint& tile : tiles[i]) {
            // The tile whose running index crosses the next multiple of total / limit.
            if (taken < limit && index * limit >= taken * total) {
                chosen[i].append(tile);
                ++taken;
            }
            ++index;
        }
    return chosen;
}

double chooseInputScale(const std::vector<std::pair<double, inference::ConfusionMatrix>>& scored, double own,
                        double incumbent, const LearningSettings& settings) {
    double best = incumbent, bestScore = -1, incumbentScore = -1;
    for (const auto& [scale, matrix] : scored) {
        const double score = matrix.total() > 0 ? matrix.pixelAccuracy() : -1.0;
        if (scale == incumbent)
            incumbentScore = score;
        if (score > bestScore) {
            best = scale;
            bestScore = score;
        }
    }
    const double margin = incumbent == own ? settings.scaleMargin : settings.scaleMarginOnceChosen;
    return bestScore > incumbentScore + margin ? best : incumbent;
}

double bestInputScale(const inference::SegmentationModel& model, const std::vector<CorrectionSource>& sources,
                      const std::vector<QList<QPoint>>& tiles, const LearningSettings& settings,
                      const inference::PredictOptions& options, double incumbent, QString* error,
                      ScaleScoreCache* cache) {
    const double own = model.metadata().inputScale;
    if (settings.candidateScales.empty())
        return own;
    const std::vector<QList<QPoint>> sample = evenlySpreadTiles(tiles, settings.maxScaleTiles);
    std::vector<double> scales{own};
    for (double factor : settings.candidateScales)
        scales.push_back(std::clamp(own * factor, inference::MinInputScale, inference::MaxInputScale));
    if (incumbent >= inference::MinInputScale && incumbent <= inference::MaxInputScale)
        scales.push_back(incumbent);
    else
        incumbent = own;
    std::sort(scales.begin(), scales.end());
    scales.erase(std::unique(scales.begin(), scales.end()), scales.end());

    // Every sampled tile's content key, once: the cache's half of a key.
    std::vector<std::vector<uint64_t>> keys(sources.size());
    const uint64_t modelKey = cache ? model.weightsDigest() : 0;
    const std::string how = cache ? ScaleScoreCache::predictionKey(options) : std::string();
    for (size_t i = 0; cache && i < sources.size(); ++i)
        for (const QPoint& t : sample[i]) {
            uint64_t key = 0;
            if (!tileContentKey(*sources[i].mask, *sources[i].image, t, settings.context, &key, error))
                return own;
            keys[i].push_back(key);
        }
    std::unique_ptr<inference::SegmentationModel> scoredModel; // a copy: predicting may move a model
    std::vector<std::pair<double, inference::ConfusionMatrix>> scored;
    for (double scale : scales) {
        inference::PredictOptions at = options;
        at.inputScale = scale;
        inference::ConfusionMatrix matrix(model.classCount());
        for (size_t i = 0; i < sources.size(); ++i)
            for (qsizetype n = 0; n < sample[i].size(); ++n) {
                const ScaleScoreCache::Key key{modelKey, cache ? keys[i][size_t(n)] : 0, scale, settings.context,
                                               how};
                if (const inference::ConfusionMatrix* kept = cache ? cache->find(key) : nullptr) {
                    matrix.merge(*kept);
                    continue;
                }
                if (!scoredModel)
                    scoredModel = model.clone();
                const inference::ConfusionMatrix tile = scoreOnTiles(
                    *scoredModel, *sources[i].mask, *sources[i].image, {sample[i][n]}, settings.context, at, error);
                if (!error->isEmpty())
                    return own;
                matrix.merge(tile);
                if (cache)
                    cache->insert(key, tile);
            }
        scored.emplace_back(scale, matrix);
    }
    return chooseInputScale(scored, own, incumbent, settings);
}

} // namespace segstudio

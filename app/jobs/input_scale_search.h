#pragma once

#include "app/jobs/correction_learning.h"
#include "inference/evaluation.h"

#include <QList>
#include <QPoint>
#include <QString>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace segstudio {

// The scale search's scores kept from one round of learning to the next. A corrected tile's
// score at a scale depends only on the model, the tile's pixels and labels, the context around
// it and how it is predicted, and every round starts from the model as opened and scores mostly
// the tiles the rounds before it scored: with six tiles at five scales the search took 2.4 s of
// a 10 s round (stage 5, tile 6; docs/learning.md, tenth series). Keyed by content, so a stale
// entry cannot be hit: a repainted tile, another image or another model is a new key.
class ScaleScoreCache {
public:
    struct Key {
        uint64_t model = 0;   // SegmentationModel::weightsDigest()
        uint64_t tile = 0;    // the tile's image window, labels and provenance
        double scale = 1;
        int context = 0;
        std::string how; // the prediction options that change a prediction (predictionKey)
        auto tied() const { return std::tie(model, tile, scale, context, how); }
        bool operator<(const Key& other) const { return tied() < other.tied(); }
    };

    const inference::ConfusionMatrix* find(const Key& key) const;
    void insert(const Key& key, const inference::ConfusionMatrix& matrix);
    size_t size() const { return m_scores.size(); }
    long long hits() const { return m_hits; }

    // Entries kept at most; the cache starts over beyond (a project's hundreds of reviewed tiles).
    static constexpr size_t Capacity = 4096;

    // Key::how for predicting with `options` (its scale aside, which the key holds apart).
    static std::string predictionKey(const inference::PredictOptions& options);

private:
    std::map<Key, inference::ConfusionMatrix> m_scores;
    mutable long long m_hits = 0;
};

// At most `limit` of `tiles` (a list per document), taken at even steps through all of them in
// order, so every document keeps its share: what bestInputScale() scores.
std::vector<QList<QPoint>> evenlySpreadTiles(const std::vector<QList<QPoint>>& tiles, int limit);

// The scale a search settles on, given each candidate scale's counts on the corrected pixels:
// the best by pixel accuracy, unless it beats `incumbent` (the version in use's scale) by no
// more than settings.scaleMargin — scaleMarginOnceChosen when `incumbent` is not `own`, the
// opened model's — so the scale does not flip between rounds on a near tie. Not mIoU: the
// scale belongs to the whole scene, and on the worst tiles of an image mIoU swings with a rare
// class's few pixels (LearningSettings::candidateScales). `incumbent` must be among `scored`.
double chooseInputScale(const std::vector<std::pair<double, inference::ConfusionMatrix>>& scored, double own,
                        double incumbent, const LearningSettings& settings);

// The input scale for `model` that scores best on the human-labelled pixels of `tiles[i]` of
// `sources[i]`, among its own, settings.candidateScales times it, and `incumbent` (the version
// in use's), as chooseInputScale() decides. `cache`, when given, holds the scores of earlier
// searches and gains this one's. Empty *error on success.
double bestInputScale(const inference::SegmentationModel& model, const std::vector<CorrectionSource>& sources,
                      const std::vector<QList<QPoint>>& tiles, const LearningSettings& settings,
                      const inference::PredictOptions& options, double incumbent, QString* error,
                      ScaleScoreCache* cache = nullptr);

} // namespace segstudio

#include "annotation/mask_statistics.h"

#include "annotation/label_mask.h"

#include <algorithm>

namespace segstudio {

MaskStatistics MaskStatistics::of(const LabelMask& mask) {
    MaskStatistics statistics;
    const auto provenance = mask.provenanceHistogram();
    statistics.pixels = qint64(mask.width()) * mask.height();
    statistics.predicted = provenance[int(Provenance::Predicted)];
    statistics.edited = provenance[int(Provenance::Edited)];
    statistics.reviewed = provenance[int(Provenance::Reviewed)];
    double sum = 0;
    qint64 count = 0;
    for (int ty = 0; ty < mask.tilesDown(); ++ty)
        for (int tx = 0; tx < mask.tilesAcross(); ++tx) {
            const auto tile = mask.tile(tx, ty);
            if (!tile || tile->confidence.empty())
                continue;
            const QRect rect = mask.tileRect(tx, ty);
            for (int y = 0; y < rect.height(); ++y)
                for (int x = 0; x < rect.width(); ++x) {
                    const int i = y * MaskTile::Size + x;
                    if (tile->provenance[i] == quint8(Provenance::Predicted)) {
                        sum += tile->confidence[i];
                        ++count;
                    }
                }
        }
    if (count > 0)
        statistics.meanPredictedConfidence = sum / double(count) / 255.0;
    return statistics;
}

} // namespace segstudio

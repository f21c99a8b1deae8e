#include "app/jobs/prediction_writer.h"

#include "annotation/label_document.h"
#include "annotation/mask_painter.h"

#include <QCoreApplication>
#include <algorithm>
#include <cmath>

namespace segstudio::PredictionWriter {

quint8 confidenceByte(float probability) {
    const float clamped = std::isnan(probability) ? 0.f : std::clamp(probability, 0.f, 1.f);
    return quint8(std::clamp(int(std::lround(clamped * 255.f)), 1, 255));
}

QList<TileConfidence> write(LabelDocument& document, const PredictedRegion& region,
                            const PredictionRules& rules) {
    QList<TileConfidence> written;
    const LabelMask& mask = document.mask();
    const QRect rect = region.rect & mask.rect();
    if (rect.isEmpty() ||
        region.classes.size() != size_t(region.rect.width()) * size_t(region.rect.height()) ||
        region.confidence.size() != region.classes.size())
        return written;
    const QRect tiles = mask.tilesCovering(rect);
    MaskPainter painter(document, QCoreApplication::translate("PredictionWriter", "Segment"));
    painter.setMergeId(rules.mergeId);
    painter.setMachineWritten(true);
    std::vector<quint8> confidence(size_t(LabelMask::TileSize));
    for (int ty = tiles.top(); ty <= tiles.bottom(); ++ty) {
        for (int tx = tiles.left(); tx <= tiles.right(); ++tx) {
            const QRect part = mask.tileRect(tx, ty) & rect;
            qint64 sum = 0, classified = 0;
            for (int y = part.top(); y <= part.bottom(); ++y) {
                const size_t offset = size_t(y - region.rect.top()) * size_t(region.rect.width()) +
                                      size_t(part.left() - region.rect.left());
                for (int x = 0; x < part.width(); ++x) {
                    confidence[size_t(x)] = confidenceByte(region.confidence[offset + size_t(x)]);
                    // Pixels without data have no class: they make a tile neither sure nor unsure.
                    if (region.classes[offset + size_t(x)] != Unlabeled) {
                        sum += confidence[size_t(x)];
                        ++classified;
                    }
                }
                painter.predictSpan(y, part.left(), part.right() + 1, region.classes.data() + offset,
                                    confidence.data(), rules.overwriteHumanWork);
            }
            written.append(
                {QPoint(tx, ty), classified > 0 ? double(sum) / (255.0 * double(classified)) : 1.0});
        }
    }
    painter.commit();
    return written;
}

} // namespace segstudio::PredictionWriter

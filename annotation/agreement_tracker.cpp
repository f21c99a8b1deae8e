#include "annotation/agreement_tracker.h"

#include "annotation/label_mask.h"

#include <algorithm>

namespace segstudio {

AgreementTracker::AgreementTracker(int classes, std::vector<double> rowAreaM2)
    : m_classes(std::clamp(classes, 1, 255))
    , m_rowAreaM2(std::move(rowAreaM2)) {
}

void AgreementTracker::accumulate(const MaskTile& mask, const MaskTile& comparison, int tileY,
                                  const QRect& local, std::vector<qint64>& counts,
                                  std::vector<double>* referenceM2, std::vector<double>* predictedM2,
                                  qint64& compared, qint64& differing) const {
    const int k = m_classes;
    const bool areas = referenceM2 && !m_rowAreaM2.empty();
    std::vector<qint64> rowReference, rowPredicted;
    if (areas) {
        rowReference.resize(size_t(k));
        rowPredicted.resize(size_t(k));
    }
    for (int y = local.top(); y <= local.bottom(); ++y) {
        const quint8* ours = mask.classes.data() + y * MaskTile::Size;
        const quint8* theirs = comparison.classes.data() + y * MaskTile::Size;
        if (areas) {
            std::fill(rowReference.begin(), rowReference.end(), 0);
            std::fill(rowPredicted.begin(), rowPredicted.end(), 0);
        }
        for (int x = local.left(); x <= local.right(); ++x) {
            const int predicted = ours[x], reference = theirs[x];
            if (predicted >= k || reference >= k)
                continue; // unlabeled, or a class beyond the list
            ++counts[size_t(reference * k + predicted)];
            ++compared;
            differing += predicted != reference;
            if (areas) {
                ++rowReference[size_t(reference)];
                ++rowPredicted[size_t(predicted)];
            }
        }
        if (areas) {
            const double pixelM2 = m_rowAreaM2[size_t(tileY * MaskTile::Size + y)];
            for (size_t c = 0; c < size_t(k); ++c) {
                (*referenceM2)[c] += double(rowReference[c]) * pixelM2;
                (*predictedM2)[c] += double(rowPredicted[c]) * pixelM2;
            }
        }
    }
}

int AgreementTracker::update(const LabelMask& mask, const LabelMask& comparison) {
    if (mask.size() != comparison.size() ||
        (!m_rowAreaM2.empty() && m_rowAreaM2.size() != size_t(mask.height())))
        return 0;
    if (mask.size() != m_size) {
        m_size = mask.size();
        m_tilesAcross = mask.tilesAcross();
        m_tiles.assign(size_t(mask.tilesAcross()) * size_t(mask.tilesDown()), TileFigures());
    }
    const size_t k = size_t(m_classes);
    int read = 0;
    for (int ty = 0; ty < mask.tilesDown(); ++ty)
        for (int tx = 0; tx < mask.tilesAcross(); ++tx) {
            TileFigures& figures = m_tiles[size_t(ty * m_tilesAcross + tx)];
            std::shared_ptr<const void> oursNow = mask.tileToken(tx, ty),
                                        theirsNow = comparison.tileToken(tx, ty);
            if (oursNow == figures.mask && theirsNow == figures.comparison)
                continue;
            figures = TileFigures{oursNow, theirsNow, {}, {}, {}, 0, 0};
            if (!oursNow || !theirsNow)
                continue; // an unlabeled tile on either side compares nothing
            const std::shared_ptr<const MaskTile> ours = mask.tile(tx, ty), theirs = comparison.tile(tx, ty);
            if (!ours || !theirs) {
                figures = TileFigures(); // a stored tile that could not be read back: tried again next time
                continue;
            }
            ++read;
            figures.counts.assign(k * k, 0);
            if (!m_rowAreaM2.empty()) {
                figures.referenceM2.assign(k, 0);
                figures.predictedM2.assign(k, 0);
            }
            const QRect rect = mask.tileRect(tx, ty);
            accumulate(*ours, *theirs, ty, QRect(0, 0, rect.width(), rect.height()), figures.counts,
                       &figures.referenceM2, &figures.predictedM2, figures.compared, figures.differing);
        }
    return read;
}

MaskAgreement AgreementTracker::in(QRect area, const LabelMask* mask, const LabelMask* comparison) const {
    MaskAgreement agreement;
    agreement.classes = m_classes;
    const size_t k = size_t(m_classes);
    agreement.counts.assign(k * k, 0);
    if (!m_rowAreaM2.empty()) {
        agreement.referenceM2.assign(k, 0);
        agreement.predictedM2.assign(k, 0);
    }
    const QRect image(QPoint(0, 0), m_size);
    area = area.isNull() ? image : area & image;
    if (area.isEmpty() || m_tiles.empty())
        return agreement;
    const int size = MaskTile::Size;
    for (int ty = area.top() / size; ty <= area.bottom() / size; ++ty)
        for (int tx = area.left() / size; tx <= area.right() / size; ++tx) {
            const TileFigures& figures = m_tiles[size_t(ty * m_tilesAcross + tx)];
            if (figures.counts.empty())
                continue;
            const QRect tileRect = QRect(tx * size, ty * size, size, size) & image;
            MaskAgreement::Tile tile{QPoint(tx, ty), 0, 0};
            if (area.contains(tileRect)) {
                for (size_t i = 0; i < k * k; ++i)
                    agreement.counts[i] += figures.counts[i];
                for (size_t c = 0; c < agreement.referenceM2.size(); ++c) {
                    agreement.referenceM2[c] += figures.referenceM2[c];
                    agreement.predictedM2[c] += figures.predictedM2[c];
                }
                tile.compared = figures.compared;
                tile.differing = figures.differing;
            } else { // a border tile: only its part inside the area
                const auto ours = mask ? mask->tile(tx, ty) : nullptr;
                const auto theirs = comparison ? comparison->tile(tx, ty) : nullptr;
                if (!ours || !theirs)
                    continue;
                const QRect local = (area & tileRect).translated(-tx * size, -ty * size);
                accumulate(*ours, *theirs, ty, local, agreement.counts, &agreement.referenceM2,
                           &agreement.predictedM2, tile.compared, tile.differing);
            }
            if (tile.compared > 0)
                agreement.tiles.push_back(tile);
        }
    return agreement;
}

} // namespace segstudio

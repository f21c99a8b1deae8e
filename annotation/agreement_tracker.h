#pragma once

#include "annotation/mask_agreement.h"
#include "annotation/mask_tile.h"

#include <QRect>
#include <memory>
#include <vector>

namespace segstudio {

class LabelMask;

// The agreement of a mask with a comparison kept per 256² tile, so that the Metrics dock follows
// a person's edits by reading only the tiles that changed: a tile nobody wrote since the last
// update has the same LabelMask::tileToken (the tracker holds the token, so its identity cannot
// be reused). The token, not the tile: a tile that lives only in a TileStore (the predictions of
// a huge image) is read back for the update and let go again, so memory stays the mask's own.
// Any rectangle (the visible area, a selection) is then the cached figures of the tiles wholly
// inside it plus the few border tiles read again. With the area of each row's pixels, every class
// gets its area in m² too (constant rows in a projected CRS, shrinking towards the poles in a
// geographic one).
// Not thread-safe: one thread at a time updates and queries it (a worker, from snapshots).
class AgreementTracker {
public:
    // `rowAreaM2`: m² of one pixel of each row of the image; empty: pixels only.
    AgreementTracker(int classes, std::vector<double> rowAreaM2 = {});

    // Reads the tiles of `mask` and `comparison` (same size; snapshots) that are not the ones of
    // the last update; returns how many it read. Another size starts afresh.
    int update(const LabelMask& mask, const LabelMask& comparison);
    // The agreement over the whole image, from the figures of the last update.
    MaskAgreement in() const { return in(QRect(), nullptr, nullptr); }
    // The agreement inside `area` (clipped to the image; a null rectangle: the whole image): the
    // tiles wholly inside from the figures, the border tiles read again from `mask` and
    // `comparison`, which must be the masks of the last update.
    MaskAgreement in(QRect area, const LabelMask& mask, const LabelMask& comparison) const {
        return in(area, &mask, &comparison);
    }
    int classes() const { return m_classes; }

private:
    MaskAgreement in(QRect area, const LabelMask* mask, const LabelMask* comparison) const;

    struct TileFigures {
        std::shared_ptr<const void> mask, comparison; // LabelMask::tileToken of each side
        std::vector<qint64> counts; // [reference * classes + predicted]; empty: nothing compared
        std::vector<double> referenceM2, predictedM2;
        qint64 compared = 0;
        qint64 differing = 0;
    };
    // Adds the pixels of `local` (tile coordinates) of one tile pair to the figures.
    void accumulate(const MaskTile& mask, const MaskTile& comparison, int tileY, const QRect& local,
                    std::vector<qint64>& counts, std::vector<double>* referenceM2,
                    std::vector<double>* predictedM2, qint64& compared, qint64& differing) const;

    int m_classes;
    std::vector<double> m_rowAreaM2;
    QSize m_size;
    int m_tilesAcross = 0;
    std::vector<TileFigures> m_tiles;
};

} // namespace segstudio

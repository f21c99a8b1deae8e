#pragma once

#include "annotation/encoded_tile.h"
#include "annotation/mask_painter.h"
#include "annotation/mask_tile.h"

#include <QRect>
#include <functional>
#include <memory>
#include <vector>

namespace segstudio {

class LabelMask;
struct RegionMask;

// An edit over a large area computed away from the GUI thread (flood fill, magic wand, GrabCut
// over up to 64 Mpx): from a snapshot of the mask, the tiles become what painting `region`
// with `spec` makes of them (MaskPainter's rule), and the undo record is compressed, all on the
// worker. Applying it on the document's thread (LabelDocument::applyPrepared) is then one
// pointer swap per tile. It records the tiles it was computed from, so an edit whose tiles
// changed meanwhile is refused rather than painted over newer work.
class PreparedEdit {
public:
    struct Tile {
        int tileX = 0;
        int tileY = 0;
        std::shared_ptr<const MaskTile> before;  // the snapshot's tile (null: never written)
        std::shared_ptr<const void> beforeToken; // LabelMask::tileToken() of the snapshot's tile
        std::shared_ptr<const MaskTile> after;   // null: blank again
        TileDiff diff;                           // before and after, encoded
    };

    PreparedEdit() = default;
    static PreparedEdit paint(const LabelMask& snapshot, const RegionMask& region, const PaintSpec& spec);
    // The labels of `source` (a comparison mask of the same size) taken over inside `area`, as if
    // a person had painted each of them (provenance "edited"; unlabeled there erases).
    static PreparedEdit copy(const LabelMask& snapshot, const LabelMask& source, const QRect& area);

    bool isEmpty() const { return m_tiles.empty(); }
    const std::vector<Tile>& tiles() const { return m_tiles; }
    QRect area() const { return m_area; } // image pixels of the tiles it changes

private:
    // Puts the tile as `write` leaves a copy of it into the edit, when anything changed.
    void addTile(const LabelMask& snapshot, int tx, int ty, const std::function<bool(MaskTile&)>& write);

    std::vector<Tile> m_tiles;
    QRect m_area;
};

} // namespace segstudio

#include "annotation/prepared_edit.h"

#include "annotation/label_mask.h"
#include "annotation/region_mask.h"
#include "annotation/tile_codec.h"

namespace segstudio {

PreparedEdit PreparedEdit::paint(const LabelMask& snapshot, const RegionMask& region, const PaintSpec& spec) {
    PreparedEdit edit;
    const QRect bounds = region.bounds & snapshot.rect();
    if (bounds.isEmpty())
        return edit;
    const QRect tiles = snapshot.tilesCovering(bounds);
    const int width = region.bounds.width();
    for (int ty = tiles.top(); ty <= tiles.bottom(); ++ty) {
        for (int tx = tiles.left(); tx <= tiles.right(); ++tx) {
            const QRect part = snapshot.tileRect(tx, ty) & bounds;
            const std::shared_ptr<const MaskTile> before = snapshot.sharedTile(tx, ty);
            std::shared_ptr<MaskTile> after;
            for (int y = part.top(); y <= part.bottom(); ++y) {
                const quint8* bits = region.bits.data() + size_t(y - region.bounds.top()) * size_t(width);
                const auto in = [&](int x) { return bits[x - region.bounds.left()] != 0; };
                const int rowStart = (y % LabelMask::TileSize) * LabelMask::TileSize;
                for (int x = part.left(); x <= part.right();) {
                    while (x <= part.right() && !in(x))
                        ++x;
                    const int start = x;
                    while (x <= part.right() && in(x))
                        ++x;
                    if (x == start)
                        continue;
                    if (!after)
                        after = before ? std::make_shared<MaskTile>(*before) : std::make_shared<MaskTile>();
                    MaskPainter::paintPixels(*after, rowStart + start % LabelMask::TileSize, x - start, spec);
                }
            }
            if (!after || (before && *after == *before) || (!before && after->isBlank()))
                continue; // nothing in this tile changes
            if (after->isBlank())
                after.reset(); // erased back to nothing
            Tile tile{tx,
                      ty,
                      before,
                      after,
                      {tx, ty, TileCodec::encode(before.get()), TileCodec::encode(after.get())}};
            edit.m_tiles.push_back(std::move(tile));
            edit.m_area |= snapshot.tileRect(tx, ty);
        }
    }
    return edit;
}

} // namespace segstudio

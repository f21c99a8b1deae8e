#include "annotation/prepared_edit.h"

#include "annotation/label_mask.h"
#include "annotation/region_mask.h"
#include "annotation/tile_codec.h"

namespace segstudio {

void PreparedEdit::addTile(const LabelMask& snapshot, int tx, int ty,
                           const std::function<bool(MaskTile&)>& write) {
    const std::shared_ptr<const MaskTile> before = snapshot.tile(tx, ty);
    std::shared_ptr<MaskTile> after =
        before ? std::make_shared<MaskTile>(*before) : std::make_shared<MaskTile>();
    if (!write(*after) || (before && *after == *before) || (!before && after->isBlank()))
        return; // nothing in this tile changes
    if (after->isBlank())
        after.reset(); // erased back to nothing
    Tile tile{tx,     ty,
              before, snapshot.tileToken(tx, ty),
              after,  {tx, ty, TileCodec::encode(before.get()), TileCodec::encode(after.get())}};
    m_tiles.push_back(std::move(tile));
    m_area |= snapshot.tileRect(tx, ty);
}

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
            edit.addTile(snapshot, tx, ty, [&](MaskTile& after) {
                bool wrote = false;
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
                        MaskPainter::paintPixels(after, rowStart + start % LabelMask::TileSize, x - start,
                                                 spec);
                        wrote = true;
                    }
                }
                return wrote;
            });
        }
    }
    return edit;
}

PreparedEdit PreparedEdit::copy(const LabelMask& snapshot, const LabelMask& source, const QRect& area) {
    PreparedEdit edit;
    const QRect bounds = area & snapshot.rect();
    if (bounds.isEmpty() || source.size() != snapshot.size())
        return edit;
    const QRect tiles = snapshot.tilesCovering(bounds);
    std::vector<quint8> row(size_t(bounds.width()));
    for (int ty = tiles.top(); ty <= tiles.bottom(); ++ty) {
        for (int tx = tiles.left(); tx <= tiles.right(); ++tx) {
            const QRect part = snapshot.tileRect(tx, ty) & bounds;
            edit.addTile(snapshot, tx, ty, [&](MaskTile& after) {
                for (int y = part.top(); y <= part.bottom(); ++y) {
                    source.readClasses(QRect(part.left(), y, part.width(), 1), row.data(), part.width());
                    const int rowStart = (y % LabelMask::TileSize) * LabelMask::TileSize;
                    for (int x = 0; x < part.width();) { // runs of one class, painted as a person paints
                        int end = x + 1;
                        while (end < part.width() && row[size_t(end)] == row[size_t(x)])
                            ++end;
                        MaskPainter::paintPixels(after, rowStart + (part.left() + x) % LabelMask::TileSize,
                                                 end - x, PaintSpec{row[size_t(x)]});
                        x = end;
                    }
                }
                return true;
            });
        }
    }
    return edit;
}

} // namespace segstudio

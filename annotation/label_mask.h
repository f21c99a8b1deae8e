#pragma once

#include "annotation/mask_tile.h"

#include <QList>
#include <QPoint>
#include <QRect>
#include <QSize>
#include <array>
#include <memory>
#include <vector>

namespace segstudio {

class StoredTile;

// A label mask as large as its image, stored as 256² MaskTiles that are allocated on first
// write: memory follows the labeled area, not the image size (an untouched 40 000² mask costs a
// few hundred kilobytes of pointers). Tiles are shared copy-on-write, so copying a LabelMask is
// cheap and gives an immutable snapshot (for saving on a worker thread) while editing goes on.
// A tile may also live in a TileStore on disk instead of memory (the predicted tiles of a huge
// image that nobody looks at): reading it works the same, views at 1:8 and below sample its
// in-memory summary, and writing it brings it back into memory.
// Not thread-safe: one thread owns a LabelMask; a snapshot copy may be read on another thread
// as long as the owner of the snapshot is the one that destroys it.
class LabelMask {
public:
    static constexpr int TileSize = MaskTile::Size;

    LabelMask() = default;
    explicit LabelMask(QSize size);

    QSize size() const { return m_size; }
    int width() const { return m_size.width(); }
    int height() const { return m_size.height(); }
    bool isNull() const { return m_size.isEmpty(); }
    QRect rect() const { return QRect(QPoint(0, 0), m_size); }
    int tilesAcross() const { return m_tilesAcross; }
    int tilesDown() const { return m_tilesDown; }
    QRect tileRect(int tileX, int tileY) const; // image pixels covered, clipped to the image
    // Tiles whose area intersects `imageRect`, as an inclusive range of tile coordinates.
    QRect tilesCovering(const QRect& imageRect) const;

    // Null when the tile was never written (all pixels unlabeled, provenance none). A tile that
    // lives only in a TileStore is read back from it (the last few are kept per thread).
    std::shared_ptr<const MaskTile> tile(int tileX, int tileY) const;
    // Replaces a tile (null frees it). The tile is shared, never copied. `stored`: a copy of
    // the same content in a TileStore, so the memory copy can later go (releaseTile()).
    void setTile(int tileX, int tileY, std::shared_ptr<const MaskTile> tile,
                 std::shared_ptr<const StoredTile> stored = nullptr);
    // The tile as kept in a TileStore only, out of memory.
    void setStoredTile(int tileX, int tileY, std::shared_ptr<const StoredTile> stored);
    // The TileStore copy of the tile; null when it has none (never stored, or changed since).
    const std::shared_ptr<const StoredTile>& storedTile(int tileX, int tileY) const {
        return m_tiles[index(tileX, tileY)].stored;
    }
    // Drops the memory copy of a tile that has a TileStore copy; false (nothing done) otherwise.
    bool releaseTile(int tileX, int tileY);
    bool isInMemory(int tileX, int tileY) const { return m_tiles[index(tileX, tileY)].tile != nullptr; }
    // Whether some pixel of the tile has this provenance, without reading a stored tile back.
    bool tileHolds(int tileX, int tileY, Provenance source) const;
    // What the tile is now: equal tokens taken at two times mean it did not change between them.
    std::shared_ptr<const void> tileToken(int tileX, int tileY) const;
    // A tile ready to be written: allocated blank if absent, copied first if shared.
    MaskTile& mutableTile(int tileX, int tileY);

    quint8 classAt(int x, int y) const;
    Provenance provenanceAt(int x, int y) const;
    quint8 confidenceAt(int x, int y) const; // 0 where there is no confidence layer

    // Copies the classes of `imageRect` (inside the mask) into `out`, row stride `stride` bytes.
    void readClasses(const QRect& imageRect, quint8* out, qsizetype stride) const;
    // Nearest-neighbour samples of the classes on the pyramid level `level` (1 << level image
    // pixels per sample), for `levelRect` given in pixels of that level. With `notInMemory`,
    // nothing is read from a TileStore (what the GUI thread needs): a tile only in a store gives
    // its summary's nearest sample at the finer levels too, and is listed there.
    void sampleClasses(int level, const QRect& levelRect, quint8* out, qsizetype stride,
                       QList<QPoint>* notInMemory = nullptr) const;
    // The same for the confidence layer (0 where nothing was predicted).
    void sampleConfidence(int level, const QRect& levelRect, quint8* out, qsizetype stride,
                          QList<QPoint>* notInMemory = nullptr) const;

    int allocatedTiles() const;  // in memory or in a TileStore
    int storedOnlyTiles() const; // only in a TileStore
    qint64 memoryBytes() const;  // tile storage in memory, counting shared tiles once per mask
    // Pixels per class value (index 255 = unlabeled, unallocated tiles included).
    std::array<qint64, 256> classHistogram() const;
    std::array<qint64, 4> provenanceHistogram() const;
    // Same pixels (classes, provenance, confidence), whatever the tiling of blanks.
    bool contentEquals(const LabelMask& other) const;

private:
    enum class Layer { Classes, Confidence };
    void sampleLayer(Layer layer, int level, const QRect& levelRect, quint8* out, qsizetype stride,
                     QList<QPoint>* notInMemory) const;
    int index(int tileX, int tileY) const { return tileY * m_tilesAcross + tileX; }

    // A tile in memory, in a TileStore, or both (then with the same content); neither: blank.
    struct Slot {
        std::shared_ptr<MaskTile> tile;
        std::shared_ptr<const StoredTile> stored;
    };

    QSize m_size;
    int m_tilesAcross = 0;
    int m_tilesDown = 0;
    std::vector<Slot> m_tiles;
};

} // namespace segstudio

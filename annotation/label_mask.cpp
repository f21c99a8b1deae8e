#include "annotation/label_mask.h"

#include "annotation/tile_store.h"

#include <algorithm>
#include <cstring>

namespace segstudio {

bool MaskTile::isBlank() const {
    static const MaskTile blank;
    return confidence.empty() && classes == blank.classes && provenance == blank.provenance;
}

LabelMask::LabelMask(QSize size)
    : m_size(size.isValid() ? size : QSize())
    , m_tilesAcross((m_size.width() + TileSize - 1) / TileSize)
    , m_tilesDown((m_size.height() + TileSize - 1) / TileSize)
    , m_tiles(size_t(m_tilesAcross) * size_t(m_tilesDown)) {
}

QRect LabelMask::tileRect(int tileX, int tileY) const {
    return QRect(tileX * TileSize, tileY * TileSize, TileSize, TileSize).intersected(rect());
}

QRect LabelMask::tilesCovering(const QRect& imageRect) const {
    const QRect clipped = imageRect.intersected(rect());
    if (clipped.isEmpty())
        return {};
    return QRect(QPoint(clipped.left() / TileSize, clipped.top() / TileSize),
                 QPoint(clipped.right() / TileSize, clipped.bottom() / TileSize));
}

namespace {

// The last stored tiles read back on this thread: drawing and tools read the same tile many
// times in a row. Weak keys, so a closed document's store file is not kept open from here.
struct StoredReadCache {
    static constexpr int Entries = 16;
    struct Entry {
        std::weak_ptr<const StoredTile> key;
        std::shared_ptr<const MaskTile> tile;
    };
    std::array<Entry, Entries> entries;
    int next = 0;

    std::shared_ptr<const MaskTile> read(const std::shared_ptr<const StoredTile>& stored) {
        for (const Entry& entry : entries)
            if (entry.tile && !entry.key.owner_before(stored) && !stored.owner_before(entry.key))
                return entry.tile;
        std::shared_ptr<const MaskTile> tile = stored->read();
        entries[size_t(next)] = {stored, tile};
        next = (next + 1) % Entries;
        return tile;
    }
};

std::shared_ptr<const MaskTile> readStored(const std::shared_ptr<const StoredTile>& stored) {
    thread_local StoredReadCache cache;
    return cache.read(stored);
}

} // namespace

std::shared_ptr<const MaskTile> LabelMask::tile(int tileX, int tileY) const {
    const Slot& slot = m_tiles[index(tileX, tileY)];
    if (slot.tile || !slot.stored)
        return slot.tile;
    return readStored(slot.stored);
}

void LabelMask::setTile(int tileX, int tileY, std::shared_ptr<const MaskTile> tile,
                        std::shared_ptr<const StoredTile> stored) {
    // Tiles are only ever written through mutableTile(), which copies shared ones first, so
    // keeping them as non-const internally is safe.
    Slot& slot = m_tiles[index(tileX, tileY)];
    slot.tile = std::const_pointer_cast<MaskTile>(std::move(tile));
    slot.stored = slot.tile ? std::move(stored) : nullptr;
}

void LabelMask::setStoredTile(int tileX, int tileY, std::shared_ptr<const StoredTile> stored) {
    Slot& slot = m_tiles[index(tileX, tileY)];
    slot.tile.reset();
    slot.stored = std::move(stored);
}

bool LabelMask::releaseTile(int tileX, int tileY) {
    Slot& slot = m_tiles[index(tileX, tileY)];
    if (!slot.stored || !slot.tile)
        return false;
    slot.tile.reset();
    return true;
}

bool LabelMask::tileHolds(int tileX, int tileY, Provenance source) const {
    const Slot& slot = m_tiles[index(tileX, tileY)];
    if (slot.tile)
        return slot.tile->holds(source);
    if (slot.stored)
        return slot.stored->holds(source);
    return source == Provenance::None;
}

std::shared_ptr<const void> LabelMask::tileToken(int tileX, int tileY) const {
    // The stored copy first: releasing the memory copy does not change what the tile is.
    const Slot& slot = m_tiles[index(tileX, tileY)];
    if (slot.stored)
        return slot.stored;
    return slot.tile;
}

MaskTile& LabelMask::mutableTile(int tileX, int tileY) {
    Slot& slot = m_tiles[index(tileX, tileY)];
    if (!slot.tile && slot.stored) {
        const std::shared_ptr<const MaskTile> stored = readStored(slot.stored);
        slot.tile = stored ? std::make_shared<MaskTile>(*stored) : std::make_shared<MaskTile>();
    } else if (!slot.tile) {
        slot.tile = std::make_shared<MaskTile>();
    } else if (slot.tile.use_count() > 1) {
        slot.tile = std::make_shared<MaskTile>(*slot.tile);
    }
    slot.stored.reset(); // about to differ from it
    return *slot.tile;
}

quint8 LabelMask::classAt(int x, int y) const {
    const auto t = tile(x / TileSize, y / TileSize);
    return t ? t->classes[(y % TileSize) * TileSize + x % TileSize] : Unlabeled;
}

Provenance LabelMask::provenanceAt(int x, int y) const {
    const auto t = tile(x / TileSize, y / TileSize);
    return t ? Provenance(t->provenance[(y % TileSize) * TileSize + x % TileSize]) : Provenance::None;
}

quint8 LabelMask::confidenceAt(int x, int y) const {
    const auto t = tile(x / TileSize, y / TileSize);
    return t && !t->confidence.empty() ? t->confidence[(y % TileSize) * TileSize + x % TileSize] : 0;
}

void LabelMask::readClasses(const QRect& imageRect, quint8* out, qsizetype stride) const {
    const QRect tiles = tilesCovering(imageRect);
    if (tiles.isEmpty())
        return;
    for (int ty = tiles.top(); ty <= tiles.bottom(); ++ty) {
        for (int tx = tiles.left(); tx <= tiles.right(); ++tx) {
            const QRect part = tileRect(tx, ty).intersected(imageRect);
            const auto t = tile(tx, ty);
            for (int y = part.top(); y <= part.bottom(); ++y) {
                quint8* row =
                    out + qsizetype(y - imageRect.top()) * stride + (part.left() - imageRect.left());
                if (t)
                    std::memcpy(row, &t->classes[(y % TileSize) * TileSize + part.left() % TileSize],
                                size_t(part.width()));
                else
                    std::memset(row, Unlabeled, size_t(part.width()));
            }
        }
    }
}

void LabelMask::sampleClasses(int level, const QRect& levelRect, quint8* out, qsizetype stride,
                              QList<QPoint>* notInMemory) const {
    sampleLayer(Layer::Classes, level, levelRect, out, stride, notInMemory);
}

void LabelMask::sampleConfidence(int level, const QRect& levelRect, quint8* out, qsizetype stride,
                                 QList<QPoint>* notInMemory) const {
    sampleLayer(Layer::Confidence, level, levelRect, out, stride, notInMemory);
}

void LabelMask::sampleLayer(Layer layer, int level, const QRect& levelRect, quint8* out, qsizetype stride,
                            QList<QPoint>* notInMemory) const {
    // What a pixel without data reads as: unlabeled, or no confidence.
    const quint8 blank = layer == Layer::Classes ? Unlabeled : 0;
    const int step = 1 << level;
    for (int y = 0; y < levelRect.height(); ++y) {
        quint8* row = out + y * stride;
        const int iy = (levelRect.top() + y) * step;
        if (iy < 0 || iy >= height()) {
            std::memset(row, blank, size_t(levelRect.width()));
            continue;
        }
        const int tileY = iy / TileSize;
        const int inTileY = (iy % TileSize) * TileSize;
        int x = 0;
        while (x < levelRect.width()) {
            const int ix = (levelRect.left() + x) * step;
            if (ix < 0 || ix >= width()) {
                row[x++] = blank;
                continue;
            }
            // All samples of this row that fall into the same tile at once.
            const int tileX = ix / TileSize;
            const int tileEnd = std::min((tileX + 1) * TileSize, width());
            const int count = std::min(levelRect.width() - x, (tileEnd - ix + step - 1) / step);
            const Slot& slot = m_tiles[index(tileX, tileY)];
            if (!slot.tile && slot.stored && (step >= StoredTile::SummaryStep || notInMemory)) {
                // At 1:8 and below every sample falls on the summary's grid: exact, and no need
                // to read the tile back. Finer, the nearest summary sample stands in.
                const StoredTile& stored = *slot.stored;
                const bool hasLayer = layer == Layer::Classes || stored.hasConfidence();
                const StoredTile::Summary& summary =
                    layer == Layer::Classes ? stored.classSummary() : stored.confidenceSummary();
                const int summaryRow = ((iy % TileSize) / StoredTile::SummaryStep) * StoredTile::SummarySize;
                for (int i = 0; i < count; ++i) {
                    const int inTile = ((ix + i * step) % TileSize) / StoredTile::SummaryStep;
                    row[x + i] = hasLayer ? summary[size_t(summaryRow + inTile)] : blank;
                }
                if (step < StoredTile::SummaryStep && !notInMemory->contains(QPoint(tileX, tileY)))
                    notInMemory->append(QPoint(tileX, tileY));
                x += count;
                continue;
            }
            const auto t = tile(tileX, tileY);
            const quint8* layerData = !t                        ? nullptr
                                      : layer == Layer::Classes ? t->classes.data()
                                      : t->confidence.empty()   ? nullptr
                                                                : t->confidence.data();
            if (!layerData) {
                std::memset(row + x, blank, size_t(count));
            } else {
                const quint8* source = layerData + inTileY + ix % TileSize;
                if (step == 1)
                    std::memcpy(row + x, source, size_t(count));
                else
                    for (int i = 0; i < count; ++i)
                        row[x + i] = source[i * step];
            }
            x += count;
        }
    }
}

int LabelMask::allocatedTiles() const {
    return int(
        std::count_if(m_tiles.begin(), m_tiles.end(), [](const Slot& s) { return s.tile || s.stored; }));
}

int LabelMask::storedOnlyTiles() const {
    return int(
        std::count_if(m_tiles.begin(), m_tiles.end(), [](const Slot& s) { return !s.tile && s.stored; }));
}

qint64 LabelMask::memoryBytes() const {
    qint64 bytes = qint64(m_tiles.size() * sizeof(m_tiles[0]));
    for (const Slot& slot : m_tiles) {
        if (slot.tile)
            bytes += qint64(sizeof(MaskTile) + slot.tile->confidence.size());
        if (slot.stored && !slot.tile) // otherwise the store's memory copy, if any, is this tile
            bytes += slot.stored->memoryBytes();
    }
    return bytes;
}

std::array<qint64, 256> LabelMask::classHistogram() const {
    std::array<qint64, 256> counts{};
    for (int ty = 0; ty < m_tilesDown; ++ty) {
        for (int tx = 0; tx < m_tilesAcross; ++tx) {
            const QRect r = tileRect(tx, ty);
            const auto t = tile(tx, ty);
            if (!t) {
                counts[Unlabeled] += qint64(r.width()) * r.height();
                continue;
            }
            for (int y = 0; y < r.height(); ++y) {
                const quint8* row = &t->classes[y * TileSize];
                for (int x = 0; x < r.width(); ++x)
                    ++counts[row[x]];
            }
        }
    }
    return counts;
}

std::array<qint64, 4> LabelMask::provenanceHistogram() const {
    std::array<qint64, 4> counts{};
    for (int ty = 0; ty < m_tilesDown; ++ty) {
        for (int tx = 0; tx < m_tilesAcross; ++tx) {
            const QRect r = tileRect(tx, ty);
            const auto t = tile(tx, ty);
            if (!t) {
                counts[0] += qint64(r.width()) * r.height();
                continue;
            }
            for (int y = 0; y < r.height(); ++y) {
                for (int x = 0; x < r.width(); ++x)
                    ++counts[t->provenance[y * TileSize + x] & 3];
            }
        }
    }
    return counts;
}

bool LabelMask::contentEquals(const LabelMask& other) const {
    if (m_size != other.m_size)
        return false;
    static const MaskTile blank;
    for (int ty = 0; ty < m_tilesDown; ++ty) {
        for (int tx = 0; tx < m_tilesAcross; ++tx) {
            const auto a = tile(tx, ty);
            const auto b = other.tile(tx, ty);
            if (a == b)
                continue;
            const MaskTile& ta = a ? *a : blank;
            const MaskTile& tb = b ? *b : blank;
            // Compare only the part inside the image: edge tiles carry padding.
            const QRect r = tileRect(tx, ty);
            for (int y = 0; y < r.height(); ++y) {
                const size_t offset = size_t(y) * TileSize;
                const size_t count = size_t(r.width());
                if (std::memcmp(&ta.classes[offset], &tb.classes[offset], count) != 0 ||
                    std::memcmp(&ta.provenance[offset], &tb.provenance[offset], count) != 0)
                    return false;
                if (ta.confidence.empty() != tb.confidence.empty() ||
                    (!ta.confidence.empty() &&
                     std::memcmp(&ta.confidence[offset], &tb.confidence[offset], count) != 0))
                    return false;
            }
        }
    }
    return true;
}

} // namespace segstudio

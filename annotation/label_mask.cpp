#include "annotation/label_mask.h"

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

void LabelMask::setTile(int tileX, int tileY, std::shared_ptr<const MaskTile> tile) {
    // Stored tiles are only ever written through mutableTile(), which copies shared ones first,
    // so keeping them as non-const internally is safe.
    m_tiles[index(tileX, tileY)] = std::const_pointer_cast<MaskTile>(std::move(tile));
}

MaskTile& LabelMask::mutableTile(int tileX, int tileY) {
    std::shared_ptr<MaskTile>& slot = m_tiles[index(tileX, tileY)];
    if (!slot)
        slot = std::make_shared<MaskTile>();
    else if (slot.use_count() > 1)
        slot = std::make_shared<MaskTile>(*slot);
    return *slot;
}

quint8 LabelMask::classAt(int x, int y) const {
    const MaskTile* t = tile(x / TileSize, y / TileSize);
    return t ? t->classes[(y % TileSize) * TileSize + x % TileSize] : Unlabeled;
}

Provenance LabelMask::provenanceAt(int x, int y) const {
    const MaskTile* t = tile(x / TileSize, y / TileSize);
    return t ? Provenance(t->provenance[(y % TileSize) * TileSize + x % TileSize]) : Provenance::None;
}

quint8 LabelMask::confidenceAt(int x, int y) const {
    const MaskTile* t = tile(x / TileSize, y / TileSize);
    return t && !t->confidence.empty() ? t->confidence[(y % TileSize) * TileSize + x % TileSize] : 0;
}

void LabelMask::readClasses(const QRect& imageRect, quint8* out, qsizetype stride) const {
    const QRect tiles = tilesCovering(imageRect);
    if (tiles.isEmpty())
        return;
    for (int ty = tiles.top(); ty <= tiles.bottom(); ++ty) {
        for (int tx = tiles.left(); tx <= tiles.right(); ++tx) {
            const QRect part = tileRect(tx, ty).intersected(imageRect);
            const MaskTile* t = tile(tx, ty);
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

void LabelMask::sampleClasses(int level, const QRect& levelRect, quint8* out, qsizetype stride) const {
    sampleLayer(Layer::Classes, level, levelRect, out, stride);
}

void LabelMask::sampleConfidence(int level, const QRect& levelRect, quint8* out, qsizetype stride) const {
    sampleLayer(Layer::Confidence, level, levelRect, out, stride);
}

void LabelMask::sampleLayer(Layer layer, int level, const QRect& levelRect, quint8* out,
                            qsizetype stride) const {
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
            const MaskTile* t = tile(tileX, tileY);
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
    return int(std::count_if(m_tiles.begin(), m_tiles.end(), [](const auto& t) { return t != nullptr; }));
}

qint64 LabelMask::memoryBytes() const {
    qint64 bytes = qint64(m_tiles.size() * sizeof(m_tiles[0]));
    for (const auto& t : m_tiles) {
        if (t)
            bytes += qint64(sizeof(MaskTile) + t->confidence.size());
    }
    return bytes;
}

std::array<qint64, 256> LabelMask::classHistogram() const {
    std::array<qint64, 256> counts{};
    for (int ty = 0; ty < m_tilesDown; ++ty) {
        for (int tx = 0; tx < m_tilesAcross; ++tx) {
            const QRect r = tileRect(tx, ty);
            const MaskTile* t = tile(tx, ty);
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
            const MaskTile* t = tile(tx, ty);
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
            const MaskTile* a = tile(tx, ty);
            const MaskTile* b = other.tile(tx, ty);
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

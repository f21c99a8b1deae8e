#include "annotation/label_document.h"

#include "annotation/document_commands.h"
#include "annotation/mask_painter.h"
#include "annotation/prepared_edit.h"
#include "annotation/raster_source.h"
#include "annotation/tile_codec.h"
#include "annotation/tile_store.h"

#include <QDebug>
#include <algorithm>
#include <vector>

namespace segstudio {

LabelDocument::LabelDocument(LabelMask mask, ClassPalette palette, QObject* parent)
    : QObject(parent)
    , m_mask(std::move(mask))
    , m_palette(std::move(palette)) {
}

LabelDocument::~LabelDocument() {
    if (m_activePainter)
        m_activePainter->abort();
}

TileStore* LabelDocument::tileStore() {
    if (!m_tileStore && !m_tileStoreFailed && !m_tileStoreFolder.isEmpty()) {
        QString error;
        m_tileStore = TileStore::open(m_tileStoreFolder, &error);
        m_tileStoreFailed = !m_tileStore;
        if (!m_tileStore)
            qWarning().noquote() << error << "- predictions stay in memory";
    }
    return m_tileStore.get();
}

bool LabelDocument::bringBack(int tileX, int tileY, const std::shared_ptr<const StoredTile>& stored,
                              std::shared_ptr<const MaskTile> tile) {
    if (!tile || tileX < 0 || tileY < 0 || tileX >= m_mask.tilesAcross() || tileY >= m_mask.tilesDown() ||
        m_mask.isInMemory(tileX, tileY) || m_mask.storedTile(tileX, tileY) != stored)
        return false;
    m_mask.setTile(tileX, tileY, std::move(tile), stored);
    return true;
}

int LabelDocument::releaseTiles(QPointF focus, const QRect& keep) {
    const qint64 budgetBytes = m_memoryBudget;
    // Not only predictions have a store copy: a mask read from a file too large for memory
    // (MaskFiles::loadWithin) has one for every tile.
    if (m_activePainter)
        return 0;
    constexpr qint64 tileBytes = qint64(sizeof(MaskTile)) + MaskTile::Pixels; // with confidence
    struct Candidate {
        double distance;
        int tileX, tileY;
    };
    std::vector<Candidate> candidates;
    qint64 inMemory = 0;
    for (int ty = 0; ty < m_mask.tilesDown(); ++ty)
        for (int tx = 0; tx < m_mask.tilesAcross(); ++tx) {
            if (!m_mask.isInMemory(tx, ty))
                continue;
            inMemory += tileBytes;
            if (m_mask.storedTile(tx, ty) && !keep.intersects(m_mask.tileRect(tx, ty))) {
                // unchanged since a prediction stored it, and not in view
                const QPointF centre = QRectF(m_mask.tileRect(tx, ty)).center() - focus;
                candidates.push_back({centre.x() * centre.x() + centre.y() * centre.y(), tx, ty});
            }
        }
    if (inMemory <= budgetBytes)
        return 0;
    std::sort(candidates.begin(), candidates.end(),
              [](const Candidate& a, const Candidate& b) { return a.distance > b.distance; });
    int released = 0;
    for (const Candidate& c : candidates) {
        if (inMemory <= budgetBytes / 4 * 3)
            break;
        if (m_mask.releaseTile(c.tileX, c.tileY)) {
            inMemory -= tileBytes;
            ++released;
        }
    }
    return released;
}

void LabelDocument::setImage(std::shared_ptr<const RasterSource> image) {
    Q_ASSERT(!image || image->size() == m_mask.size());
    m_image = std::move(image);
}

void LabelDocument::undo() {
    if (m_activePainter)
        m_activePainter->abort();
    m_history.undo();
}

void LabelDocument::redo() {
    if (m_activePainter)
        m_activePainter->abort();
    m_history.redo();
}

void LabelDocument::beginPainter(MaskPainter* painter) {
    // A second painter while one is open would interleave two undo records of the same tiles.
    if (m_activePainter && m_activePainter != painter)
        m_activePainter->abort();
    m_activePainter = painter;
}

void LabelDocument::endPainter(MaskPainter* painter) {
    if (m_activePainter == painter)
        m_activePainter = nullptr;
}

void LabelDocument::pushCommitted(QList<TileDiff> diffs, const QString& text, const QRect& area, int mergeId,
                                  bool machineWritten) {
    QList<EncodedTile> stored;
    if (!machineWritten) { // a prediction's tiles are not journaled
        stored.reserve(diffs.size());
        for (const TileDiff& diff : diffs)
            stored.append({diff.tileX, diff.tileY, diff.after});
    }
    m_history.push(new TileDiffCommand(this, text, std::move(diffs), true, mergeId, machineWritten));
    if (machineWritten) // the painter's flush already reported the change itself
        return;
    Q_EMIT edited(area);
    Q_EMIT tilesStored(stored);
}

QRect LabelDocument::tileArea(const QList<TileDiff>& diffs) const {
    QRect area;
    for (const TileDiff& diff : diffs)
        area |= m_mask.tileRect(diff.tileX, diff.tileY);
    return area;
}

void LabelDocument::applyTileStates(const QList<TileDiff>& diffs, bool after, bool machineWritten) {
    if (m_activePainter)
        m_activePainter->abort();
    QList<EncodedTile> stored;
    stored.reserve(diffs.size());
    for (const TileDiff& diff : diffs) {
        const QByteArray& data = after ? diff.after : diff.before;
        if (const auto& inStore = after ? diff.storedAfter : diff.storedBefore) {
            m_mask.setStoredTile(diff.tileX, diff.tileY, inStore);
            continue; // only predictions keep states in the store: nothing to journal
        }
        // The data was produced by TileCodec::encode in this process: it cannot be damaged.
        m_mask.setTile(diff.tileX, diff.tileY, TileCodec::decode(data));
        if (!machineWritten)
            stored.append({diff.tileX, diff.tileY, data});
    }
    Q_EMIT changed(tileArea(diffs));
    if (!machineWritten)
        Q_EMIT tilesStored(stored);
}

void LabelDocument::setPalette(const ClassPalette& palette, const QString& text) {
    if (palette == m_palette)
        return;
    m_history.push(new PaletteCommand(this, text, m_palette, palette));
}

void LabelDocument::applyPalette(const ClassPalette& palette) {
    ClassPalette next = palette;
    // Visibility is a view setting: undoing a rename must not show a class the user hid.
    for (const LabelClass& c : m_palette.classes())
        next.setVisible(c.id, c.visible);
    m_palette = next;
    Q_EMIT paletteChanged();
}

void LabelDocument::setClassVisible(int id, bool visible) {
    if (m_palette.setVisible(id, visible))
        Q_EMIT paletteChanged();
}

void LabelDocument::replaceMask(const LabelMask& mask, const QString& text) {
    Q_ASSERT(mask.size() == m_mask.size());
    if (m_activePainter)
        m_activePainter->abort();
    QList<TileDiff> diffs;
    for (int ty = 0; ty < m_mask.tilesDown(); ++ty) {
        for (int tx = 0; tx < m_mask.tilesAcross(); ++tx) {
            const auto before = m_mask.tile(tx, ty);
            const auto after = mask.tile(tx, ty);
            if (before == after || (before && after && *before == *after))
                continue;
            diffs.append({tx, ty, TileCodec::encode(before.get()), TileCodec::encode(after.get())});
        }
    }
    if (diffs.isEmpty())
        return;
    const QRect area = tileArea(diffs);
    m_history.push(new TileDiffCommand(this, text, std::move(diffs), false));
    Q_EMIT edited(area);
}

void LabelDocument::replaceTiles(const QList<EncodedTile>& tiles, const QString& text) {
    if (m_activePainter)
        m_activePainter->abort();
    QList<TileDiff> diffs;
    for (const EncodedTile& tile : tiles) {
        if (tile.tileX < 0 || tile.tileY < 0 || tile.tileX >= m_mask.tilesAcross() ||
            tile.tileY >= m_mask.tilesDown())
            continue;
        diffs.append({tile.tileX, tile.tileY, TileCodec::encode(m_mask.tile(tile.tileX, tile.tileY).get()),
                      tile.data});
    }
    if (diffs.isEmpty())
        return;
    const QRect area = tileArea(diffs);
    m_history.push(new TileDiffCommand(this, text, std::move(diffs), false));
    Q_EMIT edited(area);
}

bool LabelDocument::applyPrepared(const PreparedEdit& edit, const QString& text) {
    if (m_activePainter)
        return false;
    for (const PreparedEdit::Tile& tile : edit.tiles())
        if (m_mask.tileToken(tile.tileX, tile.tileY) != tile.beforeToken)
            return false; // written since the snapshot: the edit would undo that
    if (edit.isEmpty())
        return true;
    QList<TileDiff> diffs;
    diffs.reserve(qsizetype(edit.tiles().size()));
    for (const PreparedEdit::Tile& tile : edit.tiles()) {
        // A tile is never written in place while shared (LabelMask::mutableTile copies it).
        m_mask.setTile(tile.tileX, tile.tileY, tile.after);
        diffs.append(tile.diff);
    }
    Q_EMIT changed(edit.area());
    pushCommitted(std::move(diffs), text, edit.area(), -1, false);
    return true;
}

} // namespace segstudio

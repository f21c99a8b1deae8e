#pragma once

#include "annotation/class_palette.h"
#include "annotation/encoded_tile.h"
#include "annotation/label_mask.h"
#include "annotation/undo_history.h"

#include <QObject>
#include <QPointF>
#include <QRect>
#include <memory>

namespace segstudio {

class MaskPainter;
class PreparedEdit;
class RasterSource;
class TileStore;

// The document an annotator edits: the image (read-only), its label mask, the class palette
// and the undo history. Every change is a command in the history; all pixel writes go through
// a MaskPainter. changed() reports any change of mask pixels (undo and redo included, so views
// repaint); edited() reports only edits a person made (the fine-tuning sampler listens).
// Lives on the GUI thread; nothing here reads or writes files.
class LabelDocument : public QObject {
    Q_OBJECT
public:
    LabelDocument(LabelMask mask, ClassPalette palette, QObject* parent = nullptr);
    ~LabelDocument() override;

    // The image the mask labels (may be null in tests); must have the mask's size.
    void setImage(std::shared_ptr<const RasterSource> image);
    const std::shared_ptr<const RasterSource>& image() const { return m_image; }
    const LabelMask& mask() const { return m_mask; }
    const ClassPalette& palette() const { return m_palette; }
    UndoHistory& history() { return m_history; }
    const UndoHistory& history() const { return m_history; }
    bool isModified() const { return !m_history.isClean(); }

    QString maskPath() const { return m_maskPath; }
    void setMaskPath(const QString& path) { m_maskPath = path; }

    // Undo and redo abort an edit in progress first.
    void undo();
    void redo();
    bool isEditing() const { return m_activePainter != nullptr; }
    MaskPainter* activePainter() const { return m_activePainter; }

    // Palette edits are undoable commands; visibility is a view setting and is not.
    void setPalette(const ClassPalette& palette, const QString& text);
    void setClassVisible(int id, bool visible);
    // Replaces every pixel (an imported mask) as one undoable command. The mask must have the
    // document's size.
    void replaceMask(const LabelMask& mask, const QString& text);
    // Puts the given tile states in place as one undoable command (journal restore).
    void replaceTiles(const QList<EncodedTile>& tiles, const QString& text);
    // Puts an edit computed on a worker in place as one undo step, a person's edit. Refused
    // (false, nothing changes) while a painter is open or when a tile it was computed from has
    // changed since its snapshot.
    bool applyPrepared(const PreparedEdit& edit, const QString& text);

    // Where predicted tiles may go out of memory: a TileStore file in `folder`, opened when the
    // first prediction is written. Empty (the default): every tile stays in memory.
    void setTileStoreFolder(const QString& folder) { m_tileStoreFolder = folder; }
    // The store, opened on first use; null without a folder or when no file can be made there.
    TileStore* tileStore();
    // How much memory the mask's tiles may take before releaseTiles() moves predicted ones out.
    void setMemoryBudget(qint64 bytes) { m_memoryBudget = bytes; }
    qint64 memoryBudget() const { return m_memoryBudget; }
    // Takes tiles that have a TileStore copy (predictions, and a mask read from a file too large
    // for memory) out of memory, the farthest from `focus` (image pixels) first, until the tiles
    // in memory take at most 3/4 of the budget; nothing while they take at most the budget, or
    // while a painter is open. Tiles changed since they were stored (a person edited or reviewed
    // them) are never taken out, nor tiles that meet `keep` (the view, whose tiles would only be
    // read back at once). Returns how many were.
    int releaseTiles(QPointF focus, const QRect& keep = QRect());
    // Puts the content of a tile that is only in the store back into memory (read by a worker:
    // the GUI thread never reads the store file). False when the tile is no longer that one.
    bool bringBack(int tileX, int tileY, const std::shared_ptr<const StoredTile>& stored,
                   std::shared_ptr<const MaskTile> tile);

    // For commands: puts the stored before or after states in place and reports the change (to
    // the journal too, unless it is a prediction's).
    void applyTileStates(const QList<TileDiff>& diffs, bool after, bool machineWritten = false);
    void applyPalette(const ClassPalette& palette);

Q_SIGNALS:
    void changed(const QRect& imageRect);
    void edited(const QRect& imageRect);
    void paletteChanged();
    // The new state of tiles after every committed edit, undo and redo: what the journal logs.
    // Not for predictions (they can be made again; on a 40 000² image they are gigabytes).
    void tilesStored(const QList<segstudio::EncodedTile>& tiles);

private:
    friend class MaskPainter;
    LabelMask& editableMask() { return m_mask; }
    void beginPainter(MaskPainter* painter);
    void endPainter(MaskPainter* painter);
    void pushCommitted(QList<TileDiff> diffs, const QString& text, const QRect& area, int mergeId,
                       bool machineWritten);
    QRect tileArea(const QList<TileDiff>& diffs) const;

    std::shared_ptr<const RasterSource> m_image;
    LabelMask m_mask;
    ClassPalette m_palette;
    UndoHistory m_history;
    QString m_maskPath;
    MaskPainter* m_activePainter = nullptr;
    QString m_tileStoreFolder;
    std::unique_ptr<TileStore> m_tileStore;
    bool m_tileStoreFailed = false; // tried once; predictions then stay in memory
    qint64 m_memoryBudget = 512ll * 1024 * 1024;
};

} // namespace segstudio

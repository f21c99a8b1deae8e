#pragma once

#include "annotation/class_palette.h"
#include "annotation/encoded_tile.h"
#include "annotation/undo_history.h"

#include <QHash>

namespace segstudio {

class LabelDocument;

// One edit of mask pixels: the touched tiles before and after, compressed (TileCodec). redo()
// puts the after-tiles back rather than re-running the tool, so it is exact and costs the same
// whatever the tool was. Created already applied (the painter drew it live), so the first
// redo() that push() runs does nothing.
class TileDiffCommand : public SizedUndoCommand {
public:
    // `machineWritten`: a prediction, whose tile states the autosave journal does not log.
    TileDiffCommand(LabelDocument* document, const QString& text, QList<TileDiff> diffs, bool alreadyApplied,
                    int mergeId = -1, bool machineWritten = false);

    void undo() override;
    void redo() override;
    int id() const override { return m_mergeId; }
    // Takes over a later command's tiles: a tile both touched keeps this one's before-state.
    bool mergeWith(const QUndoCommand* other) override;
    qint64 byteSize() const override { return m_bytes; }
    const QList<TileDiff>& diffs() const { return m_diffs; }

private:
    LabelDocument* m_document;
    QList<TileDiff> m_diffs;
    qint64 m_bytes = 0;
    bool m_skipRedo;
    int m_mergeId;
    bool m_machineWritten;
    static qint64 bytesOf(const TileDiff& diff);
    static quint64 positionKey(const TileDiff& diff) {
        return (quint64(quint32(diff.tileY)) << 32) | quint32(diff.tileX);
    }
    QHash<quint64, qsizetype> m_positions; // tile → index in m_diffs, built on the first merge
};

// A change of class names, colours or the class list.
class PaletteCommand : public SizedUndoCommand {
public:
    PaletteCommand(LabelDocument* document, const QString& text, ClassPalette before, ClassPalette after);

    void undo() override;
    void redo() override;
    qint64 byteSize() const override { return 64 * (m_before.size() + m_after.size()); }

private:
    LabelDocument* m_document;
    ClassPalette m_before;
    ClassPalette m_after;
};

} // namespace segstudio

#pragma once

#include "annotation/class_palette.h"
#include "annotation/encoded_tile.h"
#include "annotation/undo_history.h"

namespace segstudio {

class LabelDocument;

// One edit of mask pixels: the touched tiles before and after, compressed (TileCodec). redo()
// puts the after-tiles back rather than re-running the tool, so it is exact and costs the same
// whatever the tool was. Created already applied (the painter drew it live), so the first
// redo() that push() runs does nothing.
class TileDiffCommand : public SizedUndoCommand {
public:
    TileDiffCommand(LabelDocument* document, const QString& text, QList<TileDiff> diffs, bool alreadyApplied);

    void undo() override;
    void redo() override;
    qint64 byteSize() const override { return m_bytes; }
    const QList<TileDiff>& diffs() const { return m_diffs; }

private:
    LabelDocument* m_document;
    QList<TileDiff> m_diffs;
    qint64 m_bytes = 0;
    bool m_skipRedo;
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

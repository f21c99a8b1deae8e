#include "annotation/document_commands.h"

#include "annotation/label_document.h"

namespace segstudio {

TileDiffCommand::TileDiffCommand(LabelDocument* document, const QString& text, QList<TileDiff> diffs,
                                 bool alreadyApplied)
    : SizedUndoCommand(text)
    , m_document(document)
    , m_diffs(std::move(diffs))
    , m_skipRedo(alreadyApplied) {
    for (const TileDiff& diff : m_diffs)
        m_bytes += qint64(sizeof(TileDiff)) + diff.before.size() + diff.after.size();
}

void TileDiffCommand::undo() {
    m_document->applyTileStates(m_diffs, false);
}

void TileDiffCommand::redo() {
    if (m_skipRedo) {
        m_skipRedo = false;
        return;
    }
    m_document->applyTileStates(m_diffs, true);
}

PaletteCommand::PaletteCommand(LabelDocument* document, const QString& text, ClassPalette before,
                               ClassPalette after)
    : SizedUndoCommand(text)
    , m_document(document)
    , m_before(std::move(before))
    , m_after(std::move(after)) {
}

void PaletteCommand::undo() {
    m_document->applyPalette(m_before);
}

void PaletteCommand::redo() {
    m_document->applyPalette(m_after);
}

} // namespace segstudio

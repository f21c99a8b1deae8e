#include "annotation/document_commands.h"

#include "annotation/label_document.h"
#include "annotation/tile_store.h"

#include <algorithm>

namespace segstudio {

TileDiffCommand::TileDiffCommand(LabelDocument* document, const QString& text, QList<TileDiff> diffs,
                                 bool alreadyApplied, int mergeId, bool machineWritten)
    : SizedUndoCommand(text)
    , m_document(document)
    , m_diffs(std::move(diffs))
    , m_skipRedo(alreadyApplied)
    , m_mergeId(mergeId)
    , m_machineWritten(machineWritten) {
    for (const TileDiff& diff : m_diffs)
        m_bytes += bytesOf(diff);
}

qint64 TileDiffCommand::bytesOf(const TileDiff& diff) {
    // A stored state costs its summary here; its pixels are on disk.
    const qint64 stored = (diff.storedBefore ? qint64(sizeof(StoredTile)) : 0) +
                          (diff.storedAfter ? qint64(sizeof(StoredTile)) : 0);
    return qint64(sizeof(TileDiff)) + diff.before.size() + diff.after.size() + stored;
}

bool TileDiffCommand::mergeWith(const QUndoCommand* other) {
    const auto* later = dynamic_cast<const TileDiffCommand*>(other);
    if (!later || later->m_document != m_document || later->m_machineWritten != m_machineWritten)
        return false;
    if (m_positions.isEmpty())
        for (qsizetype i = 0; i < m_diffs.size(); ++i)
            m_positions.insert(positionKey(m_diffs[i]), i);
    for (const TileDiff& diff : later->m_diffs) {
        const auto same = m_positions.constFind(positionKey(diff));
        if (same != m_positions.cend()) {
            TileDiff& mine = m_diffs[*same];
            m_bytes -= bytesOf(mine);
            mine.after = diff.after;
            mine.storedAfter = diff.storedAfter;
            m_bytes += bytesOf(mine);
        } else {
            m_positions.insert(positionKey(diff), m_diffs.size());
            m_diffs.append(diff);
            m_bytes += bytesOf(diff);
        }
    }
    return true;
}

void TileDiffCommand::undo() {
    m_document->applyTileStates(m_diffs, false, m_machineWritten);
}

void TileDiffCommand::redo() {
    if (m_skipRedo) {
        m_skipRedo = false;
        return;
    }
    m_document->applyTileStates(m_diffs, true, m_machineWritten);
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

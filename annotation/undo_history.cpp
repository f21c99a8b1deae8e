#include "annotation/undo_history.h"

namespace segstudio {

UndoHistory::UndoHistory(QObject* parent)
    : QObject(parent) {
}

UndoHistory::~UndoHistory() = default;

qint64 UndoHistory::sizeOf(const QUndoCommand* command) {
    const auto* sized = dynamic_cast<const SizedUndoCommand*>(command);
    return qint64(sizeof(QUndoCommand)) + (sized ? sized->byteSize() : 0);
}

void UndoHistory::push(QUndoCommand* command) {
    std::unique_ptr<QUndoCommand> owned(command);
    if (m_busy)
        return;
    const bool wasClean = isClean();
    m_busy = true;
    owned->redo();
    m_busy = false;
    // Pushing forks history: the undone commands can never be redone again.
    while (count() > m_index) {
        m_bytes -= sizeOf(m_commands.back().get());
        m_commands.pop_back();
    }
    if (m_cleanIndex > m_index)
        m_cleanIndex = -1;
    if (m_index > 0 && owned->id() != -1 && owned->id() == m_commands.back()->id() &&
        m_cleanIndex != m_index) {
        QUndoCommand* top = m_commands.back().get();
        const qint64 before = sizeOf(top);
        if (top->mergeWith(owned.get())) {
            m_bytes += sizeOf(top) - before;
            enforceLimits();
            emitState(wasClean);
            return;
        }
    }
    m_bytes += sizeOf(owned.get());
    m_commands.push_back(std::move(owned));
    ++m_index;
    enforceLimits();
    emitState(wasClean);
}

void UndoHistory::undo() {
    if (!canUndo() || m_busy)
        return;
    const bool wasClean = isClean();
    m_busy = true;
    m_commands[size_t(m_index - 1)]->undo();
    m_busy = false;
    --m_index;
    emitState(wasClean);
}

void UndoHistory::redo() {
    if (!canRedo() || m_busy)
        return;
    const bool wasClean = isClean();
    m_busy = true;
    m_commands[size_t(m_index)]->redo();
    m_busy = false;
    ++m_index;
    emitState(wasClean);
}

void UndoHistory::clear() {
    const bool wasClean = isClean();
    m_commands.clear();
    m_index = 0;
    m_cleanIndex = 0;
    m_bytes = 0;
    emitState(wasClean);
}

QString UndoHistory::undoText() const {
    return canUndo() ? m_commands[size_t(m_index - 1)]->text() : QString();
}

QString UndoHistory::redoText() const {
    return canRedo() ? m_commands[size_t(m_index)]->text() : QString();
}

void UndoHistory::setClean() {
    const bool wasClean = isClean();
    m_cleanIndex = m_index;
    emitState(wasClean);
}

void UndoHistory::setLimits(qint64 maxBytes, int minDepth) {
    m_maxBytes = std::max<qint64>(0, maxBytes);
    m_minDepth = std::max(1, minDepth);
    const bool wasClean = isClean();
    enforceLimits();
    emitState(wasClean);
}

void UndoHistory::enforceLimits() {
    // Drop from the bottom while over budget, keeping at least minDepth undo steps.
    while (m_bytes > m_maxBytes && m_index > m_minDepth) {
        m_bytes -= sizeOf(m_commands.front().get());
        m_commands.erase(m_commands.begin());
        --m_index;
        m_cleanIndex = m_cleanIndex > 0 ? m_cleanIndex - 1 : -1;
        ++m_dropped;
    }
}

void UndoHistory::emitState(bool wasClean) {
    Q_EMIT stateChanged();
    if (wasClean != isClean())
        Q_EMIT cleanChanged(isClean());
}

} // namespace segstudio

#pragma once

#include <QObject>
#include <QUndoCommand>
#include <memory>
#include <vector>

namespace segstudio {

// A QUndoCommand that knows how much memory it holds, so the history can be bounded in bytes.
class SizedUndoCommand : public QUndoCommand {
public:
    using QUndoCommand::QUndoCommand;
    virtual qint64 byteSize() const = 0;
};

// The undo history of a document: QUndoStack's model (push runs redo(), an index into a list
// of commands, a clean index), bounded in bytes instead of in commands. QUndoStack can only
// cap the number of commands, and only while it is empty; one stroke over a large area may
// hold megabytes while a hundred small ones hold kilobytes, so the bound that matters is the
// memory. The oldest commands are dropped when the total goes over maxBytes, but never below
// minDepth undo steps (ITK-SNAP's rule).
class UndoHistory : public QObject {
    Q_OBJECT
public:
    static constexpr qint64 DefaultMaxBytes = 512ll * 1024 * 1024;
    static constexpr int DefaultMinDepth = 10;

    explicit UndoHistory(QObject* parent = nullptr);
    ~UndoHistory() override;

    // Takes ownership and calls command->redo(), as QUndoStack::push does.
    void push(QUndoCommand* command);
    void undo();
    void redo();
    void clear();

    bool canUndo() const { return m_index > 0; }
    bool canRedo() const { return m_index < count(); }
    QString undoText() const;
    QString redoText() const;
    int count() const { return int(m_commands.size()); }
    int index() const { return m_index; }
    const QUndoCommand* command(int i) const { return m_commands[size_t(i)].get(); }

    void setClean();
    bool isClean() const { return m_cleanIndex == m_index; }
    int cleanIndex() const { return m_cleanIndex; } // -1 when the clean state was dropped

    void setLimits(qint64 maxBytes, int minDepth);
    qint64 maxBytes() const { return m_maxBytes; }
    int minDepth() const { return m_minDepth; }
    qint64 bytes() const { return m_bytes; }
    int droppedCommands() const { return m_dropped; }

Q_SIGNALS:
    // Any change of index, count, texts or clean state.
    void stateChanged();
    void cleanChanged(bool clean);

private:
    static qint64 sizeOf(const QUndoCommand* command);
    void enforceLimits();
    void emitState(bool wasClean);

    std::vector<std::unique_ptr<QUndoCommand>> m_commands;
    int m_index = 0;
    int m_cleanIndex = 0;
    qint64 m_bytes = 0;
    qint64 m_maxBytes = DefaultMaxBytes;
    int m_minDepth = DefaultMinDepth;
    int m_dropped = 0;
    bool m_busy = false; // inside undo()/redo(): a command must not re-enter the history
};

} // namespace segstudio

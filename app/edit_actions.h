#pragma once

#include <QObject>
#include <QPointer>

class QAction;
class QMainWindow;
class QMenu;

namespace segstudio {

class ClassPanel;
class DocumentSession;
class LabelDocument;
class ToolBox;

// The labeling entries of the main window's menus: Save Mask, Save Mask As, Import Mask (File);
// Undo, Redo, Mark Whole Image Reviewed, Add Class and the Tools submenu (Edit). Undo and redo
// follow the current document's history (enabled state and "Undo Brush" texts). Their
// shortcuts are also registered on the window, so they work wherever the focus is.
class EditActions : public QObject {
    Q_OBJECT
public:
    EditActions(QMainWindow* window, DocumentSession* session, ClassPanel* classes, ToolBox* tools);

    // Adds the entries: to `file` before its last entry (Quit), and an Edit menu after it.
    void install(QMenu* file);
    void setDocument(LabelDocument* document);
    QAction* undoAction() const { return m_undo; }
    QAction* redoAction() const { return m_redo; }

public Q_SLOTS:
    // Asks where to save (a modal file dialog) and saves there in the background.
    void saveAs();
    void importMask();

Q_SIGNALS:
    void historyChanged(); // the current document's history moved (the title shows "*")

private:
    void updateUndo();

    QMainWindow* m_window;
    DocumentSession* m_session;
    ClassPanel* m_classes;
    ToolBox* m_tools;
    QPointer<LabelDocument> m_document;
    QAction* m_save;
    QAction* m_saveAs;
    QAction* m_import;
    QAction* m_undo;
    QAction* m_redo;
};

} // namespace segstudio

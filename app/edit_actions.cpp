#include "app/edit_actions.h"

#include "annotation/label_document.h"
#include "annotation/mask_painter.h"
#include "annotation/mask_tools.h"
#include "annotation/raster_source.h"
#include "app/document_session.h"
#include "ui/class_panel.h"
#include "ui/tool_box.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>

namespace segstudio {

EditActions::EditActions(QMainWindow* window, DocumentSession* session, ClassPanel* classes, ToolBox* tools)
    : QObject(window)
    , m_window(window)
    , m_session(session)
    , m_classes(classes)
    , m_tools(tools)
    , m_save(new QAction(tr("&Save Mask"), this))
    , m_saveAs(new QAction(tr("Save Mask &As…"), this))
    , m_import(new QAction(tr("&Import Mask…"), this))
    , m_undo(new QAction(tr("&Undo"), this))
    , m_redo(new QAction(tr("&Redo"), this)) {
    m_save->setObjectName(QStringLiteral("saveMask"));
    m_save->setShortcut(QKeySequence::Save);
    connect(m_save, &QAction::triggered, session, &DocumentSession::save);
    m_saveAs->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    connect(m_saveAs, &QAction::triggered, this, &EditActions::saveAs);
    connect(m_import, &QAction::triggered, this, &EditActions::importMask);
    m_undo->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Z));
    m_redo->setShortcuts(
        {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence(Qt::CTRL | Qt::Key_Y)});
    connect(m_undo, &QAction::triggered, this, [this] {
        if (m_document)
            m_document->undo();
    });
    connect(m_redo, &QAction::triggered, this, [this] {
        if (m_document)
            m_document->redo();
    });
    connect(session, &DocumentSession::needsPath, this, &EditActions::saveAs);
    setDocument(nullptr);
}

void EditActions::install(QMenu* file) {
    QAction* quit = file->actions().last();
    file->insertActions(quit, {m_save, m_saveAs, m_import});
    file->insertSeparator(quit);

    // File, Edit, View: the Edit menu goes right after File.
    QMenuBar* bar = m_window->menuBar();
    auto* edit = new QMenu(tr("&Edit"), m_window);
    bar->insertMenu(bar->actions().value(1), edit);
    edit->addAction(m_undo);
    edit->addAction(m_redo);
    edit->addSeparator();
    edit->addAction(tr("Mark Whole Image &Reviewed"), this, [this] {
        if (!m_document)
            return;
        MaskPainter painter(*m_document, tr("Mark all reviewed"));
        MaskTools::markReviewed(painter, m_document->mask(), QPolygonF());
        painter.commit();
    });
    edit->addAction(tr("&Add Class"), m_classes, &ClassPanel::addClass);
    edit->addSeparator();
    QMenu* tools = edit->addMenu(tr("&Tools"));
    for (int tool = int(ToolBox::Tool::Navigate); tool <= int(ToolBox::Tool::TakeComparison); ++tool)
        tools->addAction(m_tools->action(ToolBox::Tool(tool)));
    m_window->addActions({m_save, m_saveAs, m_undo, m_redo});
    m_window->addActions(m_tools->actions());
}

void EditActions::setDocument(LabelDocument* document) {
    if (m_document)
        disconnect(&m_document->history(), nullptr, this, nullptr);
    m_document = document;
    if (document)
        connect(&document->history(), &UndoHistory::stateChanged, this, &EditActions::updateUndo);
    for (QAction* action : {m_save, m_saveAs, m_import})
        action->setEnabled(document != nullptr);
    updateUndo();
}

void EditActions::updateUndo() {
    const UndoHistory* history = m_document ? &m_document->history() : nullptr;
    const bool canUndo = history && history->canUndo();
    const bool canRedo = history && history->canRedo();
    m_undo->setEnabled(canUndo);
    m_redo->setEnabled(canRedo);
    m_undo->setText(canUndo ? tr("&Undo %1").arg(history->undoText()) : tr("&Undo"));
    m_redo->setText(canRedo ? tr("&Redo %1").arg(history->redoText()) : tr("&Redo"));
    Q_EMIT historyChanged();
}

void EditActions::saveAs() {
    if (!m_document || !m_document->image())
        return;
    const QFileInfo image(m_document->image()->info().path);
    const QString suggested =
        m_document->maskPath().isEmpty()
            ? image.absoluteDir().filePath(image.completeBaseName() + QStringLiteral("_mask.png"))
            : m_document->maskPath();
    const QString path = QFileDialog::getSaveFileName(m_window, tr("Save mask"), suggested,
                                                      tr("Indexed PNG (*.png);;GeoTIFF (*.tif *.tiff)"));
    if (!path.isEmpty())
        m_session->saveAs(path);
}

void EditActions::importMask() {
    if (!m_document || !m_document->image())
        return;
    const QString path = QFileDialog::getOpenFileName(
        m_window, tr("Import mask"), QFileInfo(m_document->image()->info().path).absolutePath(),
        tr("Masks (*.png *.tif *.tiff);;All files (*)"));
    if (!path.isEmpty())
        m_session->importMask(path);
}

} // namespace segstudio

#include "app/main_window.h"

#include "annotation/raster_source.h"
#include "annotation/source_policy.h"
#include "annotation/tile_pyramid.h"
#include "app/comparison_actions.h"
#include "app/coordinate_text.h"
#include "app/edit_actions.h"
#include "app/jobs/project_files.h"
#include "app/map_exports.h"
#include "app/model_actions.h"
#include "app/project_browser.h"
#include "app/project_exports.h"
#include "ui/class_panel.h"
#include "ui/image_info_panel.h"
#include "ui/map_canvas.h"
#include "ui/mask_overlay.h"
#include "ui/tile_service_dialog.h"
#include "ui/tool_box.h"
#include "ui/tool_settings.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QToolBar>
#include <QtConcurrent>

namespace segstudio {
namespace {

constexpr int MaxRecentFiles = 10;
const QString RecentFilesKey = QStringLiteral("recentFiles");

QString imageFileFilter() {
    return QObject::tr(
        "Images and rasters (*.tif *.tiff *.png *.jpg *.jpeg *.jp2 *.vrt *.img *.mbtiles *.xml "
        "*.bmp *.gif *.webp);;All files (*)");
}

QLabel* statusLabel(const QString& name, int minimumWidth) {
    auto* label = new QLabel;
    label->setObjectName(name);
    label->setMinimumWidth(minimumWidth);
    return label;
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_canvas(new MapCanvas(this))
    , m_info(new ImageInfoPanel(this))
    , m_toolSettings(new ToolSettings(this))
    , m_overlay(new MaskOverlay(m_canvas, this))
    , m_classPanel(new ClassPanel(m_toolSettings, m_overlay, this))
    , m_toolBox(new ToolBox(m_canvas, m_toolSettings, m_classPanel, this))
    , m_session(new DocumentSession(journalDirectory(), this, this))
    , m_editActions(new EditActions(this, m_session, m_classPanel, m_toolBox))
    , m_modelActions(new ModelActions(this, m_canvas, m_overlay))
    , m_mapExports(new MapExports(this, m_session))
    , m_projectBrowser(new ProjectBrowser(this))
    , m_pixelLabel(statusLabel(QStringLiteral("pixelPosition"), 120))
    , m_mapLabel(statusLabel(QStringLiteral("mapPosition"), 260))
    , m_lonLatLabel(statusLabel(QStringLiteral("lonLatPosition"), 220))
    , m_zoomLabel(statusLabel(QStringLiteral("zoomLevel"), 110))
    , m_networkLabel(statusLabel(QStringLiteral("networkSource"), 0))
    , m_attributionLabel(statusLabel(QStringLiteral("imageryAttribution"), 0)) {
    setWindowTitle(tr("segstudio"));
    setAcceptDrops(true);
    m_canvas->setObjectName(QStringLiteral("mapCanvas"));
    setCentralWidget(m_canvas);

    auto* dock = new QDockWidget(tr("Image"), this);
    dock->setObjectName(QStringLiteral("imageDock"));
    dock->setWidget(m_info);
    addDockWidget(Qt::RightDockWidgetArea, dock);
    auto* classDock = new QDockWidget(tr("Classes"), this);
    classDock->setObjectName(QStringLiteral("classDock"));
    classDock->setWidget(m_classPanel);
    addDockWidget(Qt::RightDockWidgetArea, classDock);
    splitDockWidget(classDock, dock, Qt::Vertical);

    statusBar()->addWidget(m_pixelLabel);
    statusBar()->addWidget(m_mapLabel);
    statusBar()->addWidget(m_lonLatLabel);
    statusBar()->addPermanentWidget(m_attributionLabel);
    statusBar()->addPermanentWidget(m_networkLabel);
    statusBar()->addPermanentWidget(m_zoomLabel);
    m_networkLabel->setText(tr("⚠ Network source"));
    m_networkLabel->setToolTip(
        tr("This image reads from a server: network sources are allowed in Preferences."));
    m_networkLabel->hide();
    m_attributionLabel->hide();

    createActions();
    createEditActions();
    connect(m_canvas, &MapCanvas::cursorMoved, this, &MainWindow::updateCursorTexts);
    connect(m_canvas, &MapCanvas::cursorLeft, this, &MainWindow::clearCursorTexts);
    connect(m_canvas, &MapCanvas::viewChanged, this, &MainWindow::updateZoomText);
    connect(m_canvas, &MapCanvas::tileLoadFailed, this, [this](const QString& message) {
        statusBar()->showMessage(tr("Part of the image could not be read: %1").arg(message), 10000);
    });
    connect(m_info, &ImageInfoPanel::displayRequested, this,
            [this](std::array<int, 3> bands, StretchKind stretch) {
                const auto source = m_canvas->source();
                if (!source)
                    return;
                const quint64 request = ++m_displayRequest;
                auto* watcher = new QFutureWatcher<std::pair<DisplaySettings, QString>>(this);
                connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, request, source] {
                    watcher->deleteLater();
                    if (request != m_displayRequest || source != m_canvas->source())
                        return; // superseded by a later choice or another image
                    const auto& [display, error] = watcher->result();
                    if (!error.isEmpty()) {
                        // Keep showing the image as it was rather than with a half-computed stretch.
                        statusBar()->showMessage(tr("Cannot change the display: %1").arg(error), 10000);
                        return;
                    }
                    m_canvas->setDisplaySettings(display);
                });
                watcher->setFuture(QtConcurrent::run([source, bands, stretch] {
                    QString error;
                    DisplaySettings display = source->computeDisplay(bands, stretch, &error);
                    return std::make_pair(display, error);
                }));
            });

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    if (!settings.contains(QStringLiteral("window/geometry")))
        resize(1280, 800);
    updateZoomText();
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open…"), this, &MainWindow::showOpenDialog);
    open->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addAction(tr("Open &Tile Service…"), this, [this] {
        TileServiceDialog dialog(this);
        if (dialog.exec() == QDialog::Accepted && !dialog.source().isEmpty())
            openFile(dialog.source()); // a tile folder too: its tiles, not a project of them
    });
    file->addSeparator();
    m_mapExports->installExport(file);
    connect(m_mapExports, &MapExports::exportFailed, this,
            [this](const QString& text) { showError(tr("Cannot export polygons"), text); });
    connect(m_mapExports, &MapExports::message, this, [this](const QString& text, int milliseconds) {
        if (text.isEmpty())
            statusBar()->clearMessage();
        else
            statusBar()->showMessage(text, milliseconds);
    });
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    rebuildRecentMenu();

    QMenu* view = menuBar()->addMenu(tr("&View"));
    QAction* zoomIn = view->addAction(tr("Zoom &In"), m_canvas, &MapCanvas::zoomIn);
    zoomIn->setShortcut(QKeySequence::ZoomIn);
    QAction* zoomOut = view->addAction(tr("Zoom &Out"), m_canvas, &MapCanvas::zoomOut);
    zoomOut->setShortcut(QKeySequence::ZoomOut);
    QAction* fit = view->addAction(tr("&Fit to Window"), m_canvas, &MapCanvas::fitToWindow);
    fit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    QAction* actual = view->addAction(tr("&Actual Pixels (1:1)"), m_canvas, &MapCanvas::zoomToActualSize);
    actual->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    view->addSeparator();
    m_mapExports->installAreasToggle(view);
    m_comparisonActions = new ComparisonActions(this);
    m_comparisonActions->install(view);
    connect(m_comparisonActions, &ComparisonActions::failed, this,
            [this](const QString& text) { showError(tr("Cannot compare"), text); });

    QToolBar* toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    open->setIcon(style()->standardIcon(QStyle::SP_DialogOpenButton));
    toolbar->addAction(open);
    toolbar->addSeparator();
    toolbar->addAction(zoomIn);
    toolbar->addAction(zoomOut);
    toolbar->addAction(fit);
    toolbar->addAction(actual);
    // On the window itself too, so the shortcuts never depend on a menu or a toolbar button
    // being visible (a crowded toolbar hides buttons in its overflow).
    addActions({open, zoomIn, zoomOut, fit, actual});
    for (QAction* action : {open, zoomIn, zoomOut, fit, actual})
        action->setToolTip(
            QStringLiteral("%1 (%2)").arg(action->text().remove(QLatin1Char('&')).remove(QStringLiteral("…")),
                                          action->shortcut().toString(QKeySequence::NativeText)));
}

QString MainWindow::journalDirectory() {
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/journals");
}

LabelDocument* MainWindow::document() const {
    return m_session->document();
}

void MainWindow::createEditActions() {
    m_editActions->install(menuBar()->actions().first()->menu());
    addToolBarBreak(); // the tools get their own row: on one row with the main toolbar they overflow
    addToolBar(m_toolBox->createToolBar(this));
    connect(m_editActions, &EditActions::historyChanged, this, &MainWindow::updateTitle);
    connect(m_session, &DocumentSession::documentChanged, this, [this](LabelDocument* document) {
        m_overlay->setDocument(document);
        m_classPanel->setDocument(document);
        m_toolBox->setDocument(document);
        m_editActions->setDocument(document);
        m_modelActions->setDocument(document);
    });
    connect(m_session, &DocumentSession::ready, this, &MainWindow::documentReady);
    connect(m_session, &DocumentSession::message, this,
            [this](const QString& text) { statusBar()->showMessage(text); });
    connect(m_session, &DocumentSession::saved, this, [this](const QString& path) {
        statusBar()->showMessage(tr("Saved %1").arg(QFileInfo(path).fileName()), 5000);
        updateTitle();
        Q_EMIT maskSaved(path);
        if (m_closeAfterSave)
            close();
    });
    connect(m_session, &DocumentSession::saveFailed, this, [this](const QString& message) {
        m_closeAfterSave = false;
        statusBar()->clearMessage();
        showError(tr("Cannot save the mask"), message);
        Q_EMIT maskSaveFailed(message);
    });
    connect(m_session, &DocumentSession::importFailed, this,
            [this](const QString& message) { showError(tr("Cannot import the mask"), message); });
    connect(m_session, &DocumentSession::journalRestored, this, [this](int tiles) {
        statusBar()->showMessage(tr("Restored %n tile(s) of unsaved edits", nullptr, tiles), 8000);
    });
    connect(m_toolBox, &ToolBox::message, this,
            [this](const QString& text) { statusBar()->showMessage(text, 5000); });
    connect(m_toolBox, &ToolBox::failed, this, [this](const QString& text) { showError(tr("Tool"), text); });
    m_modelActions->install(nullptr); // after View
    connect(m_modelActions, &ModelActions::failed, this, &MainWindow::showError);
    m_projectBrowser->install(menuBar()->actions().first()->menu());
    auto* projectExports = new ProjectExports(this, m_projectBrowser);
    projectExports->install(menuBar()->actions().first()->menu());
    connect(projectExports, &ProjectExports::exportFailed, this,
            [this](const QString& text) { showError(tr("Cannot export the dataset"), text); });
    connect(projectExports, &ProjectExports::message, this,
            [this](const QString& text, int milliseconds) { statusBar()->showMessage(text, milliseconds); });
    connect(m_projectBrowser, &ProjectBrowser::projectFailed, this,
            [this](const QString& text) { showError(tr("Cannot open the project"), text); });
    connect(m_projectBrowser, &ProjectBrowser::message, this,
            [this](const QString& text, int milliseconds) { statusBar()->showMessage(text, milliseconds); });
    connect(m_modelActions, &ModelActions::status, this,
            [this](const QString& text, int milliseconds) { statusBar()->showMessage(text, milliseconds); });
}

void MainWindow::updateTitle() {
    const LabelDocument* doc = document();
    if (!m_canvas->source())
        return;
    QString title = QFileInfo(currentPath()).fileName();
    if (doc && !doc->maskPath().isEmpty())
        title += QStringLiteral(" + ") + QFileInfo(doc->maskPath()).fileName();
    if (doc && doc->isModified())
        title += QStringLiteral(" *");
    setWindowTitle(tr("%1 — segstudio").arg(title));
}

void MainWindow::showOpenDialog() {
    const QString start = QFileInfo(currentPath()).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open image"), start, imageFileFilter());
    if (!path.isEmpty())
        openFile(path);
}

void MainWindow::openFile(const QString& path, const QString& maskPath,
                          const DocumentSession::LoadOptions& options) {
    const quint64 request = ++m_openRequest;
    statusBar()->showMessage(tr("Opening %1…").arg(QFileInfo(path).fileName()));
    auto* watcher = new QFutureWatcher<OpenResult>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, request, path] {
        watcher->deleteLater();
        onOpenFinished(request, path, watcher->result());
    });
    watcher->setFuture(QtConcurrent::run([path, maskPath, options, journals = journalDirectory()] {
        OpenResult result;
        result.source = RasterSource::open(path, &result.error);
        if (result.source) {
            result.loaded = DocumentSession::load(*result.source, maskPath, journals, options);
            result.readsNetwork = SourcePolicy::readsNetwork(path);
        }
        return result;
    }));
}

void MainWindow::onOpenFinished(quint64 request, const QString& path, const OpenResult& result) {
    if (request != m_openRequest)
        return; // the user asked for another file meanwhile
    if (!result.source) {
        statusBar()->clearMessage();
        showError(tr("Cannot open image"), result.error);
        Q_EMIT openFailed(path, result.error);
        return;
    }
    m_canvas->setSource(result.source);
    m_networkLabel->setVisible(result.readsNetwork);
    // Tile services ask to be credited wherever their imagery is shown.
    const QString credit = result.source->info().attribution;
    m_attributionLabel->setText(credit.startsWith(QChar(0xA9)) ? credit : tr("Imagery: %1").arg(credit));
    m_attributionLabel->setToolTip(tr("Credit for the imagery, from the file's metadata"));
    m_attributionLabel->setVisible(!credit.isEmpty());
    m_info->setSource(result.source.get(), m_canvas->displaySettings());
    m_session->start(result.source, result.loaded);
    updateTitle();
    statusBar()->showMessage(tr("Opened %1").arg(QFileInfo(path).fileName()), 5000);
    clearCursorTexts();
    addRecentFile(result.source->info().path);
    if (!result.loaded.maskError.isEmpty())
        showError(tr("Cannot open the mask"),
                  tr("%1\n\nThe image is open with an empty mask; saving asks for a new file name.")
                      .arg(result.loaded.maskError));
    Q_EMIT sourceOpened(path);
}

QString MainWindow::currentPath() const {
    return m_canvas->source() ? m_canvas->source()->info().path : QString();
}

void MainWindow::updateCursorTexts(QPointF imagePosition) {
    const auto& source = m_canvas->source();
    if (!source)
        return;
    const QString pixel = pixelText(imagePosition, source->info().width, source->info().height);
    if (pixel.isEmpty()) {
        clearCursorTexts();
        return;
    }
    m_pixelLabel->setText(pixel);
    m_mapLabel->setText(mapText(imagePosition, source->georeference()));
    m_lonLatLabel->setText(lonLatText(imagePosition, source->georeference()));
}

void MainWindow::clearCursorTexts() {
    m_pixelLabel->clear();
    m_mapLabel->clear();
    m_lonLatLabel->clear();
}

void MainWindow::updateZoomText() {
    m_zoomLabel->setText(
        tr("Zoom %1 %").arg(m_canvas->view().scale() * 100, 0, 'f', m_canvas->view().scale() < 0.1 ? 2 : 0));
}

QStringList MainWindow::recentFiles() const {
    return QSettings().value(RecentFilesKey).toStringList();
}

void MainWindow::addRecentFile(const QString& path) {
    QStringList files = recentFiles();
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > MaxRecentFiles)
        files.removeLast();
    QSettings().setValue(RecentFilesKey, files);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    m_recentMenu->clear();
    const QStringList files = recentFiles();
    for (const QString& path : files)
        m_recentMenu->addAction(QFileInfo(path).fileName(), this, [this, path] { openFile(path); })
            ->setToolTip(path);
    m_recentMenu->setEnabled(!files.isEmpty());
}

void MainWindow::showError(const QString& title, const QString& message) {
    // Window-modal but not blocking: the event loop (and tile loading) keeps running.
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("errorMessage"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.first().isLocalFile())
        return;
    event->acceptProposedAction();
    openPath(urls.first().toLocalFile());
}

void MainWindow::openPath(const QString& path, const QString& maskPath) {
    // A folder of map tiles is one image (a mosaic), not a project of its tiles.
    const bool folder = QFileInfo(path).isDir();
    if ((folder && !TilePyramid::looksLikeTileFolder(path)) || ProjectFiles::isProjectFile(path))
        m_projectBrowser->openProject(path);
    else
        openFile(path, maskPath);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (m_session->isSaving()) {
        m_closeAfterSave = true; // close when the save is done
        event->ignore();
        return;
    }
    if (document() && document()->isModified()) {
        const auto answer = QMessageBox::warning(
            this, tr("Unsaved edits"), tr("The mask has unsaved edits. Save them before closing?"),
            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
        if (answer == QMessageBox::Cancel) {
            event->ignore();
            return;
        }
        if (answer == QMessageBox::Save) {
            m_closeAfterSave = true;
            if (m_session->save() || m_session->isSaving()) {
                event->ignore();
                return;
            }
            m_closeAfterSave = false;
            event->ignore(); // the save-as dialog was cancelled
            return;
        }
        m_session->discardJournal();
        document()->history().setClean();
    }
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    QMainWindow::closeEvent(event);
}

} // namespace segstudio

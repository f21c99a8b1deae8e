#pragma once

#include "app/document_session.h"

#include <QFutureWatcher>
#include <QMainWindow>
#include <memory>

class QLabel;
class QMenu;

namespace segstudio {

class ClassPanel;
class ComparisonActions;
class EditActions;
class ImageInfoPanel;
class LabelDocument;
class MapCanvas;
class MaskOverlay;
class MapExports;
class ModelActions;
class ProjectBrowser;
class RasterSource;
class ToolBox;
class ToolSettings;

// The application window: the map canvas with the label overlay in the middle, the editing
// tools, the Classes and Image docks, the status bar with pixel, map and geographic coordinates,
// and the File, Edit and View menus. Images and masks open on a worker thread and masks save on
// one; a file that cannot be read leaves the window exactly as it was and says why.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // A message box over the window (the window's one way to say something went wrong).
    void showError(const QString& title, const QString& message);
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Starts opening `path` (and the label mask `maskPath`, created on the first save if it does
    // not exist) in the background; sourceOpened() or openFailed() follows, then documentReady().
    void openFile(const QString& path, const QString& maskPath = QString(),
                  const DocumentSession::LoadOptions& options = {});
    // A folder of images or a .segproj file opens as a project, anything else as an image.
    void openPath(const QString& path, const QString& maskPath = QString());
    MapCanvas* canvas() const { return m_canvas; }
    ImageInfoPanel* imageInfo() const { return m_info; }
    LabelDocument* document() const;
    DocumentSession* session() const { return m_session; }
    ToolBox* toolBox() const { return m_toolBox; }
    ToolSettings* toolSettings() const { return m_toolSettings; }
    ClassPanel* classPanel() const { return m_classPanel; }
    MaskOverlay* overlay() const { return m_overlay; }
    ModelActions* modelActions() const { return m_modelActions; }
    MapExports* mapExports() const { return m_mapExports; }
    ProjectBrowser* projectBrowser() const { return m_projectBrowser; }
    ComparisonActions* comparisonActions() const { return m_comparisonActions; }
    // Where autosave journals live (the application's data folder).
    static QString journalDirectory();
    QString currentPath() const;
    QStringList recentFiles() const;

Q_SIGNALS:
    void sourceOpened(const QString& path);
    void openFailed(const QString& path, const QString& message);
    void documentReady();
    void maskSaved(const QString& path);
    void maskSaveFailed(const QString& message);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    struct OpenResult {
        std::shared_ptr<RasterSource> source;
        QString error;
        DocumentSession::Loaded loaded;
        bool readsNetwork = false; // the image reads from a server (allowed in Preferences)
    };
    void createActions();
    void createEditActions();
    void updateTitle();
    void showOpenDialog();
    void onOpenFinished(quint64 request, const QString& path, const OpenResult& result);
    void updateCursorTexts(QPointF imagePosition);
    void clearCursorTexts();
    void updateZoomText();
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();

    MapCanvas* m_canvas;
    ImageInfoPanel* m_info;
    ToolSettings* m_toolSettings;
    MaskOverlay* m_overlay;
    ClassPanel* m_classPanel;
    ToolBox* m_toolBox;
    DocumentSession* m_session;
    EditActions* m_editActions;
    ModelActions* m_modelActions;
    MapExports* m_mapExports;
    ProjectBrowser* m_projectBrowser;
    ComparisonActions* m_comparisonActions = nullptr;
    bool m_closeAfterSave = false;
    QMenu* m_recentMenu = nullptr;
    QLabel* m_pixelLabel;
    QLabel* m_mapLabel;
    QLabel* m_lonLatLabel;
    QLabel* m_zoomLabel;
    QLabel* m_networkLabel;     // shown while the open image reads from a server
    QLabel* m_attributionLabel; // the open image's credit (an MBTiles attribution), when it has one
    quint64 m_openRequest = 0;
    quint64 m_displayRequest = 0;
};

} // namespace segstudio

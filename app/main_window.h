#pragma once

#include <QFutureWatcher>
#include <QMainWindow>
#include <memory>

class QLabel;
class QMenu;

namespace segstudio {

class ImageInfoPanel;
class MapCanvas;
class RasterSource;

// The application window: the map canvas in the middle, the image dock, the status bar with
// pixel, map and geographic coordinates, the File and View menus. Files open on a worker
// thread; a file that cannot be read leaves the window exactly as it was and says why.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Starts opening `path` in the background; sourceOpened() or openFailed() follows.
    void openFile(const QString& path);
    MapCanvas* canvas() const { return m_canvas; }
    ImageInfoPanel* imageInfo() const { return m_info; }
    QString currentPath() const;
    QStringList recentFiles() const;

Q_SIGNALS:
    void sourceOpened(const QString& path);
    void openFailed(const QString& path, const QString& message);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    struct OpenResult {
        std::shared_ptr<RasterSource> source;
        QString error;
    };
    void createActions();
    void showOpenDialog();
    void onOpenFinished(quint64 request, const QString& path, const OpenResult& result);
    void updateCursorTexts(QPointF imagePosition);
    void clearCursorTexts();
    void updateZoomText();
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();
    void showError(const QString& title, const QString& message);

    MapCanvas* m_canvas;
    ImageInfoPanel* m_info;
    QMenu* m_recentMenu = nullptr;
    QLabel* m_pixelLabel;
    QLabel* m_mapLabel;
    QLabel* m_lonLatLabel;
    QLabel* m_zoomLabel;
    quint64 m_openRequest = 0;
    quint64 m_displayRequest = 0;
};

} // namespace segstudio

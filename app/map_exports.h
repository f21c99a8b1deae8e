#pragma once

#include <QObject>
#include <QString>

class QMenu;
class QMainWindow;

namespace segstudio {

class AreasPanel;
class DocumentSession;

// The land-cover outputs of the window: File ▸ Export Polygons (the mask as a GeoPackage or
// GeoJSON, through the same LabelPolygons the command line uses) and the Areas dock (per-class
// area of the mask with a bar chart). Both work on a snapshot of the mask on a worker thread.
class MapExports : public QObject {
    Q_OBJECT
public:
    MapExports(QMainWindow* window, DocumentSession* session);

    void installExport(QMenu* file);      // File ▸ Export Polygons…
    void installAreasToggle(QMenu* view); // View ▸ Areas
    AreasPanel* areasPanel() const { return m_areas; }

public Q_SLOTS:
    // Without a dialog (the action asks for the path, tests call this).
    void exportPolygons(const QString& path);
    void measureAreas();

Q_SIGNALS:
    void polygonsExported(const QString& path, qint64 features);
    void exportFailed(const QString& message);
    void areasMeasured();
    void message(const QString& text, int milliseconds);

private:
    void askForPolygonsPath();

    QMainWindow* m_window;
    DocumentSession* m_session;
    AreasPanel* m_areas;
};

} // namespace segstudio

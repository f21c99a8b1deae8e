#pragma once

#include "annotation/dataset_export.h"

#include <QObject>
#include <QString>
#include <optional>

class QAction;
class QMenu;

namespace segstudio {

class MainWindow;
class ProjectBrowser;

// File ▸ Export Dataset of a project: its masks as Pascal VOC or COCO (exportDataset(), what
// `segstudio-cli export` runs), on a worker thread. Unsaved edits of the open image are saved
// first, so the export holds what the window shows.
class ProjectExports : public QObject {
    Q_OBJECT
public:
    ProjectExports(MainWindow* window, ProjectBrowser* browser);
    ~ProjectExports() override;

    void install(QMenu* file);
    QAction* exportAction() const { return m_action; }

public Q_SLOTS:
    // Without a dialog (the action asks, tests call this).
    void exportTo(const QString& folder, const segstudio::DatasetExportOptions& options);

Q_SIGNALS:
    void exported(const QString& folder, int images, qint64 annotations);
    void exportFailed(const QString& message);
    void message(const QString& text, int milliseconds);

private:
    void askAndExport();
    void start(const QString& folder, const DatasetExportOptions& options);

    MainWindow* m_window;
    ProjectBrowser* m_browser;
    QAction* m_action = nullptr;
    bool m_running = false;
    // Waiting for the open image's mask to be saved.
    std::optional<std::pair<QString, DatasetExportOptions>> m_afterSave;
};

} // namespace segstudio

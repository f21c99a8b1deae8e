#pragma once

#include <QObject>
#include <QString>
#include <atomic>
#include <memory>
#include <optional>

class QAction;
class QMenu;

namespace segstudio {

class MainWindow;
class ProjectBrowser;

// Images ▸ Score Against References: a folder of reference masks (inside the project) is matched
// to the project's images by path or name, and every image's mask is scored against its
// reference on a worker thread: per-image mIoU in the Images dock (sortable, worst first) and the
// dataset's pooled mIoU. Afterwards each image's figure follows the person's edits (the project
// browser re-scores a mask when it saves it).
class ProjectScores : public QObject {
    Q_OBJECT
public:
    ProjectScores(MainWindow* window, ProjectBrowser* browser);
    ~ProjectScores() override;

    void install(QMenu* images);
    QAction* scoreAction() const { return m_action; }

public Q_SLOTS:
    void scoreAgainst(const QString& folder); // without the dialog

Q_SIGNALS:
    // `pooledMiou` over the confusion matrices of all scored images summed; -1 when undefined.
    void scored(int images, double pooledMiou);
    void failed(const QString& message);
    void message(const QString& text, int milliseconds);

private:
    void start(const QString& folder);

    MainWindow* m_window;
    ProjectBrowser* m_browser;
    QAction* m_action = nullptr;
    bool m_running = false;
    std::optional<QString> m_afterSave; // the folder, once the open image's mask is saved
    std::shared_ptr<std::atomic<bool>> m_cancel = std::make_shared<std::atomic<bool>>(false);
};

} // namespace segstudio

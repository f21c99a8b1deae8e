#pragma once

#include "annotation/dataset_project.h"

#include <QFuture>
#include <QObject>
#include <functional>
#include <memory>
#include <optional>

class QAction;
class QDockWidget;
class QMenu;

namespace segstudio {

class ImagesPanel;
class LabelMask;
class MainWindow;
class ProjectImageModel;
class ProjectLearning;
class ProjectScores;
class ProjectSegmentation;

// A project in the window: File ▸ New Project from Folder / Open Project, the Images dock, and
// going from image to image (next, previous, next not reviewed, next most uncertain, Mark
// Reviewed and Go to Next). Leaving an image saves its mask first (atomically, on the session's
// worker) when it has unsaved edits, so switching never loses anything; the journal covers the
// edits in between as for a single image. After every save of a project image its entry (status,
// share of pixels a person changed, mean confidence of the prediction) is brought up to date and
// the project file is written, on a worker thread, one write at a time.
class ProjectBrowser : public QObject {
    Q_OBJECT
public:
    explicit ProjectBrowser(MainWindow* window);
    ~ProjectBrowser() override;

    void install(QMenu* file); // the File entries, the Images menu and dock

    // Opens a .segproj file, or a folder (its project, or a new one written into it).
    void openProject(const QString& path);
    const DatasetProject* project() const { return m_project ? &*m_project : nullptr; }
    int currentImage() const { return m_current; }
    ImagesPanel* imagesPanel() const { return m_panel; }
    QDockWidget* imagesDock() const { return m_dock; }
    ProjectLearning* learning() const { return m_learning; }
    ProjectSegmentation* segmentation() const { return m_segmentation; }
    ProjectScores* scores() const { return m_scores; }
    QAction* nextAction() const { return m_next; }
    QAction* previousAction() const { return m_previous; }
    QAction* nextNotReviewedAction() const { return m_nextNotReviewed; }
    QAction* nextUncertainAction() const { return m_nextUncertain; }
    QAction* reviewAndNextAction() const { return m_reviewAndNext; }
    // Records a model version stored in the project's folder and writes the project file.
    void addModel(const ProjectModel& model);
    // Image `index` was predicted into its project mask (outside the window): it is "predicted"
    // unless a person worked on it, with this mean confidence.
    void recordPrediction(int index, double meanConfidence);
    // Reference masks found for images, and their masks' mIoU against them (-1: not scored).
    void recordReferenceScores(const QHash<int, QString>& references, const QHash<int, double>& scores);

public Q_SLOTS:
    void goTo(int index);
    void goToNext();
    void goToPrevious();
    void goToNextNotReviewed();
    void goToNextUncertain();
    void markReviewedAndGoToNext();

Q_SIGNALS:
    void projectOpened(const QString& path);
    void projectFailed(const QString& message);
    void imageOpened(int index);
    // Image `index` was marked reviewed and its mask is on disk (what learning reads).
    void imageReviewed(int index);
    void projectSaved();
    void message(const QString& text, int milliseconds);

public:
    // What a saved mask says about its image.
    struct MaskFigures {
        int index = -1;
        bool edited = false;
        bool predicted = false;
        double changedShare = -1;
        double meanConfidence = -1;
        double referenceMiou = -2; // against the image's reference; -2: not measured
    };

private:
    struct SaveResult {
        MaskFigures figures;
        QDateTime when;
        QString error;
    };
    struct SaveRequest {
        std::optional<std::pair<int, std::shared_ptr<const LabelMask>>> measure;
    };
    void showProjectDialog(bool folder);
    void onProjectLoaded(const QString& path, std::optional<DatasetProject> project, const QString& error);
    void leaveCurrent();
    void openPending();
    void onMaskSaved(const QString& path);
    void onImageShown();
    void markEdited();
    void queueProjectSave(SaveRequest request);
    void startProjectSave();
    void updateEnabled();
    int nextWhere(int from, const std::function<bool(const ProjectImage&)>& wanted) const;

    MainWindow* m_window;
    std::optional<DatasetProject> m_project;
    ProjectImageModel* m_model;
    ImagesPanel* m_panel;
    QDockWidget* m_dock = nullptr;
    ProjectLearning* m_learning = nullptr;
    ProjectSegmentation* m_segmentation = nullptr;
    ProjectScores* m_scores = nullptr;
    int m_current = -1; // the image in the window
    int m_pending = -1; // the image to go to once the current one is saved
    int m_opening = -1; // the image the window is opening
    bool m_leaving = false;
    int m_reviewedUnsaved = -1; // marked reviewed, its mask still being saved
    quint64 m_loadRequest = 0;
    QList<SaveRequest> m_saveQueue;
    QFuture<SaveResult> m_saving;
    QAction* m_newProject = nullptr;
    QAction* m_openProject = nullptr;
    QAction* m_next = nullptr;
    QAction* m_previous = nullptr;
    QAction* m_nextNotReviewed = nullptr;
    QAction* m_nextUncertain = nullptr;
    QAction* m_reviewAndNext = nullptr;
};

} // namespace segstudio

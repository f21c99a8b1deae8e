#include "app/project_learning.h"

#include "app/main_window.h"
#include "app/model_actions.h"
#include "app/project_browser.h"
#include "app/project_segmentation.h"

#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QMenu>
#include <QTimer>

namespace segstudio {

ProjectLearning::ProjectLearning(MainWindow* window, ProjectBrowser* browser)
    : QObject(browser)
    , m_window(window)
    , m_browser(browser) {
    SegmentationController* controller = window->modelActions()->controller();
    connect(controller, &SegmentationController::learnFinished, this, &ProjectLearning::onLearnFinished);
    // Deferred: the controller finishes its own reaction to a job first (a learned version
    // predicts the open image again) before another round is asked for.
    connect(controller, &SegmentationController::segmentFinished, this, [this] {
        if (std::exchange(m_again, false))
            QTimer::singleShot(0, this, &ProjectLearning::learnNow);
    });
    connect(controller, &SegmentationController::versionSaved, this,
            [this](const QString& path, const QString& error) {
                if (path != m_storing)
                    return;
                m_storing.clear();
                const DatasetProject* project = m_browser->project();
                if (!error.isEmpty() || !project) {
                    Q_EMIT message(tr("Cannot store the project's model version: %1").arg(error), 10000);
                    return;
                }
                ProjectModel model;
                model.version = int(project->models().size()) + 1;
                model.bundle = project->relative(path);
                model.created = QDateTime::currentDateTimeUtc();
                model.trainedImages = project->count(ImageStatus::Reviewed);
                m_browser->addModel(model);
                Q_EMIT versionStored(model.bundle);
                m_browser->segmentation()->refreshPredictions();
            });
    connect(browser, &ProjectBrowser::imageReviewed, this, [this] {
        if (m_window->modelActions()->liveLearningAction()->isChecked())
            learnNow();
    });
    connect(browser, &ProjectBrowser::projectOpened, this, [this] {
        m_running = m_again = false;
        if (m_learn)
            m_learn->setEnabled(true);
        // The project's newest model version, where it left off.
        const DatasetProject* project = m_browser->project();
        if (project && !project->models().isEmpty())
            m_window->modelActions()->controller()->openModel(
                project->absolute(project->models().last().bundle));
    });
}

void ProjectLearning::install(QMenu* images) {
    m_learn = images->addAction(tr("&Learn Across Project"), this, &ProjectLearning::learnNow);
    m_learn->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_F6));
    m_learn->setEnabled(false);
    m_window->addAction(m_learn);
}

void ProjectLearning::learnNow() {
    const DatasetProject* project = m_browser->project();
    SegmentationController* controller = m_window->modelActions()->controller();
    if (!project || !controller->hasModel())
        return;
    if (controller->isBusy()) {
        // After what runs now (our round, a segmentation, a single-image round) finishes.
        m_again = true;
        return;
    }
    // The reviewed images in the order they were reviewed (the worker finds their masks).
    QList<std::pair<int, ReviewedImage>> ordered;
    for (int i = 0; i < project->size(); ++i) {
        const ProjectImage& image = project->image(i);
        if (image.status == ImageStatus::Reviewed)
            ordered.append({image.reviewOrder,
                            ReviewedImage{project->absolute(image.image), project->absolute(image.mask),
                                          image.sourceMask.isEmpty() ? QString()
                                                                     : project->absolute(image.sourceMask)}});
    }
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    QList<ReviewedImage> reviewed;
    for (const auto& entry : ordered)
        reviewed.append(entry.second);
    if (reviewed.isEmpty()) {
        Q_EMIT message(tr("No image of the project is reviewed yet: mark one reviewed (Ctrl+Enter) first"),
                       5000);
        return;
    }
    m_running = true;
    m_again = false;
    controller->learnAcrossProject(reviewed, project->classes());
}

void ProjectLearning::onLearnFinished(bool cancelled, const QString& error, bool accepted) {
    const bool ours = std::exchange(m_running, false);
    const DatasetProject* project = m_browser->project();
    if (ours && !cancelled && error.isEmpty() && accepted && project) {
        SegmentationController* controller = m_window->modelActions()->controller();
        m_storing =
            QDir(project->modelFolder()).filePath(QStringLiteral("v%1.pt").arg(project->models().size() + 1));
        controller->saveVersion(controller->currentVersion(), m_storing);
    }
    if (std::exchange(m_again, false))
        QTimer::singleShot(0, this, &ProjectLearning::learnNow);
}

} // namespace segstudio

#include "app/project_segmentation.h"

#include "app/jobs/settings.h"
#include "app/main_window.h"
#include "app/model_actions.h"
#include "app/project_browser.h"

#include <QAction>
#include <QFileInfo>
#include <QMenu>
#include <QTimer>

namespace segstudio {

ProjectSegmentation::ProjectSegmentation(MainWindow* window, ProjectBrowser* browser)
    : QObject(browser)
    , m_window(window)
    , m_browser(browser) {
    SegmentationController* controller = window->modelActions()->controller();
    connect(controller, &SegmentationController::fileSegmented, this, &ProjectSegmentation::onImageSegmented);
    connect(controller, &SegmentationController::batchFinished, this,
            [this](bool cancelled, bool background) {
                if (!background) {
                    Q_EMIT message(cancelled    ? tr("Segment All cancelled; the images done are kept")
                                   : m_failures ? tr("Segment All finished; %n image(s) could not be read",
                                                     nullptr, m_failures)
                                                : tr("Segment All finished"),
                                   8000);
                    Q_EMIT finished(cancelled);
                }
                QTimer::singleShot(0, this, &ProjectSegmentation::predictAhead);
            });
    // The model is free again: time to predict the next image.
    const auto whenIdle = [this] { QTimer::singleShot(0, this, &ProjectSegmentation::predictAhead); };
    connect(controller, &SegmentationController::segmentFinished, this, whenIdle);
    connect(controller, &SegmentationController::learnFinished, this, whenIdle);
    connect(browser, &ProjectBrowser::imageOpened, this, [this] {
        m_aheadWanted = true;
        // After the open image's own prediction has been asked for (segment on open).
        QTimer::singleShot(0, this, &ProjectSegmentation::predictAhead);
    });
    connect(browser, &ProjectBrowser::projectOpened, this, [this] {
        m_stale.clear();
        if (m_segmentAll)
            m_segmentAll->setEnabled(true);
    });
}

void ProjectSegmentation::install(QMenu* images) {
    m_segmentAll = images->addAction(tr("&Segment All Images"), this, &ProjectSegmentation::segmentAll);
    m_segmentAll->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F5));
    m_segmentAll->setEnabled(false);
    m_window->addAction(m_segmentAll);
}

void ProjectSegmentation::segmentAll() {
    const DatasetProject* project = m_browser->project();
    SegmentationController* controller = m_window->modelActions()->controller();
    if (!project)
        return;
    if (!controller->hasModel() || (controller->isBusy() && !controller->isBackgroundBatch())) {
        Q_EMIT message(controller->hasModel() ? tr("The model is busy: try again when it is done")
                                              : tr("Open a model first (Model ▸ Open Model)"),
                       5000);
        return;
    }
    QList<FileToSegment> files;
    for (int i = 0; i < project->size(); ++i) {
        const ProjectImage& image = project->image(i);
        if (i == m_browser->currentImage() || image.status == ImageStatus::Reviewed)
            continue; // the open image is the window's own; reviewed ones are done
        files.append({i, project->absolute(image.image), project->absolute(image.mask),
                      image.sourceMask.isEmpty() ? QString() : project->absolute(image.sourceMask)});
    }
    if (files.isEmpty()) {
        Q_EMIT message(tr("Every image but the open one is reviewed: nothing to segment"), 5000);
        return;
    }
    m_failures = 0;
    controller->segmentFiles(files, project->classes(), false);
}

void ProjectSegmentation::refreshPredictions() {
    const DatasetProject* project = m_browser->project();
    if (!project)
        return;
    m_stale.clear();
    for (int i = 0; i < project->size(); ++i)
        if (project->image(i).status == ImageStatus::Predicted)
            m_stale.append(i);
    QTimer::singleShot(0, this, &ProjectSegmentation::predictAhead);
}

void ProjectSegmentation::predictAhead() {
    const DatasetProject* project = m_browser->project();
    SegmentationController* controller = m_window->modelActions()->controller();
    const int current = m_browser->currentImage();
    if (!project || !controller->hasModel() || controller->isBusy())
        return;
    // Stale predictions first, four at a time so that a job asked for meanwhile waits little.
    QList<FileToSegment> stale;
    for (int index : std::as_const(m_stale)) {
        const ProjectImage& image = project->image(index);
        if (index != current && image.status == ImageStatus::Predicted && stale.size() < 4)
            stale.append({index, project->absolute(image.image), project->absolute(image.mask), QString()});
    }
    m_stale.removeIf([&](int index) {
        return index == current || project->image(index).status != ImageStatus::Predicted;
    });
    if (!stale.isEmpty()) {
        controller->segmentFiles(stale, project->classes(), true);
        return;
    }
    if (!m_aheadWanted || current < 0 || !Settings::load().segmentOnOpen)
        return;
    m_aheadWanted = false;
    const int next = current + 1;
    if (next >= project->size())
        return;
    const ProjectImage& image = project->image(next);
    if (image.status != ImageStatus::New || QFileInfo::exists(project->maskToRead(next)))
        return; // it has a mask already: nothing is predicted over it unasked
    controller->segmentFiles(
        {{next, project->absolute(image.image), project->absolute(image.mask), QString()}},
        project->classes(), true);
}

void ProjectSegmentation::onImageSegmented(int index, double meanConfidence, const QString& error) {
    m_stale.removeAll(index); // done, or not to be tried again and again
    if (!error.isEmpty()) {
        ++m_failures;
        Q_EMIT message(error, 8000);
        return;
    }
    m_browser->recordPrediction(index, meanConfidence);
    Q_EMIT imageSegmented(index);
}

} // namespace segstudio

#include "app/project_browser.h"

#include "annotation/label_document.h"
#include "annotation/label_mask.h"
#include "annotation/mask_statistics.h"
#include "annotation/reference_scores.h"
#include "app/jobs/project_files.h"
#include "app/main_window.h"
#include "app/project_learning.h"
#include "app/project_scores.h"
#include "app/project_segmentation.h"
#include "ui/images_panel.h"
#include "ui/project_image_model.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFutureWatcher>
#include <QMenu>
#include <QMenuBar>
#include <QtConcurrent>

namespace segstudio {
namespace {

struct LoadResult {
    std::optional<DatasetProject> project;
    QString error;
};

// Worker: opens or makes the project, writes it when new, and makes its mask folders, so a save
// never fails for want of one.
LoadResult loadProject(const QString& path) {
    LoadResult result;
    result.project = ProjectFiles::openOrCreate(path, {}, &result.error);
    if (!result.project)
        return result;
    if (!QFileInfo::exists(result.project->path()) && !result.project->save(&result.error)) {
        result.project.reset();
        return result;
    }
    QSet<QString> folders{result.project->modelFolder()};
    for (const ProjectImage& image : result.project->images())
        folders.insert(QFileInfo(result.project->absolute(image.mask)).path());
    for (const QString& folder : folders) {
        if (!QDir().mkpath(folder)) {
            result.error = QObject::tr("Cannot create the project's mask folder %1")
                               .arg(QDir::toNativeSeparators(folder));
            result.project.reset();
            return result;
        }
    }
    return result;
}

} // namespace

ProjectBrowser::ProjectBrowser(MainWindow* window)
    : QObject(window)
    , m_window(window)
    , m_model(new ProjectImageModel(this))
    , m_panel(new ImagesPanel(m_model)) {
    connect(m_panel, &ImagesPanel::imageActivated, this, &ProjectBrowser::goTo);
    DocumentSession* session = window->session();
    connect(session, &DocumentSession::saved, this, &ProjectBrowser::onMaskSaved);
    connect(session, &DocumentSession::saveFailed, this, [this] {
        m_leaving = false; // stay on the image; the window says why the save failed
        m_pending = -1;
    });
    connect(session, &DocumentSession::documentChanged, this, [this](LabelDocument* document) {
        if (document)
            connect(document, &LabelDocument::edited, this, &ProjectBrowser::markEdited);
    });
    connect(window, &MainWindow::documentReady, this, &ProjectBrowser::onImageShown);
    connect(window, &MainWindow::openFailed, this, [this](const QString&, const QString&) {
        m_opening = -1;
        updateEnabled();
    });
}

void ProjectBrowser::install(QMenu* file) {
    // Right after Open Recent (the File menu's submenu).
    const QList<QAction*> entries = file->actions();
    QAction* before = nullptr;
    for (qsizetype i = 0; i + 1 < entries.size() && !before; ++i)
        if (entries[i]->menu())
            before = entries[i + 1];
    m_newProject = new QAction(tr("New &Project from Folder…"), this);
    m_openProject = new QAction(tr("Open Pro&ject…"), this);
    file->insertActions(before, {m_newProject, m_openProject});
    connect(m_newProject, &QAction::triggered, this, [this] { showProjectDialog(true); });
    connect(m_openProject, &QAction::triggered, this, [this] { showProjectDialog(false); });

    m_dock = new QDockWidget(tr("Images"), m_window);
    m_dock->setObjectName(QStringLiteral("imagesDock"));
    m_dock->setWidget(m_panel);
    m_window->addDockWidget(Qt::LeftDockWidgetArea, m_dock);
    m_dock->hide(); // until a project is open

    QMenu* images = new QMenu(tr("&Images"), m_window);
    m_window->menuBar()->insertMenu(m_window->menuBar()->actions().value(2), images);
    const auto add = [&](const QString& text, QList<QKeySequence> keys, void (ProjectBrowser::*slot)()) {
        QAction* action = images->addAction(text, this, slot);
        action->setShortcuts(keys);
        m_window->addAction(action); // works with the menu closed and the dock hidden
        return action;
    };
    m_next = add(tr("&Next Image"), {QKeySequence(Qt::Key_PageDown), QKeySequence(Qt::Key_D)},
                 &ProjectBrowser::goToNext);
    m_previous = add(tr("&Previous Image"), {QKeySequence(Qt::Key_PageUp), QKeySequence(Qt::Key_A)},
                     &ProjectBrowser::goToPrevious);
    m_nextNotReviewed = add(tr("Next &Not Reviewed"), {QKeySequence(Qt::SHIFT | Qt::Key_PageDown)},
                            &ProjectBrowser::goToNextNotReviewed);
    m_nextUncertain = add(tr("Next Most &Uncertain"), {QKeySequence(Qt::CTRL | Qt::Key_PageDown)},
                          &ProjectBrowser::goToNextUncertain);
    images->addSeparator();
    m_reviewAndNext = add(tr("Mark Image &Reviewed and Go to Next"),
                          {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)},
                          &ProjectBrowser::markReviewedAndGoToNext);
    m_segmentation = new ProjectSegmentation(m_window, this);
    m_segmentation->install(images);
    connect(m_segmentation, &ProjectSegmentation::message, this, &ProjectBrowser::message);
    m_learning = new ProjectLearning(m_window, this);
    m_learning->install(images);
    connect(m_learning, &ProjectLearning::message, this, &ProjectBrowser::message);
    images->addSeparator();
    m_scores = new ProjectScores(m_window, this);
    m_scores->install(images);
    connect(m_scores, &ProjectScores::message, this, &ProjectBrowser::message);
    connect(m_scores, &ProjectScores::failed, m_window,
            [this](const QString& error) { m_window->showError(tr("Score against references"), error); });
    images->addSeparator();
    images->addAction(m_dock->toggleViewAction());
    updateEnabled();
}

void ProjectBrowser::showProjectDialog(bool folder) {
    const QString path =
        folder ? QFileDialog::getExistingDirectory(m_window, tr("New project from a folder of images"))
               : QFileDialog::getOpenFileName(m_window, tr("Open project"), QString(),
                                              tr("segstudio projects (*.segproj)"));
    if (!path.isEmpty())
        openProject(path);
}

void ProjectBrowser::openProject(const QString& path) {
    const quint64 request = ++m_loadRequest;
    Q_EMIT message(tr("Opening the project %1…").arg(QFileInfo(path).fileName()), 0);
    auto* watcher = new QFutureWatcher<LoadResult>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, request, path] {
        watcher->deleteLater();
        if (request != m_loadRequest)
            return;
        LoadResult result = watcher->result();
        onProjectLoaded(path, std::move(result.project), result.error);
    });
    watcher->setFuture(QtConcurrent::run(loadProject, path));
}

void ProjectBrowser::onProjectLoaded(const QString& path, std::optional<DatasetProject> project,
                                     const QString& error) {
    if (!project) {
        Q_EMIT message(QString(), 0);
        Q_EMIT projectFailed(error);
        return;
    }
    m_saving.waitForFinished(); // a write of the previous project finishes first
    m_saveQueue.clear();
    m_project = std::move(project);
    m_current = m_pending = m_opening = m_reviewedUnsaved = -1;
    m_leaving = false;
    m_model->setProject(&*m_project);
    m_dock->show();
    m_dock->raise();
    Q_EMIT message(tr("Project %1: %2").arg(QFileInfo(m_project->path()).fileName(), m_panel->countsText()),
                   8000);
    Q_EMIT projectOpened(path);
    // Where the work is: the first image nobody has reviewed, else the first.
    const int first =
        nextWhere(-1, [](const ProjectImage& image) { return image.status != ImageStatus::Reviewed; });
    goTo(first >= 0 ? first : 0);
}

void ProjectBrowser::goTo(int index) {
    if (!m_project || index < 0 || index >= m_project->size())
        return;
    if ((index == m_current && m_pending < 0 && m_opening < 0) || (index == m_opening && m_pending < 0))
        return; // there already, or on the way (a click also activates the row)
    m_pending = index;
    if (!m_leaving)
        leaveCurrent();
}

void ProjectBrowser::leaveCurrent() {
    LabelDocument* document = m_window->document();
    DocumentSession* session = m_window->session();
    if (m_current >= 0 && document && (document->isModified() || session->isSaving())) {
        if (document->isEditing() || session->isRestorePending()) {
            m_pending = -1;
            Q_EMIT message(
                tr("Finish the stroke (or answer the restore question) before going to another image"), 5000);
            return;
        }
        m_leaving = true;
        if (!session->isSaving())
            session->save(); // onMaskSaved goes on
        return;
    }
    openPending();
}

void ProjectBrowser::openPending() {
    const int index = m_pending;
    m_pending = -1;
    if (index < 0)
        return;
    m_opening = index;
    const ProjectImage& entry = m_project->image(index);
    DocumentSession::LoadOptions options;
    options.readFrom = entry.sourceMask.isEmpty() ? QString() : m_project->absolute(entry.sourceMask);
    options.palette = m_project->classes();
    m_window->openFile(m_project->absolute(entry.image), m_project->absolute(entry.mask), options);
    updateEnabled();
}

void ProjectBrowser::onImageShown() {
    if (m_opening < 0) {
        // Something else was opened (File ▸ Open): no project image is in the window now.
        m_current = -1;
        m_model->setCurrent(-1);
        updateEnabled();
        return;
    }
    m_current = m_opening;
    m_opening = -1;
    if (LabelDocument* document = m_window->document())
        m_project->image(m_current).size = document->mask().size();
    m_model->setCurrent(m_current);
    m_panel->showCurrent(m_current);
    updateEnabled();
    Q_EMIT imageOpened(m_current);
    if (m_pending >= 0) // asked for another while this one opened
        leaveCurrent();
}

void ProjectBrowser::markEdited() {
    if (m_current < 0)
        return;
    ProjectImage& entry = m_project->image(m_current);
    if (entry.status == ImageStatus::New || entry.status == ImageStatus::Predicted) {
        entry.status = ImageStatus::InProgress;
        m_model->imageChanged(m_current);
    }
}

void ProjectBrowser::onMaskSaved(const QString& path) {
    LabelDocument* document = m_window->document();
    if (m_current >= 0 && document && path == m_project->absolute(m_project->image(m_current).mask)) {
        queueProjectSave({std::make_pair(m_current, std::make_shared<const LabelMask>(document->mask()))});
        if (std::exchange(m_reviewedUnsaved, -1) == m_current)
            Q_EMIT imageReviewed(m_current);
    }
    if (!m_leaving)
        return;
    m_leaving = false;
    if (document && document->isModified())
        leaveCurrent(); // edits made while it saved
    else
        openPending();
}

void ProjectBrowser::queueProjectSave(SaveRequest request) {
    m_saveQueue.append(std::move(request));
    if (!m_saving.isRunning())
        startProjectSave();
}

namespace {

// What the saved mask says about its image: worker thread (it reads every pixel).
ProjectBrowser::MaskFigures measureMask(const DatasetProject& project, int index, const LabelMask& mask) {
    const MaskStatistics statistics = MaskStatistics::of(mask);
    ProjectBrowser::MaskFigures figures;
    figures.index = index;
    figures.changedShare = double(statistics.edited) / double(std::max<qint64>(1, statistics.pixels));
    figures.edited = statistics.edited + statistics.reviewed > 0;
    figures.predicted = statistics.predicted > 0;
    figures.meanConfidence = statistics.meanPredictedConfidence;
    if (!project.image(index).reference.isEmpty()) // the review's figure follows the person's work
        figures.referenceMiou = ReferenceScores::of(project, index, &mask).miou;
    return figures;
}

// A person's edits make an image "in progress", a prediction alone "predicted"; a reviewed image
// stays reviewed.
void applyFiguresTo(ProjectImage& entry, const ProjectBrowser::MaskFigures& figures, const QDateTime& when) {
    entry.modified = when;
    entry.changedShare = figures.changedShare;
    if (figures.meanConfidence >= 0)
        entry.meanConfidence = figures.meanConfidence;
    if (figures.referenceMiou > -2)
        entry.referenceMiou = figures.referenceMiou;
    if (entry.status != ImageStatus::Reviewed && (figures.edited || figures.predicted))
        entry.status = figures.edited ? ImageStatus::InProgress : ImageStatus::Predicted;
}

} // namespace

void ProjectBrowser::startProjectSave() {
    if (m_saveQueue.isEmpty() || !m_project)
        return;
    const SaveRequest request = m_saveQueue.takeFirst();
    auto* watcher = new QFutureWatcher<SaveResult>(this);
    const QString projectPath = m_project->path();
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, projectPath] {
        watcher->deleteLater();
        const SaveResult result = watcher->result();
        if (!m_project || m_project->path() != projectPath)
            return;
        if (result.figures.index >= 0 && result.figures.index < m_project->size()) {
            applyFiguresTo(m_project->image(result.figures.index), result.figures, result.when);
            m_model->imageChanged(result.figures.index);
        }
        if (result.error.isEmpty())
            Q_EMIT projectSaved();
        else
            Q_EMIT message(result.error, 10000);
        startProjectSave();
    });
    // The worker measures the mask, puts the figures into its copy of the project and writes it;
    // the window's copy gets the same figures when it is done.
    m_saving = QtConcurrent::run([project = *m_project, request]() mutable {
        SaveResult result;
        result.when = QDateTime::currentDateTimeUtc();
        if (request.measure) {
            result.figures = measureMask(project, request.measure->first, *request.measure->second);
            applyFiguresTo(project.image(result.figures.index), result.figures, result.when);
        }
        project.save(&result.error);
        return result;
    });
    watcher->setFuture(m_saving);
}

ProjectBrowser::~ProjectBrowser() {
    // The window is closing: the project file gets what it has been told before it goes. A write
    // under way finishes; its figures, and those of the writes still queued, go into one last
    // write here (no event loop is left to run them).
    m_saving.waitForFinished();
    if (!m_project || m_saveQueue.isEmpty())
        return;
    if (m_saving.isValid() && m_saving.resultCount() > 0) {
        const SaveResult done = m_saving.result();
        if (done.figures.index >= 0 && done.figures.index < m_project->size())
            applyFiguresTo(m_project->image(done.figures.index), done.figures, done.when);
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (const SaveRequest& request : std::as_const(m_saveQueue))
        if (request.measure && request.measure->first < m_project->size())
            applyFiguresTo(m_project->image(request.measure->first),
                           measureMask(*m_project, request.measure->first, *request.measure->second), now);
    QString error;
    if (!m_project->save(&error))
        qWarning("%s", qPrintable(error));
}

int ProjectBrowser::nextWhere(int from, const std::function<bool(const ProjectImage&)>& wanted) const {
    if (!m_project)
        return -1;
    const int count = m_project->size();
    for (int step = 1; step <= count; ++step) {
        const int index = ((from < 0 ? -1 : from) + step) % count;
        if (index != from && wanted(m_project->image(index)))
            return index;
    }
    return -1;
}

void ProjectBrowser::goToNext() {
    if (m_project && m_current + 1 < m_project->size())
        goTo(m_current + 1);
}

void ProjectBrowser::goToPrevious() {
    if (m_project && m_current > 0)
        goTo(m_current - 1);
}

void ProjectBrowser::goToNextNotReviewed() {
    const int next =
        nextWhere(m_current, [](const ProjectImage& image) { return image.status != ImageStatus::Reviewed; });
    if (next < 0) {
        Q_EMIT message(tr("Every image of the project is reviewed"), 5000);
        return;
    }
    goTo(next);
}

void ProjectBrowser::goToNextUncertain() {
    if (!m_project)
        return;
    // The lowest mean confidence among the images not reviewed that have a prediction.
    int best = -1;
    for (int i = 0; i < m_project->size(); ++i) {
        const ProjectImage& image = m_project->image(i);
        if (i == m_current || image.status == ImageStatus::Reviewed || image.meanConfidence < 0)
            continue;
        if (best < 0 || image.meanConfidence < m_project->image(best).meanConfidence)
            best = i;
    }
    if (best >= 0)
        goTo(best);
    else
        goToNextNotReviewed();
}

void ProjectBrowser::markReviewedAndGoToNext() {
    if (!m_project || m_current < 0)
        return;
    m_project->markReviewed(m_current, QDateTime::currentDateTimeUtc());
    m_model->imageChanged(m_current);
    queueProjectSave({});
    LabelDocument* current = m_window->document();
    if (current && current->isModified())
        m_reviewedUnsaved = m_current; // announced once the save is done
    else
        Q_EMIT imageReviewed(m_current);
    const int next =
        nextWhere(m_current, [](const ProjectImage& image) { return image.status != ImageStatus::Reviewed; });
    if (next >= 0) {
        goTo(next);
        return;
    }
    Q_EMIT message(tr("Every image of the project is reviewed"), 5000);
    LabelDocument* document = m_window->document();
    if (document && document->isModified())
        m_window->session()->save();
}

void ProjectBrowser::addModel(const ProjectModel& model) {
    if (!m_project)
        return;
    m_project->addModel(model);
    queueProjectSave({});
}

void ProjectBrowser::recordPrediction(int index, double meanConfidence) {
    if (!m_project || index < 0 || index >= m_project->size())
        return;
    ProjectImage& entry = m_project->image(index);
    if (entry.status == ImageStatus::New)
        entry.status = ImageStatus::Predicted;
    entry.meanConfidence = meanConfidence;
    entry.modified = QDateTime::currentDateTimeUtc();
    m_model->imageChanged(index);
    queueProjectSave({});
}

void ProjectBrowser::recordReferenceScores(const QHash<int, QString>& references,
                                           const QHash<int, double>& scores) {
    if (!m_project)
        return;
    for (auto it = references.cbegin(); it != references.cend(); ++it)
        if (it.key() >= 0 && it.key() < m_project->size())
            m_project->image(it.key()).reference = it.value();
    for (auto it = scores.cbegin(); it != scores.cend(); ++it)
        if (it.key() >= 0 && it.key() < m_project->size()) {
            m_project->image(it.key()).referenceMiou = it.value();
            m_model->imageChanged(it.key());
        }
    queueProjectSave({});
}

void ProjectBrowser::updateEnabled() {
    const bool open = m_project.has_value();
    for (QAction* action : {m_next, m_previous, m_nextNotReviewed, m_nextUncertain, m_reviewAndNext})
        if (action)
            action->setEnabled(open);
}

} // namespace segstudio

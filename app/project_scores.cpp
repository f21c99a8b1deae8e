#include "app/project_scores.h"

#include "annotation/dataset_project.h"
#include "annotation/label_document.h"
#include "annotation/reference_scores.h"
#include "app/main_window.h"
#include "app/project_browser.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QFutureWatcher>
#include <QMenu>
#include <QtConcurrent>
#include <cmath>

namespace segstudio {
namespace {

struct Outcome {
    QString projectPath;
    QHash<int, QString> references;
    QHash<int, double> scores;
    int scored = 0;
    double pooledMiou = -1;
    int worst = -1;
    QString error; // none matched, or the first image that could not be scored
    int failures = 0;
};

} // namespace

ProjectScores::ProjectScores(MainWindow* window, ProjectBrowser* browser)
    : QObject(browser)
    , m_window(window)
    , m_browser(browser) {
    connect(window->session(), &DocumentSession::saved, this, [this] {
        if (const auto folder = std::exchange(m_afterSave, std::nullopt))
            start(*folder);
    });
    connect(window->session(), &DocumentSession::saveFailed, this, [this] { m_afterSave.reset(); });
    connect(browser, &ProjectBrowser::projectOpened, this, [this] {
        if (m_action)
            m_action->setEnabled(!m_running);
    });
}

ProjectScores::~ProjectScores() {
    m_cancel->store(true); // a run still going stops at its next image
}

void ProjectScores::install(QMenu* images) {
    m_action = images->addAction(tr("Score Against &References…"), this, [this] {
        if (!m_browser->project())
            return;
        const QString folder = QFileDialog::getExistingDirectory(
            m_window, tr("Reference masks (a folder inside the project)"), m_browser->project()->folder());
        if (!folder.isEmpty())
            scoreAgainst(folder);
    });
    m_action->setEnabled(false); // until a project is open
}

void ProjectScores::scoreAgainst(const QString& folder) {
    if (!m_browser->project() || m_running)
        return;
    LabelDocument* document = m_window->document();
    if (m_browser->currentImage() >= 0 && document && document->isModified()) {
        m_afterSave = folder; // score what the window shows
        m_window->session()->save();
        return;
    }
    start(folder);
}

void ProjectScores::start(const QString& folder) {
    m_running = true;
    m_action->setEnabled(false);
    Q_EMIT message(
        tr("Scoring the masks against the references in %1…").arg(QDir::toNativeSeparators(folder)), 0);
    auto* watcher = new QFutureWatcher<Outcome>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        watcher->deleteLater();
        m_running = false;
        m_action->setEnabled(m_browser->project() != nullptr);
        const Outcome outcome = watcher->result();
        const DatasetProject* project = m_browser->project();
        if (!project || project->path() != outcome.projectPath)
            return; // another project meanwhile
        if (outcome.references.isEmpty()) {
            Q_EMIT failed(outcome.error);
            return;
        }
        m_browser->recordReferenceScores(outcome.references, outcome.scores);
        QString text = tr("Scored against references: %1 of %2 images")
                           .arg(outcome.scored)
                           .arg(outcome.references.size());
        if (outcome.pooledMiou >= 0)
            text += tr(": dataset mIoU %1").arg(outcome.pooledMiou, 0, 'f', 3);
        if (outcome.worst >= 0)
            text += tr(", worst %1 (%2)")
                        .arg(QFileInfo(project->image(outcome.worst).image).fileName())
                        .arg(outcome.scores.value(outcome.worst), 0, 'f', 3);
        if (outcome.failures > 0)
            text += tr("; %1 could not be scored: %2").arg(outcome.failures).arg(outcome.error);
        Q_EMIT message(text, 15000);
        Q_EMIT scored(outcome.scored, outcome.pooledMiou);
    });
    watcher->setFuture(
        QtConcurrent::run([project = *m_browser->project(), folder, cancel = m_cancel]() mutable {
            Outcome outcome;
            outcome.projectPath = project.path();
            outcome.references = project.referencesIn(folder, &outcome.error);
            MaskAgreement pooled;
            double worst = 2;
            for (auto it = outcome.references.cbegin(); it != outcome.references.cend() && !cancel->load();
                 ++it) {
                project.image(it.key()).reference = it.value();
                const ReferenceScores::Score score = ReferenceScores::of(project, it.key());
                outcome.scores.insert(it.key(), score.miou);
                if (!score.error.isEmpty() && outcome.failures++ == 0)
                    outcome.error = score.error;
                if (score.miou < 0)
                    continue;
                ++outcome.scored;
                pooled.add(score.agreement);
                if (score.miou < worst) {
                    worst = score.miou;
                    outcome.worst = it.key();
                }
            }
            const double miou = pooled.counts.empty() ? NAN : pooled.meanIoU();
            outcome.pooledMiou = std::isfinite(miou) ? miou : -1;
            return outcome;
        }));
}

} // namespace segstudio

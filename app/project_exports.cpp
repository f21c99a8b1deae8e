#include "app/project_exports.h"

#include "annotation/dataset_project.h"
#include "annotation/label_document.h"
#include "app/main_window.h"
#include "app/project_browser.h"

#include <QAction>
#include <QFileDialog>
#include <QFutureWatcher>
#include <QInputDialog>
#include <QMenu>
#include <QtConcurrent>

namespace segstudio {

ProjectExports::ProjectExports(MainWindow* window, ProjectBrowser* browser)
    : QObject(browser)
    , m_window(window)
    , m_browser(browser) {
    connect(window->session(), &DocumentSession::saved, this, [this] {
        if (!m_afterSave)
            return;
        const auto [folder, options] = *m_afterSave;
        m_afterSave.reset();
        start(folder, options);
    });
    connect(window->session(), &DocumentSession::saveFailed, this, [this] { m_afterSave.reset(); });
    connect(browser, &ProjectBrowser::projectOpened, this, [this] {
        if (m_action)
            m_action->setEnabled(true);
    });
}

ProjectExports::~ProjectExports() = default;

void ProjectExports::install(QMenu* file) {
    m_action = new QAction(tr("Export &Dataset…"), this);
    m_action->setEnabled(false); // until a project is open
    QAction* before = nullptr;   // the first separator: the end of the opening entries
    for (QAction* entry : file->actions())
        if (entry->isSeparator() && !before)
            before = entry;
    file->insertAction(before, m_action);
    connect(m_action, &QAction::triggered, this, &ProjectExports::askAndExport);
}

void ProjectExports::askAndExport() {
    if (!m_browser->project())
        return;
    const QStringList choices{tr("Pascal VOC — reviewed images"), tr("COCO — reviewed images"),
                              tr("Pascal VOC — every image with a mask"),
                              tr("COCO — every image with a mask")};
    bool chosen = false;
    const QString choice =
        QInputDialog::getItem(m_window, tr("Export dataset"), tr("Format:"), choices, 0, false, &chosen);
    if (!chosen)
        return;
    const QString folder = QFileDialog::getExistingDirectory(m_window, tr("Export the dataset into"));
    if (folder.isEmpty())
        return;
    const qsizetype index = choices.indexOf(choice);
    DatasetExportOptions options;
    options.format = index % 2 == 0 ? DatasetExportOptions::Format::Voc : DatasetExportOptions::Format::Coco;
    options.all = index >= 2;
    exportTo(folder, options);
}

void ProjectExports::exportTo(const QString& folder, const DatasetExportOptions& options) {
    if (!m_browser->project() || m_running)
        return;
    LabelDocument* document = m_window->document();
    if (m_browser->currentImage() >= 0 && document && document->isModified()) {
        m_afterSave = std::make_pair(folder, options);
        m_window->session()->save();
        return;
    }
    start(folder, options);
}

void ProjectExports::start(const QString& folder, const DatasetExportOptions& options) {
    m_running = true;
    m_action->setEnabled(false);
    struct Result {
        bool ok = false;
        DatasetExportSummary summary;
        QString error;
    };
    Q_EMIT message(tr("Exporting the dataset…"), 0);
    auto* watcher = new QFutureWatcher<Result>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, folder] {
        watcher->deleteLater();
        m_running = false;
        m_action->setEnabled(true);
        const Result result = watcher->result();
        if (!result.ok) {
            Q_EMIT message(QString(), 0);
            Q_EMIT exportFailed(result.error);
            return;
        }
        Q_EMIT message(tr("Exported %n image(s) to %1", nullptr, result.summary.images).arg(folder), 8000);
        Q_EMIT exported(folder, result.summary.images, qint64(result.summary.annotations));
    });
    watcher->setFuture(QtConcurrent::run([project = *m_browser->project(), folder, options] {
        Result result;
        result.ok = exportDataset(project, folder, options, &result.summary, &result.error);
        return result;
    }));
}

} // namespace segstudio

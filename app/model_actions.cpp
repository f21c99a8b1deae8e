#include "app/model_actions.h"

#include "annotation/label_document.h"
#include "app/jobs/live_learning.h"
#include "app/jobs/settings.h"
#include "app/preferences_dialog.h"
#include "inference/runtime_info.h"
#include "ui/job_progress.h"
#include "ui/learning_panel.h"
#include "ui/map_canvas.h"
#include "ui/mask_overlay.h"
#include "ui/model_versions_panel.h"
#include "ui/rectangle_select_tool.h"

#include <QAction>
#include <QDockWidget>
#include <QFileDialog>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QStatusBar>
#include <QTimer>
#include <utility>

namespace segstudio {

ModelActions::ModelActions(QMainWindow* window, MapCanvas* canvas, MaskOverlay* overlay)
    : QObject(window)
    , m_window(window)
    , m_canvas(canvas)
    , m_overlay(overlay)
    , m_controller(new SegmentationController(this))
    , m_live(new LiveLearning(m_controller, this))
    , m_learning(new LearningPanel(window))
    , m_versions(new ModelVersionsPanel(window))
    , m_progress(new JobProgress(window))
    , m_device(new QLabel(window)) {
    m_device->setObjectName(QStringLiteral("deviceLabel"));
    m_device->setText(tr("No model"));
    m_device->setToolTip(tr("Where the model runs (Model ▸ Preferences chooses the device)"));

    m_segmentImage = new QAction(tr("&Segment Image"), this);
    m_segmentImage->setShortcut(QKeySequence(Qt::Key_F5));
    m_segmentImage->setToolTip(tr("Predict every pixel of the image in the background (F5)"));
    m_segmentVisible = new QAction(tr("Segment &Visible Area"), this);
    m_segmentVisible->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F5));
    m_segmentSelection = new QAction(tr("Segment Se&lection…"), this);
    m_segmentSelection->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_F5));
    m_segmentSelection->setToolTip(tr("Drag a rectangle to segment (Ctrl+F5)"));
    m_cancel = new QAction(tr("&Cancel Job"), this);
    m_cancel->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    m_learn = new QAction(tr("&Learn from Corrections"), this);
    m_learn->setShortcut(QKeySequence(Qt::Key_F6));
    m_learn->setToolTip(
        tr("Fine-tune the model on the pixels you painted or reviewed, then re-predict the rest (F6)"));
    m_nextUncertain = new QAction(tr("&Next Uncertain Tile"), this);
    m_nextUncertain->setShortcut(QKeySequence(Qt::Key_N));
    m_nextUncertain->setToolTip(tr("Go to the least confident tile nobody reviewed yet (N)"));
    m_confidence = new QAction(tr("Show C&onfidence Heat Map"), this);
    m_confidence->setShortcut(QKeySequence(Qt::Key_C));
    m_confidence->setCheckable(true);
    m_liveAction = new QAction(tr("Learn &Live"), this);
    m_liveAction->setCheckable(true);
    m_liveAction->setToolTip(tr("Learn from your corrections by itself a moment after you stop correcting"));
    m_overwrite = new QAction(tr("Prediction &Overwrites My Edits"), this);
    m_overwrite->setCheckable(true);
    m_overwrite->setToolTip(tr("Off: segmenting never changes pixels you painted or reviewed"));
    m_openModel = new QAction(tr("&Open Model…"), this);
    m_saveVersion = new QAction(tr("Save Current &Version As…"), this);
    m_preferences = new QAction(tr("&Preferences…"), this);
    m_preferences->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    window->addActions({m_segmentImage, m_segmentVisible, m_segmentSelection, m_cancel, m_learn,
                        m_nextUncertain, m_confidence, m_preferences});

    window->statusBar()->addPermanentWidget(m_progress);
    window->statusBar()->addPermanentWidget(m_device);

    connect(m_segmentImage, &QAction::triggered, this, &ModelActions::segmentImage);
    connect(m_segmentVisible, &QAction::triggered, this, &ModelActions::segmentVisibleArea);
    connect(m_segmentSelection, &QAction::triggered, this, &ModelActions::segmentSelection);
    connect(m_cancel, &QAction::triggered, m_controller, &SegmentationController::cancel);
    connect(m_progress, &JobProgress::cancelRequested, m_controller, &SegmentationController::cancel);
    connect(m_learning, &LearningPanel::cancelRequested, m_controller, &SegmentationController::cancel);
    connect(m_learn, &QAction::triggered, this, [this] {
        showLearningStarted();
        m_controller->learn();
    });
    // Live learning: on by default, a toggle in the Model menu, remembered.
    const Settings settings = Settings::load();
    m_live->setDelay(settings.liveLearningDelayMs);
    m_live->setEnabled(settings.liveLearning);
    m_liveAction->setChecked(settings.liveLearning);
    connect(m_liveAction, &QAction::toggled, this, [this](bool on) {
        m_live->setEnabled(on);
        Settings changed = Settings::load();
        changed.liveLearning = on;
        changed.save();
    });
    connect(m_live, &LiveLearning::started, this, [this] {
        m_liveRound = true;
        showLearningStarted();
    });
    m_controller->setFocusProvider([this] { return QRectF(visibleImageRect()).center(); });
    connect(m_controller, &SegmentationController::currentVersionChanged, this, &ModelActions::segmentOnOpen);
    connect(m_nextUncertain, &QAction::triggered, this, &ModelActions::showNextUncertain);
    connect(m_confidence, &QAction::toggled, this, [this](bool on) {
        m_overlay->setMode(on ? MaskOverlay::Mode::Confidence : MaskOverlay::Mode::Classes);
    });
    connect(m_overwrite, &QAction::toggled, m_controller, &SegmentationController::setOverwriteHumanWork);
    connect(m_openModel, &QAction::triggered, this, &ModelActions::openModelDialog);
    connect(m_versions, &ModelVersionsPanel::openRequested, this, &ModelActions::openModelDialog);
    connect(m_versions, &ModelVersionsPanel::useRequested, m_controller, &SegmentationController::useVersion);
    auto saveVersion = [this](int id) {
        const QString path = QFileDialog::getSaveFileName(m_window, tr("Save model version"), QString(),
                                                          tr("Model bundle (*.pt)"));
        if (!path.isEmpty())
            m_controller->saveVersion(
                id, path.endsWith(QStringLiteral(".pt")) ? path : path + QStringLiteral(".pt"));
    };
    connect(m_versions, &ModelVersionsPanel::saveRequested, this, saveVersion);
    connect(m_saveVersion, &QAction::triggered, this,
            [this, saveVersion] { saveVersion(m_controller->currentVersion()); });
    connect(m_preferences, &QAction::triggered, this, &ModelActions::showPreferences);

    connect(m_controller, &SegmentationController::versionAdded, m_versions, &ModelVersionsPanel::addVersion);
    connect(m_controller, &SegmentationController::currentVersionChanged, this, [this](int id) {
        m_versions->setCurrentVersion(id);
        updateEnabled();
    });
    connect(m_controller, &SegmentationController::deviceChanged, this,
            [this](const QString& device) { m_device->setText(device); });
    connect(m_controller, &SegmentationController::modelFailed, this,
            [this](const QString& message) { Q_EMIT failed(tr("Cannot open the model"), message); });
    connect(m_controller, &SegmentationController::message, this,
            [this](const QString& text) { Q_EMIT status(text, 10000); });
    connect(m_controller, &SegmentationController::jobStarted, this,
            [this](SegmentationController::Job, const QString& text) {
                m_progress->start(text);
                updateEnabled();
            });
    connect(m_controller, &SegmentationController::jobProgress, m_progress, &JobProgress::setProgress);
    connect(m_controller, &SegmentationController::learnStep, m_learning, &LearningPanel::addStep);
    connect(m_controller, &SegmentationController::segmentFinished, this,
            [this](bool cancelled, const QString& error) {
                m_progress->finish();
                updateEnabled();
                if (!error.isEmpty())
                    Q_EMIT failed(tr("Segmentation failed"), error);
                else
                    Q_EMIT status(cancelled ? tr("Segmentation cancelled; finished tiles were kept")
                                            : tr("Segmentation finished"),
                                  5000);
            });
    connect(m_controller, &SegmentationController::batchFinished, this, [this] {
        m_progress->finish();
        updateEnabled();
    });
    connect(m_controller, &SegmentationController::versionPredicted, this, [this] {
        m_progress->finish();
        updateEnabled();
    });
    connect(m_controller, &SegmentationController::learnFinished, this,
            [this](bool cancelled, const QString& error, bool accepted) {
                m_progress->finish();
                updateEnabled();
                const bool live = std::exchange(m_liveRound, false);
                if (!error.isEmpty()) {
                    m_learning->finish(error);
                    if (live) // nobody pressed anything: no dialog in their face
                        Q_EMIT status(tr("Live learning: %1").arg(error), 10000);
                    else
                        Q_EMIT failed(tr("Learning failed"), error);
                } else {
                    m_learning->finish(
                        cancelled  ? tr("Cancelled; the model is unchanged.")
                        : accepted ? tr("Done: the new version predicts everything nobody labelled again.")
                                   : tr("The new version was worse on your reviewed tiles: not used."));
                }
            });

    connect(m_controller, &SegmentationController::versionSaved, this,
            [this](const QString& path, const QString& error) {
                if (error.isEmpty())
                    Q_EMIT status(tr("Saved the model to %1").arg(path), 5000);
                else
                    Q_EMIT failed(tr("Cannot save the model"), error);
            });
    updateEnabled();
}

void ModelActions::install(QMenu* before) {
    auto* learningDock = new QDockWidget(tr("Learning"), m_window);
    learningDock->setObjectName(QStringLiteral("learningDock"));
    learningDock->setWidget(m_learning);
    auto* versionsDock = new QDockWidget(tr("Model Versions"), m_window);
    versionsDock->setObjectName(QStringLiteral("versionsDock"));
    versionsDock->setWidget(m_versions);
    // Tabbed with the Image dock: the canvas keeps its width; learning brings its tab forward.
    if (auto* imageDock = m_window->findChild<QDockWidget*>(QStringLiteral("imageDock"))) {
        m_window->tabifyDockWidget(imageDock, learningDock);
        m_window->tabifyDockWidget(learningDock, versionsDock);
        imageDock->raise();
    } else {
        m_window->addDockWidget(Qt::RightDockWidgetArea, learningDock);
        m_window->addDockWidget(Qt::RightDockWidgetArea, versionsDock);
    }
    m_learningDock = learningDock;
    QMenu* menu = new QMenu(tr("&Model"), m_window);
    menu->addAction(m_segmentImage);
    menu->addAction(m_segmentVisible);
    menu->addAction(m_segmentSelection);
    menu->addAction(m_cancel);
    menu->addSeparator();
    menu->addAction(m_learn);
    menu->addAction(m_liveAction);
    menu->addSeparator();
    menu->addAction(m_nextUncertain);
    menu->addAction(m_confidence);
    menu->addAction(m_overwrite);
    menu->addSeparator();
    menu->addAction(m_openModel);
    menu->addAction(m_saveVersion);
    menu->addSeparator();
    menu->addAction(m_preferences);
    m_window->menuBar()->insertMenu(before ? before->menuAction() : nullptr, menu);
}

void ModelActions::setDocument(LabelDocument* document) {
    m_document = document;
    m_controller->setDocument(document);
    m_live->setDocument(document);
    m_segmentOnOpenPending = document != nullptr;
    updateEnabled();
    segmentOnOpen();
}

void ModelActions::showLearningStarted() {
    m_learning->start(m_controller->learningSettings().steps);
    if (m_learningDock)
        m_learningDock->raise();
}

void ModelActions::segmentOnOpen() {
    // Once per opened image, as soon as both it and a model are there: a person's first look
    // shows the model's proposal for what is in view.
    if (!m_segmentOnOpenPending || !m_document || !m_controller->hasModel() || m_controller->isBusy())
        return;
    m_segmentOnOpenPending = false;
    if (!Settings::load().segmentOnOpen || m_document->mask().allocatedTiles() > 0)
        return; // off, or the image came with a mask: nothing is overwritten unasked
    // After the window has laid out and fitted the new image.
    QTimer::singleShot(0, this, [this, document = m_document] {
        if (document && document == m_document && !m_controller->isBusy())
            segmentVisibleArea();
    });
}

void ModelActions::updateEnabled() {
    const bool ready = m_document && m_controller->hasModel();
    const bool busy = m_controller->isBusy();
    m_segmentImage->setEnabled(ready && !busy);
    m_segmentVisible->setEnabled(ready && !busy);
    m_segmentSelection->setEnabled(ready && !busy);
    m_learn->setEnabled(ready && !busy);
    m_cancel->setEnabled(busy);
    m_nextUncertain->setEnabled(m_document != nullptr);
    m_openModel->setEnabled(!busy);
    m_saveVersion->setEnabled(m_controller->hasModel());
    m_versions->setBusy(busy);
    m_versions->setCanCompare(m_document && m_document->image());
}

QRect ModelActions::visibleImageRect() const {
    const auto& view = m_canvas->view();
    const QPointF a = view.widgetToImage(QPointF(0, 0));
    const QPointF b = view.widgetToImage(QPointF(m_canvas->width(), m_canvas->height()));
    return QRectF(a, b).normalized().toAlignedRect();
}

void ModelActions::segmentImage() {
    if (!m_document)
        return;
    const QRect visible = visibleImageRect();
    m_controller->segment(m_document->mask().rect(), QRectF(visible).center());
}

void ModelActions::segmentVisibleArea() {
    if (!m_document)
        return;
    const QRect visible = visibleImageRect();
    m_controller->segment(visible, QRectF(visible).center());
}

void ModelActions::segmentSelection() {
    if (!m_document || m_selectTool)
        return;
    m_toolBeforeSelect = m_canvas->tool();
    m_selectTool = std::make_unique<RectangleSelectTool>(m_canvas, [this](const QRect& selected) {
        if (m_canvas->tool() == m_selectTool.get()) // not when the user switched tools meanwhile
            m_canvas->setTool(m_toolBeforeSelect);
        // The tool is still on the stack (this runs inside its release or cancel): delete it later.
        QMetaObject::invokeMethod(
            this, [this] { m_selectTool.reset(); }, Qt::QueuedConnection);
        if (!selected.isNull() && m_document)
            m_controller->segment(selected, QRectF(selected).center());
    });
    m_canvas->setTool(m_selectTool.get());
    Q_EMIT status(tr("Drag a rectangle to segment; Esc cancels"), 8000);
}

ModelActions::~ModelActions() = default;

void ModelActions::showNextUncertain() {
    const QRect tile = m_controller->nextUncertainTile();
    if (tile.isNull()) {
        Q_EMIT status(tr("No unreviewed predicted tile is left: segment first, or every tile was shown"),
                      5000);
        return;
    }
    // Close enough to judge the labels: the tile fills about half the view.
    const double fit = 0.5 * std::min(m_canvas->width(), m_canvas->height()) / double(tile.width());
    const double scale = std::max(m_canvas->view().scale(), std::min(fit, m_canvas->maxScale()));
    m_canvas->setView(QRectF(tile).center(), scale);
    const QPoint index(tile.x() / LabelMask::TileSize, tile.y() / LabelMask::TileSize);
    Q_EMIT status(tr("Tile %1, %2: mean confidence %3 %")
                      .arg(index.x())
                      .arg(index.y())
                      .arg(m_controller->tileConfidence(index) * 100, 0, 'f', 0),
                  8000);
}

void ModelActions::openModelDialog() {
    const QString path = QFileDialog::getOpenFileName(m_window, tr("Open model"), QString(),
                                                      tr("Models (*.pt *.pth *.ts);;All files (*)"));
    if (!path.isEmpty())
        m_controller->openModel(path);
}

void ModelActions::showPreferences() {
    QStringList devices;
    const auto runtime = inference::runtimeInfo();
    for (int i = 0; i < runtime.cudaDeviceCount; ++i)
        devices.append(QStringLiteral("cuda:%1").arg(i));
    auto* dialog = new PreferencesDialog(devices, m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, m_controller, &SegmentationController::applySettings);
    dialog->open();
}

} // namespace segstudio

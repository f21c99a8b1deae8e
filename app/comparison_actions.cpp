#include "app/comparison_actions.h"

#include "annotation/agreement_tracker.h"
#include "annotation/class_areas.h"
#include "annotation/label_document.h"
#include "annotation/mask_agreement.h"
#include "annotation/mask_files.h"
#include "annotation/prepared_edit.h"
#include "annotation/raster_source.h"
#include "app/jobs/app_paths.h"
#include "app/jobs/segmentation_controller.h"
#include "app/main_window.h"
#include "app/model_actions.h"
#include "ui/map_canvas.h"
#include "ui/mask_overlay.h"
#include "ui/metrics_panel.h"
#include "ui/model_versions_panel.h"
#include "ui/rectangle_select_tool.h"
#include "ui/tool_box.h"

#include <QAction>
#include <QActionGroup>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QMenu>
#include <QSlider>
#include <QToolBar>
#include <QtConcurrent>

namespace segstudio {
namespace {

// m² of one pixel of each row of a georeferenced image (geodesic per row in a geographic CRS);
// empty without a georeference: the metrics count pixels.
std::vector<double> rowAreas(const RasterSource& image, int height) {
    const Georeference& georeference = image.georeference();
    if (!georeference.isValid() || !georeference.hasCrs())
        return {};
    AreaCounter counter;
    QString error;
    if (!counter.start(georeference.geoTransform(), georeference.crsWkt(), true, &error) ||
        counter.pixelAreaOfRow(0) <= 0)
        return {};
    std::vector<double> areas(size_t(std::max(0, height)));
    for (int row = 0; row < height; ++row)
        areas[size_t(row)] = counter.pixelAreaOfRow(row);
    return areas;
}

} // namespace

struct ComparisonActions::Measurement {
    std::unique_ptr<AgreementTracker> tracker;
};

ComparisonActions::ComparisonActions(MainWindow* window)
    : QObject(window)
    , m_window(window)
    , m_metrics(new MetricsPanel) {
    m_remeasure.setSingleShot(true);
    m_remeasure.setInterval(500); // after the person pauses, not on every dab
    connect(&m_remeasure, &QTimer::timeout, this, &ComparisonActions::measure);
    connect(window->session(), &DocumentSession::documentChanged, this, &ComparisonActions::onDocument);
    connect(window->modelActions()->versionsPanel(), &ModelVersionsPanel::compareRequested, this,
            &ComparisonActions::compareWithVersion);
    connect(m_metrics, &MetricsPanel::scopeChanged, this, &ComparisonActions::onScope);
    connect(window->canvas(), &MapCanvas::viewChanged, this, [this] {
        if (m_comparison && m_metrics->scope() == MetricsPanel::Scope::Visible)
            m_remeasure.start();
    });
    connect(m_metrics, &MetricsPanel::tileActivated, this, [this](const QRect& tile) {
        MapCanvas* canvas = m_window->canvas();
        const double fit = 0.5 * std::min(canvas->width(), canvas->height()) / double(tile.width());
        canvas->setView(QRectF(tile).center(),
                        std::max(canvas->view().scale(), std::min(fit, canvas->maxScale())));
    });
}

ComparisonActions::~ComparisonActions() = default;

void ComparisonActions::install(QMenu* view) {
    view->addSeparator();
    m_open = view->addAction(tr("Compare &With…"), this, &ComparisonActions::askForFile);
    m_toggle = view->addAction(tr("Show the &Comparison"));
    m_toggle->setShortcut(QKeySequence(Qt::Key_V));
    m_swipe = view->addAction(tr("&Swipe Between Mask and Comparison"));
    m_swipe->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_V));
    m_difference = view->addAction(tr("Show &Differences Only"));
    m_difference->setShortcut(QKeySequence(Qt::Key_X));
    auto* group = new QActionGroup(this);
    group->setExclusionPolicy(QActionGroup::ExclusionPolicy::ExclusiveOptional);
    for (QAction* action : {m_toggle, m_swipe, m_difference}) {
        action->setCheckable(true);
        action->setEnabled(false);
        group->addAction(action);
        connect(action, &QAction::toggled, this, &ComparisonActions::setView);
        m_window->addAction(action);
    }
    m_accept = view->addAction(tr("&Accept the Comparison in a Selection…"), this,
                               &ComparisonActions::acceptInSelection);
    m_accept->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_X));
    m_accept->setEnabled(false);
    m_window->addAction(m_accept);
    m_close = view->addAction(tr("Close Comparison"), this, &ComparisonActions::closeComparison);
    m_close->setEnabled(false);

    m_dock = new QDockWidget(tr("Metrics"), m_window);
    m_dock->setObjectName(QStringLiteral("metricsDock"));
    m_dock->setWidget(m_metrics);
    m_window->addDockWidget(Qt::RightDockWidgetArea, m_dock);
    // A tab beside the Image dock: the metrics get the dock's full height when shown.
    if (auto* imageDock = m_window->findChild<QDockWidget*>(QStringLiteral("imageDock")))
        m_window->tabifyDockWidget(imageDock, m_dock);
    m_dock->hide();
    view->addAction(m_dock->toggleViewAction());

    m_toolbar = new QToolBar(tr("Compare"), m_window);
    m_toolbar->setObjectName(QStringLiteral("compareToolbar"));
    m_slider = new QSlider(Qt::Horizontal, m_toolbar);
    m_slider->setObjectName(QStringLiteral("swipeSlider"));
    m_slider->setRange(0, 1000);
    m_slider->setValue(500);
    m_slider->setMinimumWidth(220);
    m_slider->setToolTip(tr("Where the swipe divider is: the mask left of it, the comparison right"));
    for (QAction* action : {m_toggle, m_swipe, m_difference})
        m_toolbar->addAction(action);
    m_toolbar->addWidget(m_slider);
    connect(m_slider, &QSlider::valueChanged, this, [this](int value) {
        m_window->overlay()->setSwipePosition(value / 1000.0);
        if (!m_swipe->isChecked())
            m_swipe->setChecked(true); // moving the divider is asking for the swipe
    });
    m_window->addToolBar(Qt::BottomToolBarArea, m_toolbar);
    m_toolbar->hide();
}

void ComparisonActions::askForFile() {
    const QString path = QFileDialog::getOpenFileName(m_window, tr("Compare the mask with"), QString(),
                                                      tr("Masks (*.png *.tif *.tiff)"));
    if (!path.isEmpty())
        compareWith(path);
}

void ComparisonActions::compareWith(const QString& path) {
    LabelDocument* document = m_window->document();
    if (!document || !document->image()) {
        Q_EMIT failed(tr("Open an image first: a comparison is a mask of the open image."));
        return;
    }
    auto* watcher = new QFutureWatcher<std::pair<std::shared_ptr<const LabelMask>, QString>>(this);
    const quint64 request = ++m_request;
    QPointer<LabelDocument> target(document);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, request, target, path] {
        watcher->deleteLater();
        auto [mask, error] = watcher->result();
        if (request != m_request || target != m_window->document())
            return; // another image or another comparison meanwhile
        if (!mask) {
            Q_EMIT failed(error);
            return;
        }
        useComparison(mask, path);
    });
    watcher->setFuture(QtConcurrent::run([path, size = document->mask().size(), palette = document->palette(),
                                          budget = document->memoryBudget()] {
        QString error;
        // A comparison too large for the memory budget stays in a scratch file; the overlay
        // reads the tiles in view back on its loader thread.
        auto mask = MaskFiles::loadWithin(path, size, palette, budget, tileScratchFolder(), &error);
        std::shared_ptr<const LabelMask> shared;
        if (mask)
            shared = std::make_shared<const LabelMask>(std::move(*mask));
        return std::make_pair(shared, error);
    }));
}

void ComparisonActions::useComparison(std::shared_ptr<const LabelMask> mask, const QString& name) {
    m_comparison = mask;
    m_measurement = std::make_shared<Measurement>();
    m_window->overlay()->setComparisonMask(mask);
    m_window->toolBox()->setComparison(mask);
    for (QAction* action : {m_toggle, m_swipe, m_difference, m_accept, m_close})
        action->setEnabled(true);
    m_toolbar->show();
    m_dock->show();
    m_dock->raise();
    measure();
    Q_EMIT compared(name);
}

void ComparisonActions::compareWithVersion(int version) {
    LabelDocument* document = m_window->document();
    SegmentationController* controller = m_window->modelActions()->controller();
    if (!document || !document->image()) {
        Q_EMIT failed(tr("Open an image first: a comparison is a mask of the open image."));
        return;
    }
    if (controller->isBusy() && !controller->isBackgroundBatch()) {
        Q_EMIT failed(
            tr("The model is busy: compare with version %1 once the running job is done.").arg(version));
        return;
    }
    const quint64 request = ++m_request;
    QPointer<LabelDocument> target(document);
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection =
        connect(controller, &SegmentationController::versionPredicted, this,
                [this, connection, request, target, version](int, std::shared_ptr<const LabelMask> mask,
                                                             bool cancelled, const QString& error) {
                    disconnect(*connection);
                    if (request != m_request || !target || target != m_window->document())
                        return; // another image or another comparison meanwhile
                    if (!mask) {
                        if (!cancelled)
                            Q_EMIT failed(error);
                        return;
                    }
                    useComparison(mask, tr("model version %1").arg(version));
                });
    controller->predictWithVersion(version);
}

void ComparisonActions::closeComparison() {
    ++m_request;
    m_comparison.reset();
    m_measurement.reset();
    m_remeasure.stop();
    m_window->overlay()->setComparisonMask(nullptr);
    m_window->toolBox()->setComparison(nullptr);
    for (QAction* action : {m_toggle, m_swipe, m_difference}) {
        action->setChecked(false);
        action->setEnabled(false);
    }
    for (QAction* action : {m_close, m_accept})
        if (action)
            action->setEnabled(false);
    if (m_toolbar)
        m_toolbar->hide();
    m_metrics->clear(tr("Compare the mask with another (View ▸ Compare With…) to see how they agree."));
}

void ComparisonActions::acceptInSelection() {
    if (m_comparison)
        pickRectangle([this](const QRect& selected) {
            if (!selected.isNull())
                acceptIn(selected);
        });
}

void ComparisonActions::pickRectangle(std::function<void(const QRect&)> picked) {
    MapCanvas* canvas = m_window->canvas();
    if (m_selectTool)
        return;
    m_toolBefore = canvas->tool();
    m_selectTool =
        std::make_unique<RectangleSelectTool>(canvas, [this, canvas, picked](const QRect& selected) {
            if (canvas->tool() == m_selectTool.get())
                canvas->setTool(m_toolBefore);
            // Still on the stack (inside its release or cancel): deleted later.
            QMetaObject::invokeMethod(
                this, [this] { m_selectTool.reset(); }, Qt::QueuedConnection);
            picked(selected);
        });
    canvas->setTool(m_selectTool.get());
}

void ComparisonActions::onScope() {
    if (m_metrics->scope() != MetricsPanel::Scope::Selection) {
        measure();
        return;
    }
    if (!m_comparison)
        return;
    pickRectangle([this](const QRect& selected) {
        if (!selected.isNull())
            m_selection = selected;
        else if (m_selection.isNull())
            m_metrics->setScope(MetricsPanel::Scope::Image); // cancelled, and no selection before
        measure();
    });
}

void ComparisonActions::acceptIn(const QRect& area) {
    LabelDocument* document = m_window->document();
    if (!m_comparison || !document)
        return;
    auto* watcher = new QFutureWatcher<PreparedEdit>(this);
    QPointer<LabelDocument> target(document);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, target, area] {
        watcher->deleteLater();
        if (!target || target != m_window->document())
            return;
        const PreparedEdit edit = watcher->result();
        if (edit.isEmpty() || target->applyPrepared(edit, tr("Accept the comparison")))
            Q_EMIT accepted(area);
        else
            Q_EMIT failed(tr("The mask changed there while the comparison was being taken over: try again."));
    });
    watcher->setFuture(QtConcurrent::run(
        [snapshot = std::make_shared<const LabelMask>(document->mask()), comparison = m_comparison, area] {
            return PreparedEdit::copy(*snapshot, *comparison, area);
        }));
}

void ComparisonActions::setView() {
    MaskOverlay* overlay = m_window->overlay();
    overlay->setComparison(m_toggle->isChecked()       ? MaskOverlay::Comparison::Other
                           : m_swipe->isChecked()      ? MaskOverlay::Comparison::Swipe
                           : m_difference->isChecked() ? MaskOverlay::Comparison::Difference
                                                       : MaskOverlay::Comparison::Mask);
}

void ComparisonActions::onDocument(LabelDocument* document) {
    if (m_document)
        disconnect(m_document, nullptr, this, nullptr);
    m_document = document;
    closeComparison(); // a comparison belongs to one image
    if (document)
        connect(document, &LabelDocument::changed, this, [this] {
            if (m_comparison)
                m_remeasure.start();
        });
}

void ComparisonActions::measure() {
    LabelDocument* document = m_window->document();
    if (!m_comparison || !document || !document->image())
        return;
    if (m_measuring) {
        m_remeasure.start(); // once the one running is done
        return;
    }
    m_measuring = true;
    const int classes = MaskAgreement::classesOf(document->palette());
    QRect area; // null: the whole image
    QString where = tr("Whole image");
    const auto describe = [](const QRect& r) {
        return tr("%1, %2, %3 × %4 px").arg(r.x()).arg(r.y()).arg(r.width()).arg(r.height());
    };
    if (m_metrics->scope() == MetricsPanel::Scope::Visible) {
        area = m_window->canvas()->view().visibleImageRect().toAlignedRect() & document->mask().rect();
        where = tr("Visible area (%1)").arg(describe(area));
    } else if (m_metrics->scope() == MetricsPanel::Scope::Selection && !m_selection.isNull()) {
        area = m_selection & document->mask().rect();
        where = tr("Selection (%1)").arg(describe(area));
    }
    const auto snapshot = std::make_shared<const LabelMask>(document->mask());
    const quint64 request = m_request;
    auto* watcher = new QFutureWatcher<MaskAgreement>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, request, where] {
        watcher->deleteLater();
        m_measuring = false;
        LabelDocument* current = m_window->document();
        if (request != m_request || !current)
            return;
        m_metrics->setAgreement(watcher->result(), current->palette(), where);
        Q_EMIT metricsUpdated();
    });
    // One measurement runs at a time (m_measuring), so the tracker has one thread at a time.
    watcher->setFuture(QtConcurrent::run([snapshot, comparison = m_comparison, measurement = m_measurement,
                                          classes, image = document->image(), area] {
        if (!measurement->tracker || measurement->tracker->classes() != classes)
            measurement->tracker =
                std::make_unique<AgreementTracker>(classes, rowAreas(*image, snapshot->height()));
        measurement->tracker->update(*snapshot, *comparison);
        return measurement->tracker->in(area, *snapshot, *comparison);
    }));
}

} // namespace segstudio

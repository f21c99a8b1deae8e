#pragma once

#include "annotation/label_mask.h"

#include <QObject>
#include <QPointer>
#include <QTimer>
#include <functional>
#include <memory>

class QAction;
class QDockWidget;
class QMenu;
class QSlider;
class QToolBar;

namespace segstudio {

class LabelDocument;
class MainWindow;
class MetricsPanel;
class RectangleSelectTool;
class CanvasTool;

// Review against a comparison layer: View ▸ Compare With… (or `segstudio IMAGE --compare OTHER`)
// reads a mask of the image (a reference, or another model's output, in any of our mask formats)
// on a worker; V flips between the mask and the comparison, Shift+V splits them with a swipe
// divider (the slider of the Compare toolbar), X shows only where they differ. The Metrics dock
// shows how they agree in the whole image, the visible area or a dragged selection, computed on a
// worker from snapshots and again a moment after each edit or view change (reading only the
// tiles that changed); its worst tiles jump the view there. Shift+X takes the comparison's labels
// in a dragged rectangle and T brushes them, both ordinary undoable edits.
class ComparisonActions : public QObject {
    Q_OBJECT
public:
    explicit ComparisonActions(MainWindow* window);
    ~ComparisonActions() override;

    void install(QMenu* view);
    MetricsPanel* metricsPanel() const { return m_metrics; }
    QDockWidget* metricsDock() const { return m_dock; }
    QAction* toggleAction() const { return m_toggle; }
    QAction* swipeAction() const { return m_swipe; }
    QAction* differenceAction() const { return m_difference; }
    QSlider* swipeSlider() const { return m_slider; }
    QAction* acceptAction() const { return m_accept; }

public Q_SLOTS:
    void compareWith(const QString& path); // reads on a worker; compared() or failed() follows
    // Compares with what model version `version` predicts for the image (made on the model
    // worker, the document untouched); compared() or failed() follows.
    void compareWithVersion(int version);
    void closeComparison();
    // Lets the person drag a rectangle, then takes the comparison's labels there (one undoable
    // edit, a person's labels, computed on a worker); acceptIn() does it without the drag.
    void acceptInSelection();
    void acceptIn(const QRect& area);

Q_SIGNALS:
    void compared(const QString& path);
    void failed(const QString& message);
    void metricsUpdated();
    void accepted(const QRect& area);

private:
    void askForFile();
    void setView();
    void measure();
    void onDocument(LabelDocument* document);
    void onScope();
    void useComparison(std::shared_ptr<const LabelMask> mask, const QString& name);
    // Lets the person drag a rectangle on the canvas; `picked` gets it (null when cancelled).
    void pickRectangle(std::function<void(const QRect&)> picked);

    MainWindow* m_window;
    MetricsPanel* m_metrics;
    QDockWidget* m_dock = nullptr;
    QToolBar* m_toolbar = nullptr;
    QSlider* m_slider = nullptr;
    QAction* m_open = nullptr;
    QAction* m_close = nullptr;
    QAction* m_toggle = nullptr;
    QAction* m_swipe = nullptr;
    QAction* m_difference = nullptr;
    QAction* m_accept = nullptr;
    std::unique_ptr<RectangleSelectTool> m_selectTool;
    CanvasTool* m_toolBefore = nullptr;
    QPointer<LabelDocument> m_document;
    std::shared_ptr<const LabelMask> m_comparison;
    struct Measurement; // the tile-by-tile figures, kept on the worker between updates
    std::shared_ptr<Measurement> m_measurement;
    QRect m_selection; // of the Metrics dock's "Selection" scope
    QTimer m_remeasure;
    quint64 m_request = 0;
    bool m_measuring = false;
};

} // namespace segstudio

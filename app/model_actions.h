#pragma once

#include "app/jobs/segmentation_controller.h"

#include <QObject>
#include <QPointer>
#include <memory>

class QAction;
class QDockWidget;
class QLabel;
class QMainWindow;
class QMenu;

namespace segstudio {

class JobProgress;
class LiveLearning;
class LabelDocument;
class LearningPanel;
class MapCanvas;
class MaskOverlay;
class ModelVersionsPanel;
class RectangleSelectTool;
class CanvasTool;

// The Model menu and everything the interactive loop shows: Segment Image / Visible Area,
// Cancel, Learn from Corrections, Next Uncertain Tile, the confidence heat map, Open Model,
// Preferences; the Learning (loss chart) and Model Versions docks; the device and the running
// job (progress, time left, Cancel) in the status bar. Errors go to `showError`.
class ModelActions : public QObject {
    Q_OBJECT
public:
    ModelActions(QMainWindow* window, MapCanvas* canvas, MaskOverlay* overlay);
    ~ModelActions() override;

    void install(QMenu* before);
    void setDocument(LabelDocument* document);
    SegmentationController* controller() const { return m_controller; }
    LiveLearning* liveLearning() const { return m_live; }
    QAction* liveLearningAction() const { return m_liveAction; }
    LearningPanel* learningPanel() const { return m_learning; }
    ModelVersionsPanel* versionsPanel() const { return m_versions; }
    JobProgress* jobProgress() const { return m_progress; }
    QAction* segmentImageAction() const { return m_segmentImage; }
    QAction* segmentVisibleAction() const { return m_segmentVisible; }
    QAction* segmentSelectionAction() const { return m_segmentSelection; }
    QAction* learnAction() const { return m_learn; }
    QAction* nextUncertainAction() const { return m_nextUncertain; }
    QAction* confidenceAction() const { return m_confidence; }
    QAction* cancelAction() const { return m_cancel; }
    QLabel* deviceLabel() const { return m_device; }

public Q_SLOTS:
    void segmentImage();
    void segmentVisibleArea();
    // Lets the user drag a rectangle, then segments it.
    void segmentSelection();
    void showNextUncertain();
    void openModelDialog();
    void showPreferences();

Q_SIGNALS:
    void failed(const QString& title, const QString& message);
    void status(const QString& text, int milliseconds);

private:
    void updateEnabled();
    void showLearningStarted();
    void segmentOnOpen();
    QRect visibleImageRect() const;

    QMainWindow* m_window;
    MapCanvas* m_canvas;
    MaskOverlay* m_overlay;
    SegmentationController* m_controller;
    LiveLearning* m_live;
    QAction* m_liveAction;
    bool m_segmentOnOpenPending = false;
    bool m_liveRound = false; // the learning that runs was started by live learning
    QPointer<LabelDocument> m_document;
    LearningPanel* m_learning;
    QDockWidget* m_learningDock = nullptr;
    ModelVersionsPanel* m_versions;
    JobProgress* m_progress;
    QLabel* m_device;
    QAction* m_segmentImage;
    QAction* m_segmentVisible;
    QAction* m_segmentSelection;
    std::unique_ptr<RectangleSelectTool> m_selectTool;
    CanvasTool* m_toolBeforeSelect = nullptr;
    QAction* m_cancel;
    QAction* m_learn;
    QAction* m_nextUncertain;
    QAction* m_confidence;
    QAction* m_overwrite;
    QAction* m_openModel;
    QAction* m_saveVersion;
    QAction* m_preferences;
};

} // namespace segstudio

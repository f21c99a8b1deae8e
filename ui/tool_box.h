#pragma once

#include "annotation/label_document.h"

#include <QObject>
#include <QPointer>
#include <memory>

class QAction;
class QActionGroup;
class QComboBox;
class QSpinBox;
class QToolBar;
class QWidget;

namespace segstudio {

class BrushTool;
class ClassPanel;
class FillTool;
class MapCanvas;
class RegionTool;
class ToolSettings;

// All editing tools of a canvas, the actions that pick them (B brush, E eraser, P polygon,
// L lasso, F fill, W wand, G GrabCut, R review, T take the comparison's labels, H navigate), the class keys
// 1-9, `[` / `]` for the brush size and Esc, plus a toolbar with them and the size, mode and tolerance
// controls. Switching tools cancels whatever the previous one had in progress.
class ToolBox : public QObject {
    Q_OBJECT
public:
    enum class Tool { Navigate, Brush, Eraser, Polygon, Lasso, Fill, Wand, GrabCut, Review, TakeComparison };

    ToolBox(MapCanvas* canvas, ToolSettings* settings, ClassPanel* classes, QWidget* window);
    ~ToolBox() override;

    void setDocument(LabelDocument* document);
    void setTool(Tool tool);
    // The comparison layer the comparison brush (T) paints from; null disables that brush.
    void setComparison(std::shared_ptr<const LabelMask> comparison);
    Tool tool() const { return m_tool; }
    QAction* action(Tool tool) const;
    // The actions to add to the window (so their shortcuts work anywhere in it).
    QList<QAction*> actions() const { return m_allActions; }
    QToolBar* createToolBar(QWidget* parent);

    BrushTool* brush() const { return m_brush; }
    BrushTool* eraser() const { return m_eraser; }
    BrushTool* comparisonBrush() const { return m_comparisonBrush; }
    RegionTool* polygon() const { return m_polygon; }
    RegionTool* lasso() const { return m_lasso; }
    RegionTool* grabCut() const { return m_grabCut; }
    RegionTool* review() const { return m_review; }
    FillTool* fill() const { return m_fill; }
    FillTool* wand() const { return m_wand; }

Q_SIGNALS:
    void message(const QString& text);
    void failed(const QString& text);

private:
    QAction* addToolAction(Tool tool, const QString& text, const QKeySequence& key, const QString& tip);
    void rebuildModeBox();

    MapCanvas* m_canvas;
    ToolSettings* m_settings;
    ClassPanel* m_classes;
    QPointer<LabelDocument> m_document;
    Tool m_tool = Tool::Navigate;
    BrushTool* m_brush;
    BrushTool* m_eraser;
    BrushTool* m_comparisonBrush;
    bool m_hasComparison = false;
    RegionTool* m_polygon;
    RegionTool* m_lasso;
    RegionTool* m_grabCut;
    RegionTool* m_review;
    FillTool* m_fill;
    FillTool* m_wand;
    QActionGroup* m_group;
    QList<QAction*> m_toolActions;
    QList<QAction*> m_allActions;
    QPointer<QSpinBox> m_sizeBox;
    QPointer<QComboBox> m_modeBox;
    QPointer<QSpinBox> m_toleranceBox;
};

} // namespace segstudio

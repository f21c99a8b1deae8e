#pragma once

#include "annotation/label_document.h"
#include "ui/canvas_tool.h"

#include <QObject>
#include <QPointer>
#include <memory>

namespace segstudio {

class MapCanvas;
class MaskPainter;
class ToolSettings;

// The brush, the eraser and the comparison brush on the canvas: a press starts a stroke (one
// MaskPainter, so one undo step), each move paints the brush swept from the last position (the
// current class, unlabeled, or the comparison layer's labels under it), the release commits;
// cancel() (Esc) puts every touched pixel back. Shows the brush's true size at the cursor.
class BrushTool : public QObject, public CanvasTool {
    Q_OBJECT
public:
    enum class Kind { Paint, Erase, TakeComparison };

    BrushTool(MapCanvas* canvas, ToolSettings* settings, Kind kind, QObject* parent = nullptr);
    ~BrushTool() override;

    void setDocument(LabelDocument* document);
    Kind kind() const { return m_kind; }
    // What the comparison brush takes its labels from (a mask of the open image; null: nothing).
    void setSource(std::shared_ptr<const LabelMask> source);

    void press(QPointF image) override;
    void move(QPointF image, bool dragging) override;
    void release(QPointF image) override;
    void leave() override;
    void cancel() override;
    bool isBusy() const override { return m_painter != nullptr; }
    void paintOverlay(QPainter& painter) override;

private:
    QRectF cursorWidgetRect() const;
    void updateCursor(QPointF image);
    void paint(QPointF from, QPointF to);

    MapCanvas* m_canvas;
    ToolSettings* m_settings;
    Kind m_kind;
    std::shared_ptr<const LabelMask> m_source;
    QPointer<LabelDocument> m_document;
    std::unique_ptr<MaskPainter> m_painter;
    QPointF m_last;
    QPointF m_cursor;
    bool m_cursorShown = false;
};

} // namespace segstudio

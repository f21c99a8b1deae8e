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

// The brush and the eraser on the canvas: a press starts a stroke (one MaskPainter, so one undo
// step), each move paints the brush swept from the last position, the release commits; cancel()
// (Esc) puts every touched pixel back. Shows the brush's true size as an outline at the cursor.
class BrushTool : public QObject, public CanvasTool {
    Q_OBJECT
public:
    BrushTool(MapCanvas* canvas, ToolSettings* settings, bool eraser, QObject* parent = nullptr);
    ~BrushTool() override;

    void setDocument(LabelDocument* document);
    bool isEraser() const { return m_eraser; }

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

    MapCanvas* m_canvas;
    ToolSettings* m_settings;
    bool m_eraser;
    QPointer<LabelDocument> m_document;
    std::unique_ptr<MaskPainter> m_painter;
    QPointF m_last;
    QPointF m_cursor;
    bool m_cursorShown = false;
};

} // namespace segstudio

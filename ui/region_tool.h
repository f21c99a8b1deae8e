#pragma once

#include "annotation/label_document.h"
#include "ui/canvas_tool.h"

#include <QObject>
#include <QPointer>
#include <QPolygonF>

namespace segstudio {

class MapCanvas;
class ToolSettings;
struct RegionMask;

// The tools that outline an area and then act on all of it once: polygon (click the corners;
// double-click, Enter or a click on the first corner closes), lasso (drag a freehand outline),
// GrabCut (drag a rough outline; OpenCV finds the object's edge on a worker thread) and review
// (drag an outline; its labels become "reviewed"). Esc drops the outline; Backspace removes the
// last polygon corner.
class RegionTool : public QObject, public CanvasTool {
    Q_OBJECT
public:
    enum class Kind { Polygon, Lasso, GrabCut, Review };

    RegionTool(MapCanvas* canvas, ToolSettings* settings, Kind kind, QObject* parent = nullptr);
    ~RegionTool() override;

    void setDocument(LabelDocument* document);
    Kind kind() const { return m_kind; }
    // Acts on a finished outline, as if the user had drawn it.
    void apply(const QPolygonF& outline);

    void press(QPointF image) override;
    void move(QPointF image, bool dragging) override;
    void release(QPointF image) override;
    void doubleClick(QPointF image) override;
    bool key(QKeyEvent* event) override;
    void cancel() override;
    bool isBusy() const override { return !m_points.isEmpty() || m_running; }
    void paintOverlay(QPainter& painter) override;

Q_SIGNALS:
    void message(const QString& text);
    void failed(const QString& text);
    void finished(); // an outline was applied (for GrabCut: once its result is painted)

private:
    void close();
    void repaintOutline();

    MapCanvas* m_canvas;
    ToolSettings* m_settings;
    Kind m_kind;
    QPointer<LabelDocument> m_document;
    QPolygonF m_points;
    QPointF m_hover;
    bool m_dragging = false;
    bool m_running = false;
    QRectF m_paintedOutline;
};

} // namespace segstudio

#pragma once

#include "annotation/display_settings.h"
#include "annotation/tile_cache.h"
#include "ui/view_transform.h"

#include <QCache>
#include <QImage>
#include <QWidget>
#include <memory>

namespace segstudio {

class CanvasLayer;
class CanvasTool;
class RasterSource;

// Shows a RasterSource of any size: paints only the tiles in view, at the pyramid level that
// fits the zoom, from a byte-bounded cache filled on worker threads. While a tile loads, the
// best coarser tile already in the cache stands in for it, so panning never shows holes for
// long and the UI thread never reads a file. Wheel zooms around the cursor; dragging pans;
// +, - and the arrow keys zoom and pan. Layers (the label overlay) paint over the image with the
// same pixel snapping as the tiles; an active tool receives the left button (the middle button
// then pans).
class MapCanvas : public QWidget {
    Q_OBJECT
public:
    static constexpr qint64 DefaultCacheBytes = 256ll * 1024 * 1024;

    explicit MapCanvas(QWidget* parent = nullptr);
    ~MapCanvas() override;

    // Shows `source` fitted to the widget; null shows nothing.
    void setSource(std::shared_ptr<const RasterSource> source);
    const std::shared_ptr<const RasterSource>& source() const { return m_source; }
    void setDisplaySettings(const DisplaySettings& display);
    const DisplaySettings& displaySettings() const { return m_display; }

    const ViewTransform& view() const { return m_view; }
    void setView(QPointF imageCenter, double scale);
    double minScale() const;
    double maxScale() const { return 64.0; }
    int currentLevel() const;

    // Widget rectangle of an image rectangle, snapped to whole widget pixels exactly as image
    // tiles are, so that anything drawn with it lines up with the image pixels.
    QRectF widgetRectOfImageRect(const QRectF& imageRect) const;
    // Repaints the part of the widget showing `imageRect` (plus a pixel of margin).
    void updateImageRect(const QRectF& imageRect);

    // Layers are not owned; remove them before destroying them.
    void addLayer(CanvasLayer* layer);
    void removeLayer(CanvasLayer* layer);
    // The tool getting the left button; null: left drag pans. Not owned.
    void setTool(CanvasTool* tool);
    CanvasTool* tool() const { return m_tool; }

    TileCache& tileCache() { return m_cache; }
    // The image tiles the whole view needs at the current level, centre first.
    QList<TileKey> visibleTiles() const;
    // Visible tiles that were not in the cache at the last paint (0 = the frame was complete).
    int missingTilesAtLastPaint() const { return m_missingAtLastPaint; }

public Q_SLOTS:
    void zoomIn();
    void zoomOut();
    void fitToWindow();
    void zoomToActualSize();

Q_SIGNALS:
    void cursorMoved(QPointF imagePosition);
    void cursorLeft();
    void viewChanged();
    void tileLoadFailed(const QString& message);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    void applyView(const ViewTransform& view);
    QRectF widgetRectOfTile(int level, int tileX, int tileY) const;
    bool drawStandIn(class QPainter& painter, int level, int tileX, int tileY);
    void onTileReady(const TileKey& key);
    void paintLayers(class QPainter& painter, const QRect& dirty);

    std::shared_ptr<const RasterSource> m_source;
    DisplaySettings m_display;
    quint64 m_generation = 0;
    ViewTransform m_view;
    TileCache m_cache;
    // Tiles smoothed down to their size on screen (while zoomed out), so a repaint is a blit.
    QCache<TileKey, QImage> m_onScreen{32 * 1024 * 1024};
    double m_lastPaintScale = 0;
    bool m_fitPending = false;
    bool m_panning = false;
    bool m_toolDragging = false;
    QList<CanvasLayer*> m_layers;
    CanvasTool* m_tool = nullptr;
    QPointF m_lastPanPosition;
    int m_missingAtLastPaint = 0;
};

} // namespace segstudio

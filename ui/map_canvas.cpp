#include "ui/map_canvas.h"

#include "annotation/raster_source.h"
#include "ui/canvas_layer.h"
#include "ui/canvas_tool.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

namespace segstudio {
namespace {

constexpr double WheelZoomPerNotch = 1.4142135623730951; // two notches double the zoom
constexpr double KeyZoomStep = 2.0;
constexpr double KeyPanFraction = 0.2;

QRectF snapToPixels(const QRectF& rect) {
    return QRectF(QPointF(std::round(rect.left()), std::round(rect.top())),
                  QPointF(std::round(rect.right()), std::round(rect.bottom())));
}

} // namespace

MapCanvas::MapCanvas(QWidget* parent)
    : QWidget(parent)
    , m_cache(DefaultCacheBytes) {
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMinimumSize(200, 150);
    connect(&m_cache, &TileCache::tileReady, this, &MapCanvas::onTileReady);
    connect(&m_cache, &TileCache::tileFailed, this, [this](const TileKey& key, const QString& message) {
        if (key.source == (m_source ? m_source->id() : 0) && key.generation == m_generation)
            Q_EMIT tileLoadFailed(message);
    });
}

MapCanvas::~MapCanvas() = default;

void MapCanvas::setSource(std::shared_ptr<const RasterSource> source) {
    m_cache.clear();
    m_source = std::move(source);
    ++m_generation;
    if (m_source)
        m_display = m_source->defaultDisplay();
    fitToWindow();
}

void MapCanvas::setDisplaySettings(const DisplaySettings& display) {
    if (display == m_display)
        return;
    m_display = display;
    ++m_generation; // old tiles stay keyed by the old generation and age out of the cache
    update();
}

void MapCanvas::setView(QPointF imageCenter, double scale) {
    m_fitPending = false;
    applyView(ViewTransform(size(), imageCenter, std::clamp(scale, minScale(), maxScale())));
}

double MapCanvas::minScale() const {
    if (!m_source)
        return 1.0 / 1024;
    const double fit = ViewTransform::fit(size(), m_source->size()).scale();
    return std::min(fit, 1.0) / 4;
}

int MapCanvas::currentLevel() const {
    return m_source ? m_view.levelFor(m_source->levelCount()) : 0;
}

void MapCanvas::zoomIn() {
    m_fitPending = false;
    applyView(m_view.zoomedAround(rect().center(), KeyZoomStep, minScale(), maxScale()));
}

void MapCanvas::zoomOut() {
    m_fitPending = false;
    applyView(m_view.zoomedAround(rect().center(), 1 / KeyZoomStep, minScale(), maxScale()));
}

void MapCanvas::fitToWindow() {
    applyView(m_source ? ViewTransform::fit(size(), m_source->size()) : ViewTransform(size(), {}, 1));
    m_fitPending = true; // keep fitting on resize until the user moves the view
}

void MapCanvas::zoomToActualSize() {
    m_fitPending = false;
    applyView(ViewTransform(size(), m_view.center(), 1.0));
}

void MapCanvas::applyView(const ViewTransform& view) {
    m_view = view;
    if (view.scale() >= 1.0) {
        // Put image pixel edges on screen pixel edges, so that what is drawn under the cursor is
        // exactly the pixel the status bar (and later every tool) reports.
        const QPointF origin = view.imageToWidget(QPointF(0, 0));
        const QPointF snapped(std::round(origin.x()), std::round(origin.y()));
        m_view =
            ViewTransform(view.viewport(), view.center() + (origin - snapped) / view.scale(), view.scale());
    }
    update();
    Q_EMIT viewChanged();
}

QRectF MapCanvas::widgetRectOfTile(int level, int tileX, int tileY) const {
    const double levelScale = double(1 << level);
    const QRect levelRect = m_source->tileRect(level, tileX, tileY);
    return widgetRectOfImageRect(QRectF(levelRect.x() * levelScale, levelRect.y() * levelScale,
                                        levelRect.width() * levelScale, levelRect.height() * levelScale));
}

QRectF MapCanvas::widgetRectOfImageRect(const QRectF& imageRect) const {
    return snapToPixels(
        QRectF(m_view.imageToWidget(imageRect.topLeft()), m_view.imageToWidget(imageRect.bottomRight())));
}

void MapCanvas::updateImageRect(const QRectF& imageRect) {
    if (imageRect.isEmpty())
        return;
    const QRect area = widgetRectOfImageRect(imageRect).toAlignedRect().adjusted(-1, -1, 1, 1);
    if (area.intersects(rect()))
        update(area);
}

void MapCanvas::addLayer(CanvasLayer* layer) {
    if (!m_layers.contains(layer))
        m_layers.append(layer);
    update();
}

void MapCanvas::removeLayer(CanvasLayer* layer) {
    m_layers.removeAll(layer);
    update();
}

void MapCanvas::setTool(CanvasTool* tool) {
    if (tool == m_tool)
        return;
    if (m_tool)
        m_tool->cancel();
    m_tool = tool;
    m_toolDragging = false;
    if (m_tool)
        setCursor(m_tool->cursor());
    else
        unsetCursor();
    update();
}

// Paints the part of a coarser cached tile that covers (level, tileX, tileY). Returns false
// when no coarser level has it yet.
bool MapCanvas::drawStandIn(QPainter& painter, int level, int tileX, int tileY) {
    const QRectF target = widgetRectOfTile(level, tileX, tileY);
    const QRect wanted = m_source->tileRect(level, tileX, tileY);
    for (int coarser = level + 1; coarser < m_source->levelCount(); ++coarser) {
        const int shift = coarser - level;
        const TileKey key{m_source->id(), m_generation, coarser, (tileX >> shift), (tileY >> shift)};
        const QImage image = m_cache.tile(key);
        if (image.isNull())
            continue;
        const QRect coarseTile = m_source->tileRect(coarser, key.x, key.y);
        const double factor = 1.0 / (1 << shift);
        const QRectF source(wanted.x() * factor - coarseTile.x(), wanted.y() * factor - coarseTile.y(),
                            wanted.width() * factor, wanted.height() * factor);
        painter.drawImage(target, image, source);
        return true;
    }
    return false;
}

void MapCanvas::paintEvent(QPaintEvent* event) {
    QPainter painter(this);
    painter.fillRect(event->rect(), palette().color(QPalette::Dark));
    if (!m_source) {
        painter.setPen(palette().color(QPalette::BrightText));
        painter.drawText(rect(), Qt::AlignCenter, tr("Open an image (Ctrl+O) or drop one here"));
        m_missingAtLastPaint = 0;
        return;
    }
    const int level = currentLevel();
    const QRect dirty = event->rect();
    // Tiles are requested for the whole view even when only part of it is repainted: a request
    // replaces the queue, so asking for the dirty part alone would drop the rest of the view.
    const QList<TileKey> visibleTiles = this->visibleTiles();
    if (visibleTiles.isEmpty()) {
        m_missingAtLastPaint = 0;
        paintLayers(painter, dirty);
        return;
    }

    // Downsampling looks right only smoothed; upsampling must show crisp pixels.
    const double screenPixelsPerLevelPixel = m_view.scale() * (1 << level);
    const bool downsampling = screenPixelsPerLevelPixel < 1.0;
    painter.setRenderHint(QPainter::SmoothPixmapTransform, downsampling);
    // Smoothing down costs several milliseconds a frame for a full canvas, and swipes, toggles
    // and pans repaint it every frame: while the zoom stays, tiles get a copy at their screen
    // size, a few a frame (so no frame pays for all of them), and are blitted from then on.
    const bool steady = m_view.scale() == m_lastPaintScale;
    m_lastPaintScale = m_view.scale();
    int copiesLeft = downsampling && steady ? 4 : 0;

    QList<TileKey> missing;
    for (const TileKey& key : visibleTiles) {
        const QRectF target = widgetRectOfTile(level, key.x, key.y);
        if (!m_cache.contains(key)) {
            if (!m_cache.hasFailed(key))
                missing.append(key);
        } else if (target.intersects(dirty)) {
            const QRect onScreen = target.toAlignedRect();
            const QImage* copy = downsampling ? m_onScreen.object(key) : nullptr;
            if (downsampling && (!copy || copy->size() != onScreen.size()) && copiesLeft > 0) {
                --copiesLeft;
                auto* scaled = new QImage(m_cache.tile(key).scaled(onScreen.size(), Qt::IgnoreAspectRatio,
                                                                   Qt::SmoothTransformation));
                copy = m_onScreen.insert(key, scaled, scaled->sizeInBytes()) ? scaled : nullptr;
            }
            if (copy && copy->size() == onScreen.size())
                painter.drawImage(onScreen.topLeft(), *copy);
            else
                painter.drawImage(target, m_cache.tile(key));
        }
    }
    // Stand-ins are magnified coarse tiles shown for a moment: nearest-neighbour is enough and
    // several times cheaper than smoothing a magnification.
    painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
    for (const TileKey& key : std::as_const(missing)) {
        if (widgetRectOfTile(level, key.x, key.y).intersects(dirty))
            drawStandIn(painter, level, key.x, key.y);
    }
    m_missingAtLastPaint = int(missing.size());
    paintLayers(painter, event->rect());
    if (!missing.isEmpty()) {
        m_cache.request(missing,
                        [source = m_source, display = m_display](const TileKey& key, QString* error) {
                            return source->renderTile(key.level, key.x, key.y, display, error);
                        });
    }
}

void MapCanvas::paintLayers(QPainter& painter, const QRect& dirty) {
    for (CanvasLayer* layer : std::as_const(m_layers)) {
        painter.save();
        layer->paint(painter, dirty);
        painter.restore();
    }
    if (m_tool) {
        painter.save();
        m_tool->paintOverlay(painter);
        painter.restore();
    }
}

QList<TileKey> MapCanvas::visibleTiles() const {
    QList<TileKey> tiles;
    if (!m_source)
        return tiles;
    const int level = currentLevel();
    const double tileSpan = RasterSource::TileSize * double(1 << level); // image pixels per tile
    const QRectF view(m_view.widgetToImage(QPointF(0, 0)), m_view.widgetToImage(QPointF(width(), height())));
    const QRectF visible = view.intersected(QRectF(QPointF(0, 0), m_source->size()));
    if (visible.isEmpty())
        return tiles;
    const int firstX = std::max(0, int(std::floor(visible.left() / tileSpan)));
    const int firstY = std::max(0, int(std::floor(visible.top() / tileSpan)));
    const int lastX = std::min(m_source->tilesAcross(level) - 1, int(std::floor(visible.right() / tileSpan)));
    const int lastY = std::min(m_source->tilesDown(level) - 1, int(std::floor(visible.bottom() / tileSpan)));
    for (int y = firstY; y <= lastY; ++y) {
        for (int x = firstX; x <= lastX; ++x)
            tiles.append({m_source->id(), m_generation, level, x, y});
    }
    // Centre outward: the tiles nearest the middle of the view load first.
    const QPointF centre = m_view.center() / tileSpan - QPointF(0.5, 0.5);
    std::sort(tiles.begin(), tiles.end(), [&](const TileKey& a, const TileKey& b) {
        return std::hypot(a.x - centre.x(), a.y - centre.y()) <
               std::hypot(b.x - centre.x(), b.y - centre.y());
    });
    return tiles;
}

void MapCanvas::onTileReady(const TileKey& key) {
    if (!m_source || key.source != m_source->id() || key.generation != m_generation ||
        key.level != currentLevel())
        return;
    const QRect area = widgetRectOfTile(key.level, key.x, key.y).toAlignedRect();
    if (area.intersects(rect()))
        update(area);
}

void MapCanvas::resizeEvent(QResizeEvent*) {
    if (m_fitPending && m_source) {
        fitToWindow();
        return;
    }
    applyView(ViewTransform(size(), m_view.center(), m_view.scale()));
}

void MapCanvas::wheelEvent(QWheelEvent* event) {
    const double notches = event->angleDelta().y() / 120.0;
    if (notches == 0 || !m_source)
        return;
    m_fitPending = false;
    applyView(
        m_view.zoomedAround(event->position(), std::pow(WheelZoomPerNotch, notches), minScale(), maxScale()));
    event->accept();
}

void MapCanvas::mousePressEvent(QMouseEvent* event) {
    if (m_tool && m_source && event->button() == Qt::LeftButton && !m_panning) {
        m_toolDragging = true;
        m_tool->press(m_view.widgetToImage(event->position()));
        event->accept();
        return;
    }
    // With a tool the left button is the tool's: only the middle button pans.
    const bool pans = event->button() == Qt::MiddleButton || (!m_tool && event->button() == Qt::LeftButton);
    if (pans && !m_toolDragging) {
        m_panning = true;
        m_lastPanPosition = event->position();
        setCursor(Qt::ClosedHandCursor);
        event->accept();
    }
}

void MapCanvas::mouseMoveEvent(QMouseEvent* event) {
    if (m_panning) {
        m_fitPending = false;
        applyView(m_view.panned(event->position() - m_lastPanPosition));
        m_lastPanPosition = event->position();
    }
    if (m_source) {
        const QPointF image = m_view.widgetToImage(event->position());
        if (m_tool && !m_panning)
            m_tool->move(image, m_toolDragging);
        Q_EMIT cursorMoved(image);
    }
}

void MapCanvas::mouseReleaseEvent(QMouseEvent* event) {
    if (m_toolDragging && event->button() == Qt::LeftButton) {
        m_toolDragging = false;
        if (m_tool)
            m_tool->release(m_view.widgetToImage(event->position()));
        return;
    }
    if (m_panning && (event->button() == Qt::LeftButton || event->button() == Qt::MiddleButton)) {
        m_panning = false;
        if (m_tool)
            setCursor(m_tool->cursor());
        else
            unsetCursor();
    }
}

void MapCanvas::mouseDoubleClickEvent(QMouseEvent* event) {
    if (m_tool && m_source && event->button() == Qt::LeftButton) {
        m_tool->doubleClick(m_view.widgetToImage(event->position()));
        event->accept();
        return;
    }
    QWidget::mouseDoubleClickEvent(event);
}

void MapCanvas::keyPressEvent(QKeyEvent* event) {
    if (m_tool && m_tool->key(event)) {
        event->accept();
        return;
    }
    const QPointF step(width() * KeyPanFraction, height() * KeyPanFraction);
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomIn();
        break;
    case Qt::Key_Minus:
        zoomOut();
        break;
    case Qt::Key_Left:
        applyView(m_view.panned(QPointF(step.x(), 0)));
        break;
    case Qt::Key_Right:
        applyView(m_view.panned(QPointF(-step.x(), 0)));
        break;
    case Qt::Key_Up:
        applyView(m_view.panned(QPointF(0, step.y())));
        break;
    case Qt::Key_Down:
        applyView(m_view.panned(QPointF(0, -step.y())));
        break;
    default:
        QWidget::keyPressEvent(event);
        return;
    }
    m_fitPending = false;
    event->accept();
}

void MapCanvas::leaveEvent(QEvent*) {
    if (m_tool) {
        m_tool->leave();
        update();
    }
    Q_EMIT cursorLeft();
}

} // namespace segstudio

#include "ui/mask_overlay.h"

#include "annotation/label_document.h"
#include "annotation/mask_tile.h"
#include "annotation/raster_source.h"
#include "annotation/tile_store.h"
#include "ui/map_canvas.h"

#include <QPainter>
#include <algorithm>
#include <cmath>
#include <vector>

namespace segstudio {

MaskOverlay::MaskOverlay(MapCanvas* canvas, QObject* parent)
    : QObject(parent)
    , m_canvas(canvas)
    , m_tiles(CacheBytes) {
    m_loader.setMaxThreadCount(1);
    connect(&m_comparison, &ResidentMask::tilesArrived, this, &MaskOverlay::onChanged);
    canvas->addLayer(this);
}

MaskOverlay::~MaskOverlay() {
    m_loader.waitForDone();
    if (m_canvas)
        m_canvas->removeLayer(this);
}

void MaskOverlay::readTiles(const QList<QPoint>& tiles) {
    QList<QPoint> wanted;
    std::vector<std::shared_ptr<const StoredTile>> stored;
    const LabelMask& mask = m_document->mask();
    for (const QPoint& tile : tiles) {
        if (m_loading.contains(tile) || !mask.storedTile(tile.x(), tile.y()))
            continue;
        m_loading.insert(tile);
        wanted.append(tile);
        stored.push_back(mask.storedTile(tile.x(), tile.y()));
    }
    if (wanted.isEmpty())
        return;
    m_loader.start([this, document = QPointer<LabelDocument>(m_document), stored, wanted] {
        std::vector<std::shared_ptr<const MaskTile>> read;
        read.reserve(stored.size());
        for (const auto& tile : stored)
            read.push_back(tile->read());
        QMetaObject::invokeMethod(
            this, [this, document, stored, read, wanted] { onTilesRead(document, stored, read, wanted); },
            Qt::QueuedConnection);
    });
}

void MaskOverlay::onTilesRead(LabelDocument* document,
                              const std::vector<std::shared_ptr<const StoredTile>>& stored,
                              const std::vector<std::shared_ptr<const MaskTile>>& tiles,
                              const QList<QPoint>& where) {
    for (const QPoint& tile : where)
        m_loading.remove(tile);
    if (!document || document != m_document)
        return;
    QRect area;
    for (qsizetype i = 0; i < where.size(); ++i)
        if (document->bringBack(where[i].x(), where[i].y(), stored[size_t(i)], tiles[size_t(i)]))
            area |= document->mask().tileRect(where[i].x(), where[i].y());
    if (area.isEmpty())
        return;
    // What comes back into memory pushes the farthest predicted tiles out, never those in view.
    QRect view;
    if (m_canvas) {
        const ViewTransform& transform = m_canvas->view();
        view = QRectF(transform.widgetToImage(QPointF(0, 0)),
                      transform.widgetToImage(QPointF(m_canvas->width(), m_canvas->height())))
                   .toAlignedRect();
    }
    document->releaseTiles(QRectF(view).center(), view);
    onChanged(area); // drawn again from the pixels
}

void MaskOverlay::setDocument(LabelDocument* document) {
    if (m_document)
        disconnect(m_document, nullptr, this, nullptr);
    m_document = document;
    if (document) {
        connect(document, &LabelDocument::changed, this, &MaskOverlay::onChanged);
        connect(document, &LabelDocument::paletteChanged, this, [this] {
            rebuildColors();
            invalidateAll();
        });
        connect(document, &QObject::destroyed, this, [this] { invalidateAll(); });
    }
    rebuildColors();
    invalidateAll();
}

void MaskOverlay::setOpacity(double opacity) {
    opacity = std::clamp(opacity, 0.0, 1.0);
    if (opacity == m_opacity)
        return;
    m_opacity = opacity; // baked into the tiles: they are rendered again
    rebuildColors();
    invalidateAll();
}

void MaskOverlay::setOutlineOnly(bool outline) {
    if (outline == m_outline)
        return;
    m_outline = outline;
    invalidateAll();
}

void MaskOverlay::setShown(bool shown) {
    if (shown == m_shown)
        return;
    m_shown = shown;
    if (m_canvas)
        m_canvas->update();
}

void MaskOverlay::setMode(Mode mode) {
    if (mode == m_mode)
        return;
    m_mode = mode;
    invalidateAll();
}

void MaskOverlay::setComparisonMask(std::shared_ptr<const LabelMask> mask) {
    m_comparison.setSource(std::move(mask));
    if (!hasComparison())
        m_comparisonView = Comparison::Mask;
    invalidateAll();
}

void MaskOverlay::setComparison(Comparison view) {
    if (!hasComparison())
        view = Comparison::Mask;
    if (view == m_comparisonView)
        return;
    m_comparisonView = view;
    if (m_canvas)
        m_canvas->update(); // each plane has tiles of its own in the cache
}

void MaskOverlay::setSwipePosition(double share) {
    share = std::clamp(share, 0.0, 1.0);
    if (share == m_swipe)
        return;
    m_swipe = share;
    if (m_canvas)
        m_canvas->update();
}

QRgb MaskOverlay::confidenceColor(quint8 confidence) {
    if (confidence == 0)
        return 0; // never predicted
    // Uncertainty 0 (sure) is a faint yellow; from 0.6 on (a coin toss between classes) full red.
    const double uncertainty = std::min(1.0, (255.0 - confidence) / 255.0 / 0.6);
    const double alpha = 0.12 + 0.88 * uncertainty;
    const QColor color = QColor::fromHsvF(float((1.0 - uncertainty) / 6.0), 1.0f, 1.0f);
    return qPremultiply(qRgba(color.red(), color.green(), color.blue(), int(alpha * 255 + 0.5)));
}

void MaskOverlay::rebuildColors() {
    const auto faded = [this](QRgb premultiplied) { // the overlay's opacity applied
        const double a = m_opacity;
        return qRgba(int(qRed(premultiplied) * a + 0.5), int(qGreen(premultiplied) * a + 0.5),
                     int(qBlue(premultiplied) * a + 0.5), int(qAlpha(premultiplied) * a + 0.5));
    };
    for (int c = 0; c < 256; ++c)
        m_heat[size_t(c)] = faded(confidenceColor(quint8(c)));
    m_dimmed = faded(qPremultiply(qRgba(0, 0, 0, 150)));
    m_unlabeledReference = faded(qPremultiply(qRgba(255, 255, 255, 200)));
    m_colors.fill(0);
    if (!m_document)
        return;
    for (const LabelClass& c : m_document->palette().classes()) {
        if (c.visible)
            m_colors[size_t(c.id)] = faded(c.color.rgb() | 0xFF000000u);
    }
}

void MaskOverlay::invalidateAll() {
    m_tiles.clear();
    if (m_canvas)
        m_canvas->update();
}

void MaskOverlay::onChanged(const QRect& imageRect) {
    // An outline depends on the neighbours, so a change reaches one pixel further.
    const QRect reach = imageRect.adjusted(-1, -1, 1, 1);
    const auto keys = m_tiles.keys();
    for (const Key& key : keys) {
        const int span = RasterSource::TileSize << key.level;
        const int grow = 1 << key.level;
        if (QRect(key.x * span, key.y * span, span, span)
                .adjusted(-grow, -grow, grow, grow)
                .intersects(reach))
            m_tiles.remove(key);
    }
    if (m_canvas)
        m_canvas->updateImageRect(QRectF(reach));
}

QImage MaskOverlay::renderTile(int level, const QRect& levelRect, Plane plane, QList<QPoint>* notInMemory,
                               QList<QPoint>* comparisonNotInMemory) const {
    const bool other = plane == Plane::Other && hasComparison();
    const LabelMask& mask = other ? m_comparison.mask() : m_document->mask();
    // One sample of margin on each side: outlines compare with the neighbours across tile edges.
    const int w = levelRect.width() + 2;
    const int h = levelRect.height() + 2;
    std::vector<quint8> classes(size_t(w) * size_t(h));
    QImage image(levelRect.size(), QImage::Format_ARGB32_Premultiplied);
    if (plane == Plane::Difference && hasComparison()) {
        std::vector<quint8> theirs(classes.size());
        mask.sampleClasses(level, levelRect, classes.data(), levelRect.width(), notInMemory);
        m_comparison.mask().sampleClasses(level, levelRect, theirs.data(), levelRect.width(),
                                          comparisonNotInMemory);
        for (int y = 0; y < levelRect.height(); ++y) {
            auto* out = reinterpret_cast<QRgb*>(image.scanLine(y));
            const size_t row = size_t(y) * levelRect.width();
            for (int x = 0; x < levelRect.width(); ++x) {
                const quint8 ours = classes[row + x], reference = theirs[row + x];
                out[x] = ours == reference        ? m_dimmed
                         : reference == Unlabeled ? m_unlabeledReference
                                                  : m_colors[reference];
            }
        }
        return image;
    }
    if (m_mode == Mode::Confidence && !other) {
        mask.sampleConfidence(level, levelRect, classes.data(), levelRect.width(), notInMemory);
        for (int y = 0; y < levelRect.height(); ++y) {
            auto* out = reinterpret_cast<QRgb*>(image.scanLine(y));
            const quint8* row = classes.data() + size_t(y) * levelRect.width();
            for (int x = 0; x < levelRect.width(); ++x)
                out[x] = m_heat[row[x]];
        }
        return image;
    }
    mask.sampleClasses(level, levelRect.adjusted(-1, -1, 1, 1), classes.data(), w,
                       other ? comparisonNotInMemory : notInMemory);
    for (int y = 0; y < levelRect.height(); ++y) {
        auto* out = reinterpret_cast<QRgb*>(image.scanLine(y));
        const quint8* row = classes.data() + size_t(y + 1) * w + 1;
        for (int x = 0; x < levelRect.width(); ++x) {
            const quint8 c = row[x];
            QRgb color = m_colors[c];
            if (color && m_outline) {
                const bool edge = row[x - 1] != c || row[x + 1] != c || row[x - w] != c || row[x + w] != c;
                if (!edge)
                    color = 0;
            }
            out[x] = color;
        }
    }
    return image;
}

void MaskOverlay::paint(QPainter& painter, const QRect& dirty) {
    const auto& source = m_canvas->source();
    if (!m_shown || !m_document || !source || source->size() != m_document->mask().size())
        return;
    const int level = m_canvas->currentLevel();
    const ViewTransform& view = m_canvas->view();
    const QRectF visible = QRectF(view.widgetToImage(dirty.topLeft()),
                                  view.widgetToImage(QPointF(dirty.right() + 1, dirty.bottom() + 1)))
                               .intersected(QRectF(QPointF(0, 0), source->size()));
    if (visible.isEmpty())
        return;
    const double span = RasterSource::TileSize * double(1 << level);
    const int firstX = std::max(0, int(std::floor(visible.left() / span)));
    const int firstY = std::max(0, int(std::floor(visible.top() / span)));
    const int lastX = std::min(source->tilesAcross(level) - 1, int(std::floor(visible.right() / span)));
    const int lastY = std::min(source->tilesDown(level) - 1, int(std::floor(visible.bottom() / span)));
    // The opacity is baked into the tiles' colours: an opaque blend is Qt's fast path (a third
    // of the time of blending with a painter opacity, measured with segstudio-viewbench --compare).
    painter.setOpacity(1.0);
    painter.setRenderHint(QPainter::SmoothPixmapTransform, false); // labels stay crisp squares
    switch (hasComparison() ? m_comparisonView : Comparison::Mask) {
    case Comparison::Mask:
        paintPlane(painter, Plane::Mask, level, firstX, firstY, lastX, lastY);
        break;
    case Comparison::Other:
        paintPlane(painter, Plane::Other, level, firstX, firstY, lastX, lastY);
        break;
    case Comparison::Difference:
        paintPlane(painter, Plane::Difference, level, firstX, firstY, lastX, lastY);
        break;
    case Comparison::Swipe: {
        const int divider = int(std::lround(m_swipe * m_canvas->width()));
        painter.save();
        painter.setClipRect(QRect(0, 0, divider, m_canvas->height()).intersected(dirty));
        paintPlane(painter, Plane::Mask, level, firstX, firstY, lastX, lastY);
        painter.setClipRect(
            QRect(divider, 0, m_canvas->width() - divider, m_canvas->height()).intersected(dirty));
        paintPlane(painter, Plane::Other, level, firstX, firstY, lastX, lastY);
        painter.restore();
        painter.setOpacity(1.0);
        painter.setPen(QPen(Qt::white, 2));
        painter.drawLine(divider, 0, divider, m_canvas->height());
        break;
    }
    }
}

void MaskOverlay::paintPlane(QPainter& painter, Plane plane, int level, int firstX, int firstY, int lastX,
                             int lastY) {
    const auto& source = m_canvas->source();
    const double scale = double(1 << level);
    for (int ty = firstY; ty <= lastY; ++ty) {
        for (int tx = firstX; tx <= lastX; ++tx) {
            const QRect levelRect = source->tileRect(level, tx, ty);
            const Key key{level, tx, ty, plane};
            Entry* entry = m_tiles.object(key);
            if (!entry) {
                QList<QPoint> notInMemory, comparisonNotInMemory;
                entry =
                    new Entry{renderTile(level, levelRect, plane, &notInMemory, &comparisonNotInMemory), {}};
                ++m_rendered;
                // Drawn again from the pixels once they are back.
                if (!notInMemory.isEmpty())
                    readTiles(notInMemory);
                if (!comparisonNotInMemory.isEmpty())
                    m_comparison.readBack(comparisonNotInMemory);
                if (!m_tiles.insert(key, entry, entry->level.sizeInBytes()))
                    return; // cannot happen with a 64 MB cache; insert() deleted the entry
            }
            const QRectF imageRect(levelRect.x() * scale, levelRect.y() * scale, levelRect.width() * scale,
                                   levelRect.height() * scale);
            const QRect target = m_canvas->widgetRectOfImageRect(imageRect).toAlignedRect();
            if (target.size() == entry->level.size()) {
                painter.drawImage(target.topLeft(), entry->level);
                continue;
            }
            // Zoomed in past 4× few tiles show, and a copy would be large: drawn scaled.
            if (target.width() > 4 * MaskTile::Size || target.height() > 4 * MaskTile::Size) {
                painter.drawImage(target, entry->level);
                continue;
            }
            // Else the copy at screen size, made once per zoom (nearest neighbour, as drawn scaled).
            if (entry->onScreen.size() != target.size()) {
                Entry resized{entry->level, entry->level.scaled(target.size(), Qt::IgnoreAspectRatio,
                                                                Qt::FastTransformation)};
                const qint64 cost = resized.level.sizeInBytes() + resized.onScreen.sizeInBytes();
                if (!m_tiles.insert(key, new Entry(std::move(resized)), cost) ||
                    !(entry = m_tiles.object(key)))
                    continue;
            }
            painter.drawImage(target.topLeft(), entry->onScreen);
        }
    }
}

} // namespace segstudio

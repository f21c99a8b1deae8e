#pragma once

#include "annotation/label_document.h"
#include "ui/canvas_layer.h"
#include "ui/map_canvas.h"
#include "ui/resident_mask.h"

#include <QCache>
#include <QImage>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QThreadPool>
#include <array>
#include <memory>

namespace segstudio {

// Draws a LabelDocument's classes over the image: class colours at an adjustable opacity,
// filled or as outlines only, hiding classes the palette marks invisible. It renders 256² overlay
// tiles at the canvas's pyramid level straight from the mask tiles (nearest sample; a 40 000²
// mask zoomed out costs what the screen shows, not what the mask holds), caches them, and on a
// change of the document re-renders and repaints only the tiles that change touched. Tiles are
// placed with the canvas's own pixel snapping, so labels sit exactly on their image pixels.
class MaskOverlay : public QObject, public CanvasLayer {
    Q_OBJECT
public:
    // What the overlay shows: the classes, or the model's confidence as a heat map (the less
    // sure the model, the redder and more opaque; pixels without a prediction stay clear).
    enum class Mode { Classes, Confidence };
    // With a comparison mask (a reference, another model's output): show the document's mask,
    // the comparison instead, both split by a vertical divider (the mask left of it, the
    // comparison right), or only where they differ (the comparison's class colour; pixels where
    // they agree dimmed).
    enum class Comparison { Mask, Other, Swipe, Difference };

    static constexpr qint64 CacheBytes = 64ll * 1024 * 1024;

    explicit MaskOverlay(MapCanvas* canvas, QObject* parent = nullptr);
    ~MaskOverlay() override;

    void setDocument(LabelDocument* document); // null shows nothing
    LabelDocument* document() const { return m_document; }

    double opacity() const { return m_opacity; }
    void setOpacity(double opacity);
    bool outlineOnly() const { return m_outline; }
    void setOutlineOnly(bool outline);
    bool isShown() const { return m_shown; }
    void setShown(bool shown);
    Mode mode() const { return m_mode; }
    void setMode(Mode mode);
    // A mask of the document's size to compare with (null: none; the view returns to the mask).
    // Its tiles may be only in a TileStore: those in view are read back on a thread of their own.
    void setComparisonMask(std::shared_ptr<const LabelMask> mask);
    const std::shared_ptr<const LabelMask>& comparisonMask() const { return m_comparison.source(); }
    // The comparison as drawn, with the tiles read back from its TileStore so far.
    const ResidentMask& comparisonTiles() const { return m_comparison; }
    Comparison comparison() const { return m_comparisonView; }
    void setComparison(Comparison view);
    // Where the swipe divider is, as a share of the canvas's width (0-1).
    double swipePosition() const { return m_swipe; }
    void setSwipePosition(double share);
    // The heat map colour of a confidence byte (premultiplied; 0 = not drawn).
    static QRgb confidenceColor(quint8 confidence);

    void paint(QPainter& painter, const QRect& dirty) override;
    // For tests: the rendered overlay tiles so far (cache misses).
    int tilesRendered() const { return m_rendered; }

private:
    enum class Plane { Mask, Other, Difference };
    struct Key {
        int level;
        int x;
        int y;
        Plane plane;
        bool operator==(const Key&) const = default;
    };
    friend size_t qHash(const Key& key, size_t seed) {
        return qHashMulti(seed, key.level, key.x, key.y, int(key.plane));
    }

    // Never reads a TileStore: tiles only there are drawn from their summaries and listed in
    // `notInMemory` (the document's, read back by readTiles()) or `comparisonNotInMemory`.
    QImage renderTile(int level, const QRect& levelRect, Plane plane, QList<QPoint>* notInMemory,
                      QList<QPoint>* comparisonNotInMemory) const;
    bool hasComparison() const { return m_comparison.source() != nullptr; }
    void readTiles(const QList<QPoint>& tiles);
    void onTilesRead(LabelDocument* document, const std::vector<std::shared_ptr<const StoredTile>>& stored,
                     const std::vector<std::shared_ptr<const MaskTile>>& tiles, const QList<QPoint>& where);
    void paintPlane(QPainter& painter, Plane plane, int level, int firstX, int firstY, int lastX, int lastY);
    void onChanged(const QRect& imageRect);
    void invalidateAll();
    void rebuildColors();

    QPointer<MapCanvas> m_canvas; // the window may destroy the canvas first
    QPointer<LabelDocument> m_document;
    // A tile at its pyramid level, and a copy at the size it was last drawn on screen: drawn
    // 1:1, a cached tile is a plain blit (a scaled draw costs several times more per frame, which
    // the swipe and the toggle repaint every frame; segstudio-viewbench --compare).
    struct Entry {
        QImage level;
        QImage onScreen;
    };
    QCache<Key, Entry> m_tiles;
    // class → premultiplied colour with the opacity applied, 0 = not drawn
    std::array<QRgb, 256> m_colors{};
    QRgb m_dimmed = 0;             // where mask and comparison agree, in the difference view
    QRgb m_unlabeledReference = 0; // where the comparison has no label, in the difference view
    double m_opacity = 0.5;
    bool m_outline = false;
    bool m_shown = true;
    Mode m_mode = Mode::Classes;
    // The comparison's tiles last read back (a 2560 × 1440 canvas shows 920 at 1:4, the
    // coarsest zoom that reads pixels rather than summaries) stay in memory: 128 MB at most.
    ResidentMask m_comparison{1024};
    Comparison m_comparisonView = Comparison::Mask;
    double m_swipe = 0.5;
    std::array<QRgb, 256> m_heat{};
    int m_rendered = 0;
    QThreadPool m_loader;   // reads tiles back from the document's TileStore, one job at a time
    QSet<QPoint> m_loading; // tiles asked for and not back yet
};

} // namespace segstudio

#pragma once

#include "annotation/mask_tile.h"

#include <QHash>
#include <QRect>
#include <QString>
#include <memory>
#include <vector>

namespace segstudio {

class LabelDocument;
class LabelMask;
class StoredTile;
struct RegionMask;

// Which pixels a paint operation may change.
enum class PaintMode {
    Everything,    // paint over everything
    OnlyUnlabeled, // only pixels that are still unlabeled
    OnlyClass,     // only pixels of one chosen class (PaintSpec::onlyClass)
};

// What a tool writes: a class (Unlabeled for the eraser) and the rule for which pixels it may
// overwrite. Written pixels get provenance Edited (erased ones None: unlabeled has no source).
struct PaintSpec {
    quint8 classId = 0;
    PaintMode mode = PaintMode::Everything;
    quint8 onlyClass = 0;
};

// The single way pixels of a LabelDocument change: one painter is one undo step (a stroke, a
// polygon, a fill). It records each tile the first time it is touched (sharing it copy-on-write,
// so the record costs nothing until the tile is written), writes spans, and on commit() pushes
// one TileDiffCommand holding only the tiles that really changed, compressed. abort() (Esc in
// the middle of a stroke) puts the recorded tiles back and pushes nothing; so does destroying
// an uncommitted painter. Writes are clipped to the mask. One painter per document at a time.
class MaskPainter {
public:
    MaskPainter(LabelDocument& document, const QString& text);
    ~MaskPainter();
    MaskPainter(const MaskPainter&) = delete;
    MaskPainter& operator=(const MaskPainter&) = delete;

    bool isActive() const { return m_document != nullptr; }
    QRect bounds() const { return m_bounds; } // the mask's rectangle: writes are clipped to it
    // Pixels x0 <= x < x1 of row y.
    void paintSpan(int y, int x0, int x1, const PaintSpec& spec);
    // The rule of paintSpan for `count` pixels of one tile from index `offset` (row-major): what
    // PreparedEdit applies to tiles of a snapshot on a worker.
    static void paintPixels(MaskTile& tile, int offset, int count, const PaintSpec& spec);
    // Takes the labels of `source` (a mask of the same size: the comparison layer) for pixels
    // x0 <= x < x1 of row y, as if a person had painted each (unlabeled there erases).
    void copySpan(int y, int x0, int x1, const LabelMask& source);
    // Marks labeled pixels x0 <= x < x1 of row y as reviewed (classes unchanged).
    void reviewSpan(int y, int x0, int x1);
    void paintRegion(const RegionMask& region, const PaintSpec& spec);
    // Writes predicted classes (and confidences, 0-255, may be null) for pixels x0 <= x < x1 of
    // row y, taken from `classes[x - x0]`. Pixels a person edited or reviewed keep their labels
    // unless the user explicitly asked to overwrite them (`overwriteHumanWork`).
    void predictSpan(int y, int x0, int x1, const quint8* classes, const quint8* confidence,
                     bool overwriteHumanWork = false);

    // Commits with the same merge id that follow each other become one undo step (the tiles of
    // one segmentation job stream in as many commits, and are undone as one). -1: never merge.
    void setMergeId(int id) { m_mergeId = id; }
    // A painter that only writes predictions: its commits are changes, not edits a person made.
    void setMachineWritten(bool machine) { m_machineWritten = machine; }

    // Reports what was drawn since the last flush (views repaint it). Tools call this after
    // each dab so painting shows live.
    void flush();
    // Pushes the edit as one undo step; false when no pixel changed (nothing is pushed).
    bool commit();
    void abort();

    QRect touchedArea() const { return m_area; }
    int touchedTiles() const { return int(m_touched.size()); }

private:
    struct Touched {
        int tileX;
        int tileY;
        std::shared_ptr<const MaskTile> before;
        std::shared_ptr<const StoredTile> storedBefore; // its TileStore copy, if any
    };
    MaskTile& touch(int tileX, int tileY);
    template <typename Write> void forSpan(int y, int x0, int x1, Write write);
    void finish();

    LabelDocument* m_document;
    QString m_text;
    std::vector<Touched> m_touched;
    QHash<int, MaskTile*> m_writable; // tile index → the tile, detached on first touch
    QRect m_bounds;
    QRect m_area;    // everything touched
    QRect m_pending; // touched since the last flush
    int m_mergeId = -1;
    bool m_machineWritten = false;
};

} // namespace segstudio

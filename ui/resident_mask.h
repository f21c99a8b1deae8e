#pragma once

#include "annotation/label_mask.h"

#include <QObject>
#include <QPoint>
#include <QRect>
#include <QSet>
#include <QThreadPool>
#include <deque>
#include <memory>

namespace segstudio {

// A read-only mask as the GUI thread may read it: a comparison read from a file too large for
// memory has its tiles only in a TileStore (MaskFiles::loadWithin), and the GUI thread never
// reads that file. readBack() reads the tiles asked for on a thread of its own, keeps the most
// recently read ones in memory (the oldest go out again beyond `maxTilesInMemory`) and reports
// them with tilesArrived(). A mask wholly in memory needs none of this and costs nothing here.
class ResidentMask : public QObject {
    Q_OBJECT
public:
    explicit ResidentMask(int maxTilesInMemory, QObject* parent = nullptr);
    ~ResidentMask() override; // waits for a read in progress

    void setSource(std::shared_ptr<const LabelMask> source); // null: none
    const std::shared_ptr<const LabelMask>& source() const { return m_source; }
    // The source with the tiles read back so far in memory (the others still only stored).
    const LabelMask& mask() const { return m_mask; }
    // Reads these tiles (tile coordinates) back, those only in the store and not on their way.
    void readBack(const QList<QPoint>& tiles);
    int tilesReadBack() const { return int(m_inMemory.size()); }

Q_SIGNALS:
    // Tiles covering `imageRect` are in memory now: what was drawn from their summaries can be
    // drawn again from their pixels.
    void tilesArrived(const QRect& imageRect);

private:
    void arrived(quint64 generation, const QList<QPoint>& where,
                 const std::vector<std::shared_ptr<const MaskTile>>& tiles);

    const int m_maxTilesInMemory;
    std::shared_ptr<const LabelMask> m_source;
    LabelMask m_mask;
    quint64 m_generation = 0;      // a new source drops what was asked for the old one
    std::deque<QPoint> m_inMemory; // oldest first
    QSet<QPoint> m_reading;
    QThreadPool m_reader; // one thread
};

} // namespace segstudio

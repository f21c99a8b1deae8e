#include "ui/resident_mask.h"

#include "annotation/tile_store.h"

#include <QMetaObject>
#include <QPointer>
#include <algorithm>
#include <vector>

namespace segstudio {

ResidentMask::ResidentMask(int maxTilesInMemory, QObject* parent)
    : QObject(parent)
    , m_maxTilesInMemory(std::max(1, maxTilesInMemory)) {
    m_reader.setMaxThreadCount(1);
}

ResidentMask::~ResidentMask() {
    m_reader.clear();
    m_reader.waitForDone();
}

void ResidentMask::setSource(std::shared_ptr<const LabelMask> source) {
    ++m_generation;
    m_source = std::move(source);
    m_mask = m_source ? *m_source : LabelMask(); // slots only: the tiles stay shared
    m_inMemory.clear();
    m_reading.clear();
}

void ResidentMask::readBack(const QList<QPoint>& tiles) {
    QList<QPoint> wanted;
    std::vector<std::shared_ptr<const StoredTile>> stored;
    for (const QPoint& tile : tiles) {
        if (m_mask.isNull() || m_reading.contains(tile) || m_mask.isInMemory(tile.x(), tile.y()) ||
            !m_mask.storedTile(tile.x(), tile.y()))
            continue;
        m_reading.insert(tile);
        wanted.append(tile);
        stored.push_back(m_mask.storedTile(tile.x(), tile.y()));
    }
    if (wanted.isEmpty())
        return;
    m_reader.start([self = QPointer<ResidentMask>(this), generation = m_generation, stored, wanted] {
        std::vector<std::shared_ptr<const MaskTile>> read;
        read.reserve(stored.size());
        for (const auto& tile : stored)
            read.push_back(tile->read());
        QMetaObject::invokeMethod(
            self,
            [self, generation, wanted, read] {
                if (self)
                    self->arrived(generation, wanted, read);
            },
            Qt::QueuedConnection);
    });
}

void ResidentMask::arrived(quint64 generation, const QList<QPoint>& where,
                           const std::vector<std::shared_ptr<const MaskTile>>& tiles) {
    if (generation != m_generation)
        return; // read for a source that is gone
    QRect area;
    for (qsizetype i = 0; i < where.size(); ++i) {
        const QPoint tile = where[i];
        m_reading.remove(tile);
        const std::shared_ptr<const StoredTile> stored = m_mask.storedTile(tile.x(), tile.y());
        if (!tiles[size_t(i)] || !stored)
            continue; // unreadable (reported by the store); it keeps its summary
        m_mask.setTile(tile.x(), tile.y(), tiles[size_t(i)], stored);
        m_inMemory.push_back(tile);
        area |= m_mask.tileRect(tile.x(), tile.y());
    }
    while (int(m_inMemory.size()) > m_maxTilesInMemory) {
        const QPoint oldest = m_inMemory.front();
        m_inMemory.pop_front();
        m_mask.releaseTile(oldest.x(), oldest.y());
    }
    if (!area.isEmpty())
        Q_EMIT tilesArrived(area);
}

} // namespace segstudio

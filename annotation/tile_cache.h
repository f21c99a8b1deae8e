#pragma once

#include "annotation/tile_key.h"

#include <QCache>
#include <QHash>
#include <QImage>
#include <QObject>
#include <QSet>
#include <QThreadPool>
#include <atomic>
#include <deque>
#include <functional>
#include <mutex>

namespace segstudio {

// Produces the image of one tile; runs on a pool thread, so it must be thread-safe.
using TileLoader = std::function<QImage(const TileKey& key, QString* error)>;

// Decoded tiles, bounded in bytes (least recently used go first), loaded on a private thread
// pool. Each request() replaces the queue of wanted tiles: tiles no longer wanted are dropped
// before they start, the first tile in the list loads first (callers sort from the viewport
// centre outward), and a tile already being decoded is never decoded a second time. Results
// arrive on the owner's thread through tileReady(). Lives on the GUI thread.
class TileCache : public QObject {
    Q_OBJECT
public:
    explicit TileCache(qint64 maxBytes, int threads = 0, QObject* parent = nullptr);
    ~TileCache() override;

    // The cached tile, or a null image. Marks it as recently used.
    QImage tile(const TileKey& key);
    bool contains(const TileKey& key) const { return m_tiles.contains(key); }
    bool hasFailed(const TileKey& key) const { return m_failed.contains(key); }

    void request(const QList<TileKey>& keysByPriority, const TileLoader& loader);
    void cancelPending();
    void clear();
    // Blocks until no load is running or queued (for tests and benchmarks).
    void waitForIdle();

    qint64 maxBytes() const { return m_tiles.maxCost(); }
    void setMaxBytes(qint64 bytes) { m_tiles.setMaxCost(bytes); }
    qint64 cachedBytes() const { return m_tiles.totalCost(); }
    int cachedTiles() const { return m_tiles.count(); }
    int pendingCount() const;
    int inFlightCount() const;
    // Queued or being decoded right now.
    bool isLoading(const TileKey& key) const;
    // Counters for tests and benchmarks.
    qint64 loadsStarted() const { return m_loadsStarted; }
    qint64 loadsDropped() const { return m_loadsDropped; }

Q_SIGNALS:
    void tileReady(const segstudio::TileKey& key);
    void tileFailed(const segstudio::TileKey& key, const QString& message);

private:
    struct Pending {
        TileKey key;
        TileLoader loader;
    };
    void startWorkers();
    void workerLoop();
    void deliver(const TileKey& key, const QImage& image, const QString& error);

    QCache<TileKey, QImage> m_tiles;
    QSet<TileKey> m_failed;
    int m_maxWorkers;

    mutable std::mutex m_mutex; // guards the queue, the in-flight set and the worker count
    std::deque<Pending> m_pending;
    QSet<TileKey> m_inFlight;
    int m_activeWorkers = 0;
    std::atomic<qint64> m_loadsStarted{0};
    qint64 m_loadsDropped = 0;

    QThreadPool m_pool; // last: destroyed (and joined) first
};

} // namespace segstudio

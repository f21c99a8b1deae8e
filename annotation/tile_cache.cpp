#include "annotation/tile_cache.h"

#include <QMetaObject>
#include <QThread>
#include <algorithm>

namespace segstudio {

TileCache::TileCache(qint64 maxBytes, int threads, QObject* parent)
    : QObject(parent)
    , m_maxWorkers(threads > 0 ? threads : std::max(2, QThread::idealThreadCount())) {
    m_tiles.setMaxCost(maxBytes);
    m_pool.setMaxThreadCount(m_maxWorkers);
    qRegisterMetaType<segstudio::TileKey>("segstudio::TileKey");
}

TileCache::~TileCache() {
    cancelPending();
    m_pool.waitForDone();
}

QImage TileCache::tile(const TileKey& key) {
    const QImage* image = m_tiles.object(key);
    return image ? *image : QImage();
}

void TileCache::request(const QList<TileKey>& keysByPriority, const TileLoader& loader) {
    {
        std::lock_guard lock(m_mutex);
        QSet<TileKey> wanted;
        std::deque<Pending> queue;
        for (const TileKey& key : keysByPriority) {
            if (m_tiles.contains(key) || m_failed.contains(key) || m_inFlight.contains(key) ||
                wanted.contains(key))
                continue;
            wanted.insert(key);
            queue.push_back({key, loader});
        }
        for (const Pending& old : m_pending) {
            if (!wanted.contains(old.key))
                ++m_loadsDropped;
        }
        m_pending = std::move(queue);
    }
    startWorkers();
}

void TileCache::cancelPending() {
    std::lock_guard lock(m_mutex);
    m_loadsDropped += static_cast<qint64>(m_pending.size());
    m_pending.clear();
}

void TileCache::clear() {
    cancelPending();
    m_tiles.clear();
    m_failed.clear();
}

void TileCache::waitForIdle() {
    m_pool.waitForDone();
}

int TileCache::pendingCount() const {
    std::lock_guard lock(m_mutex);
    return static_cast<int>(m_pending.size());
}

int TileCache::inFlightCount() const {
    std::lock_guard lock(m_mutex);
    return static_cast<int>(m_inFlight.size());
}

bool TileCache::isLoading(const TileKey& key) const {
    std::lock_guard lock(m_mutex);
    return m_inFlight.contains(key) ||
           std::any_of(m_pending.begin(), m_pending.end(), [&](const Pending& p) { return p.key == key; });
}

void TileCache::startWorkers() {
    std::lock_guard lock(m_mutex);
    const int wanted = std::min<int>(m_maxWorkers, m_activeWorkers + static_cast<int>(m_pending.size()));
    for (; m_activeWorkers < wanted; ++m_activeWorkers)
        m_pool.start([this] { workerLoop(); });
}

// Workers take the most urgent tile at the moment they are free, so a new request() re-orders
// work that has not started yet without cancelling anything mid-decode.
void TileCache::workerLoop() {
    for (;;) {
        Pending next;
        {
            std::lock_guard lock(m_mutex);
            if (m_pending.empty()) {
                --m_activeWorkers;
                return;
            }
            next = std::move(m_pending.front());
            m_pending.pop_front();
            m_inFlight.insert(next.key);
        }
        ++m_loadsStarted;
        QString error;
        QImage image = next.loader(next.key, &error);
        QMetaObject::invokeMethod(
            this, [this, key = next.key, image = std::move(image), error] { deliver(key, image, error); },
            Qt::QueuedConnection);
    }
}

void TileCache::deliver(const TileKey& key, const QImage& image, const QString& error) {
    {
        std::lock_guard lock(m_mutex);
        m_inFlight.remove(key);
    }
    if (image.isNull()) {
        m_failed.insert(key);
        Q_EMIT tileFailed(key, error);
        return;
    }
    m_tiles.insert(key, new QImage(image), std::max<qsizetype>(1, image.sizeInBytes()));
    Q_EMIT tileReady(key);
}

} // namespace segstudio

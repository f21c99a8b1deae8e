#include "annotation/tile_store.h"

#include "annotation/tile_codec.h"
#include "storage/atomic_file.h"

#include <QByteArray>
#include <QDir>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace segstudio {

// The open scratch file: shared by the store and every StoredTile, so the tiles stay readable
// after the store (its writer thread) is gone, and the file closes with the last of them.
class TileStoreFile {
public:
    explicit TileStoreFile(int fd)
        : m_fd(fd) {}
    ~TileStoreFile() { ::close(m_fd); }

    // Appends `data`; the offset, or -1 with the cause kept for error().
    qint64 append(const QByteArray& data) {
        if (failed())
            return -1;
        const qint64 offset = m_end.fetch_add(data.size());
        qint64 done = 0;
        while (done < data.size()) {
            const ssize_t n =
                ::pwrite(m_fd, data.constData() + done, size_t(data.size() - done), offset + done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                fail(QString::fromStdString(storage::describeWriteError(n < 0 ? errno : ENOSPC)));
                return -1;
            }
            done += n;
        }
        return offset;
    }
    QByteArray read(qint64 offset, qint32 length) const {
        QByteArray data(length, Qt::Uninitialized);
        qint64 done = 0;
        while (done < length) {
            const ssize_t n = ::pread(m_fd, data.data() + done, size_t(length - done), offset + done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return {};
            done += n;
        }
        return data;
    }
    qint64 bytes() const { return m_end.load(); }
    bool failed() const {
        std::lock_guard lock(m_mutex);
        return !m_error.isEmpty();
    }
    QString error() const {
        std::lock_guard lock(m_mutex);
        return m_error;
    }

private:
    void fail(const QString& error) {
        std::lock_guard lock(m_mutex);
        if (m_error.isEmpty())
            m_error = error;
    }

    int m_fd;
    std::atomic<qint64> m_end{0};
    mutable std::mutex m_mutex;
    QString m_error;
};

StoredTile::StoredTile(std::shared_ptr<const MaskTile> tile, std::shared_ptr<TileStoreFile> file)
    : m_file(std::move(file))
    , m_hasConfidence(!tile->confidence.empty()) {
    for (int p = 0; p < 4; ++p)
        if (tile->holds(Provenance(p)))
            m_provenances |= quint8(1u << p);
    for (int y = 0; y < SummarySize; ++y)
        for (int x = 0; x < SummarySize; ++x) {
            const int pixel = y * SummaryStep * MaskTile::Size + x * SummaryStep;
            m_classes[size_t(y * SummarySize + x)] = tile->classes[size_t(pixel)];
            if (m_hasConfidence)
                m_confidence[size_t(y * SummarySize + x)] = tile->confidence[size_t(pixel)];
        }
    m_pending = std::move(tile);
}

std::shared_ptr<const MaskTile> StoredTile::read() const {
    qint64 offset;
    qint32 length;
    {
        std::lock_guard lock(m_mutex);
        if (m_pending)
            return m_pending;
        offset = m_offset;
        length = m_length;
    }
    bool ok = false;
    std::shared_ptr<MaskTile> tile = TileCodec::decode(m_file->read(offset, length), &ok);
    if (!ok || !tile) {
        std::fprintf(stderr, "segstudio: a tile of the scratch store cannot be read back (offset %lld)\n",
                     static_cast<long long>(offset));
        return nullptr;
    }
    return tile;
}

bool StoredTile::isWritten() const {
    std::lock_guard lock(m_mutex);
    return !m_pending;
}

qint64 StoredTile::memoryBytes() const {
    std::lock_guard lock(m_mutex);
    return qint64(sizeof(StoredTile)) +
           (m_pending ? qint64(sizeof(MaskTile) + m_pending->confidence.size()) : 0);
}

void StoredTile::written(qint64 offset, qint32 length) {
    std::lock_guard lock(m_mutex);
    m_offset = offset;
    m_length = length;
    m_pending.reset();
}

TileStore::TileStore(std::shared_ptr<TileStoreFile> file)
    : m_file(std::move(file)) {
    m_writer.setMaxThreadCount(1);
    m_writer.setExpiryTimeout(-1);
}

TileStore::~TileStore() {
    // The document is going: writes not started yet are dropped (a tile whose write never ran
    // keeps its memory copy, so a snapshot still being saved reads it all the same).
    m_writer.clear();
    m_writer.waitForDone();
}

std::unique_ptr<TileStore> TileStore::open(const QString& directory, QString* error) {
    std::string why;
    if (!storage::makeFolders(QDir(directory).absolutePath().toStdString(), &why)) {
        *error = QString::fromStdString(why);
        return nullptr;
    }
    const QByteArray folder = QFile::encodeName(QDir(directory).absolutePath());
    // No name at all where the kernel can (O_TMPFILE); otherwise a private name removed at once.
    int fd = ::open(folder.constData(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        QByteArray name = folder + "/.segstudio-tiles-XXXXXX";
        fd = ::mkostemp(name.data(), O_CLOEXEC);
        if (fd >= 0)
            ::unlink(name.constData());
    }
    if (fd < 0) {
        *error = QObject::tr("Cannot make a scratch file in %1: %2")
                     .arg(QDir::toNativeSeparators(directory), QString::fromLocal8Bit(std::strerror(errno)));
        return nullptr;
    }
    return std::unique_ptr<TileStore>(new TileStore(std::make_shared<TileStoreFile>(fd)));
}

std::shared_ptr<const StoredTile> TileStore::put(std::shared_ptr<const MaskTile> tile) {
    auto stored = std::make_shared<StoredTile>(std::move(tile), m_file);
    if (m_file->failed())
        return stored; // stays in memory
    m_writer.start([stored, file = m_file] {
        const QByteArray data = TileCodec::encode(stored->read().get());
        const qint64 offset = file->append(data);
        if (offset >= 0)
            stored->written(offset, qint32(data.size()));
    });
    return stored;
}

void TileStore::waitForIdle() {
    m_writer.waitForDone();
}

qint64 TileStore::fileBytes() const {
    return m_file->bytes();
}

QString TileStore::error() const {
    return m_file->error();
}

} // namespace segstudio

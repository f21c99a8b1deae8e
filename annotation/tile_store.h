#pragma once

#include "annotation/mask_tile.h"

#include <QString>
#include <QThreadPool>
#include <array>
#include <memory>
#include <mutex>

namespace segstudio {

class TileStoreFile;

// One mask tile put into a TileStore: its content on disk (in memory until the store's writer
// has written it, and for good when writing failed), which provenances it holds, and a summary
// of every 8th pixel of every 8th row, so that views at 1:8 and below draw it without reading
// the file. Immutable: a changed tile is a new StoredTile. Safe to read from any thread.
class StoredTile {
public:
    static constexpr int SummaryStep = 8;
    static constexpr int SummarySize = MaskTile::Size / SummaryStep;
    using Summary = std::array<quint8, SummarySize * SummarySize>;

    StoredTile(std::shared_ptr<const MaskTile> tile, std::shared_ptr<TileStoreFile> file);

    // The tile as it was put (decoded afresh from the file once written); null only when the
    // file can no longer be read (an I/O error, reported on stderr).
    std::shared_ptr<const MaskTile> read() const;
    bool holds(Provenance source) const { return (m_provenances >> int(source)) & 1u; }
    bool hasConfidence() const { return m_hasConfidence; }
    // Summary value of the pixel (x, y) of the tile, both multiples of SummaryStep.
    const Summary& classSummary() const { return m_classes; }
    const Summary& confidenceSummary() const { return m_confidence; } // zeros without confidence
    bool isWritten() const;
    qint64 memoryBytes() const;

private:
    friend class TileStore;
    void written(qint64 offset, qint32 length); // the writer's report: the memory copy can go

    std::shared_ptr<TileStoreFile> m_file;
    mutable std::mutex m_mutex;
    std::shared_ptr<const MaskTile> m_pending; // until written
    qint64 m_offset = -1;
    qint32 m_length = 0;
    quint8 m_provenances = 0; // bit p set: some pixel has provenance p
    bool m_hasConfidence = false;
    Summary m_classes{};
    Summary m_confidence{};
};

// A scratch file for the mask tiles of a document that nobody is looking at or editing (the
// predicted tiles of a 40 000² orthophoto are gigabytes). put() returns at once; a private thread
// encodes the tile (TileCodec) and appends it to the file, then drops the memory copy. The file
// has no name in the folder (O_TMPFILE, or removed right after it is made), so a crash leaves
// nothing behind; it lives as long as the last StoredTile from it. A full disk stops the writing
// (error() says so) and the tiles put since stay in memory: nothing is lost.
class TileStore {
public:
    // A store in `directory` (made when missing); null and *error when no file can be made there.
    static std::unique_ptr<TileStore> open(const QString& directory, QString* error);
    ~TileStore(); // drops the writes not started; the file stays until its last StoredTile goes
    TileStore(const TileStore&) = delete;
    TileStore& operator=(const TileStore&) = delete;

    std::shared_ptr<const StoredTile> put(std::shared_ptr<const MaskTile> tile);
    void waitForIdle();
    qint64 fileBytes() const;
    QString error() const; // the first write error; empty while all is well

private:
    explicit TileStore(std::shared_ptr<TileStoreFile> file);

    std::shared_ptr<TileStoreFile> m_file;
    QThreadPool m_writer; // one thread
};

} // namespace segstudio

#pragma once

#include "annotation/class_palette.h"
#include "annotation/encoded_tile.h"

#include <QSize>
#include <QString>
#include <QThreadPool>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

class QFile;

namespace segstudio {

// The autosave journal of one document: an append-only file of records, each the new state of
// the tiles an edit (or undo, or redo) changed, or the new class list. After a crash, replaying
// it onto the mask as last saved gives the mask as it was after the last finished edit. Every
// record carries its length and a CRC-32, so a record torn by a kill in mid-write is recognised
// and ignored with everything after it. Records are written in order on a private thread and
// flushed to the operating system one by one (a killed process loses nothing the kernel got).
// Saving the mask resets the journal to just its header.
class EditJournal {
public:
    struct Header {
        QString imagePath;
        QString maskPath;
        QSize size;
    };
    struct Contents {
        Header header;
        QList<EncodedTile> tiles; // the last state of each tile, in order of first appearance
        std::optional<ClassPalette> palette;
        int records = 0;
        bool damagedTail = false; // a torn last record was ignored
    };

    explicit EditJournal(const QString& path);
    ~EditJournal(); // waits for pending writes
    EditJournal(const EditJournal&) = delete;
    EditJournal& operator=(const EditJournal&) = delete;

    // Where the journal of an image/mask pair lives inside `directory`.
    static QString pathFor(const QString& directory, const QString& imagePath, const QString& maskPath);
    // Reads a journal; nullopt (and *error) when the file is missing or its header unreadable.
    static std::optional<Contents> read(const QString& path, QString* error);

    QString path() const { return m_path; }
    // (Re)starts the file with just a header. Queued, like all writes.
    void reset(const Header& header);
    void appendTiles(const QList<EncodedTile>& tiles);
    void appendPalette(const ClassPalette& palette);
    // Deletes the file (the edits are saved or deliberately discarded).
    void remove();
    void waitForIdle();
    // The first write error, if any (the journal stops writing after one).
    QString error() const;

private:
    void enqueue(std::function<void(QFile&)> job);
    void writeRecord(QFile& file, quint8 type, const QByteArray& payload);

    QString m_path;
    std::unique_ptr<QFile> m_file; // only touched by jobs, which run one at a time, in order
    mutable std::mutex m_errorMutex;
    QString m_error;
    QThreadPool m_pool; // one thread: jobs run in the order queued
};

} // namespace segstudio

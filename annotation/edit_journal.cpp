#include "annotation/edit_journal.h"

#include "annotation/tile_codec.h"

#include <QCryptographicHash>
#include <QDataStream>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QObject>
#include <unistd.h>
#include <zlib.h>

namespace segstudio {
namespace {

constexpr quint32 RecordMagic = 0x4E524A53; // "SJRN"
constexpr int RecordHeaderBytes = 4 + 1 + 4 + 4;
constexpr quint32 FormatVersion = 1;
enum RecordType : quint8 { HeaderRecord = 1, TilesRecord = 2, PaletteRecord = 3 };

// zlib's CRC-32 (the same as zip's and PNG's) of a record's payload.
quint32 crc32(const QByteArray& data) {
    return quint32(::crc32(0L, reinterpret_cast<const Bytef*>(data.constData()), uInt(data.size())));
}

void putU32(QByteArray& out, quint32 v) {
    for (int i = 0; i < 4; ++i)
        out.append(char((v >> (8 * i)) & 0xFF));
}

quint32 getU32(const char* p) {
    quint32 v = 0;
    for (int i = 0; i < 4; ++i)
        v |= quint32(quint8(p[i])) << (8 * i);
    return v;
}

} // namespace

EditJournal::EditJournal(const QString& path)
    : m_path(path) {
    m_pool.setMaxThreadCount(1);
    m_pool.setExpiryTimeout(-1); // keep the one thread: no start-up per record
}

EditJournal::~EditJournal() {
    m_pool.waitForDone();
}

QString EditJournal::pathFor(const QString& directory, const QString& imagePath, const QString& maskPath) {
    const QByteArray key = (QFileInfo(imagePath).absoluteFilePath() + QLatin1Char('\n') +
                            (maskPath.isEmpty() ? QString() : QFileInfo(maskPath).absoluteFilePath()))
                               .toUtf8();
    const QString hash =
        QString::fromLatin1(QCryptographicHash::hash(key, QCryptographicHash::Sha1).toHex().left(20));
    return QDir(directory).filePath(
        QStringLiteral("%1-%2.journal").arg(QFileInfo(imagePath).completeBaseName(), hash));
}

void EditJournal::enqueue(std::function<void(QFile&)> job) {
    m_pool.start([this, job = std::move(job)] {
        {
            std::lock_guard lock(m_errorMutex);
            if (!m_error.isEmpty())
                return;
        }
        if (!m_file)
            m_file = std::make_unique<QFile>(m_path);
        job(*m_file);
    });
}

void EditJournal::writeRecord(QFile& file, quint8 type, const QByteArray& payload) {
    QByteArray record;
    record.reserve(RecordHeaderBytes + payload.size());
    putU32(record, RecordMagic);
    record.append(char(type));
    putU32(record, quint32(payload.size()));
    putU32(record, crc32(payload));
    record.append(payload);
    if (!file.isOpen() && !file.open(QIODevice::WriteOnly | QIODevice::Append)) {
        std::lock_guard lock(m_errorMutex);
        m_error = QObject::tr("Cannot write the autosave journal %1: %2").arg(m_path, file.errorString());
        return;
    }
    // Synced at every record boundary (on the journal's own thread): a power cut loses at most
    // the record being written, never one the person saw as done.
    if (file.write(record) != record.size() || !file.flush() || ::fdatasync(file.handle()) != 0) {
        std::lock_guard lock(m_errorMutex);
        m_error = QObject::tr("Cannot write the autosave journal %1: %2").arg(m_path, file.errorString());
    }
}

void EditJournal::reset(const Header& header) {
    QByteArray payload;
    QDataStream out(&payload, QIODevice::WriteOnly);
    out << FormatVersion << header.imagePath << header.maskPath << qint32(header.size.width())
        << qint32(header.size.height());
    enqueue([this, payload](QFile& file) {
        file.close();
        QDir().mkpath(QFileInfo(m_path).absolutePath());
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            std::lock_guard lock(m_errorMutex);
            m_error =
                QObject::tr("Cannot create the autosave journal %1: %2").arg(m_path, file.errorString());
            return;
        }
        writeRecord(file, HeaderRecord, payload);
    });
}

void EditJournal::appendTiles(const QList<EncodedTile>& tiles) {
    if (tiles.isEmpty())
        return;
    enqueue([this, tiles](QFile& file) {
        QByteArray payload;
        QDataStream out(&payload, QIODevice::WriteOnly);
        out << quint32(tiles.size());
        for (const EncodedTile& tile : tiles)
            out << qint32(tile.tileX) << qint32(tile.tileY) << tile.data;
        writeRecord(file, TilesRecord, payload);
    });
}

void EditJournal::appendPalette(const ClassPalette& palette) {
    enqueue([this, json = palette.toJson()](QFile& file) { writeRecord(file, PaletteRecord, json); });
}

void EditJournal::remove() {
    enqueue([](QFile& file) {
        file.close();
        file.remove();
    });
}

void EditJournal::waitForIdle() {
    m_pool.waitForDone();
}

QString EditJournal::error() const {
    std::lock_guard lock(m_errorMutex);
    return m_error;
}

std::optional<EditJournal::Contents> EditJournal::read(const QString& path, QString* error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QObject::tr("Cannot read the journal %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    const QByteArray data = file.readAll();
    Contents contents;
    QHash<quint64, qsizetype> tileIndex;
    qsizetype pos = 0;
    bool haveHeader = false;
    while (pos < data.size()) {
        if (data.size() - pos < RecordHeaderBytes || getU32(data.constData() + pos) != RecordMagic) {
            contents.damagedTail = true;
            break;
        }
        const quint8 type = quint8(data[pos + 4]);
        const quint32 size = getU32(data.constData() + pos + 5);
        const quint32 crc = getU32(data.constData() + pos + 9);
        if (quint64(data.size() - pos - RecordHeaderBytes) < size) {
            contents.damagedTail = true;
            break;
        }
        const QByteArray payload = data.mid(pos + RecordHeaderBytes, size);
        if (crc32(payload) != crc) {
            contents.damagedTail = true;
            break;
        }
        pos += RecordHeaderBytes + size;
        QDataStream in(payload);
        if (!haveHeader) {
            quint32 version = 0;
            qint32 width = 0;
            qint32 height = 0;
            in >> version;
            if (type != HeaderRecord || version != FormatVersion) {
                *error = QObject::tr("%1 is not a journal this version can read.").arg(path);
                return std::nullopt;
            }
            in >> contents.header.imagePath >> contents.header.maskPath >> width >> height;
            contents.header.size = QSize(width, height);
            haveHeader = in.status() == QDataStream::Ok;
            if (!haveHeader)
                break;
            continue;
        }
        if (type == TilesRecord) {
            quint32 count = 0;
            in >> count;
            QList<EncodedTile> tiles;
            for (quint32 i = 0; i < count && in.status() == QDataStream::Ok; ++i) {
                EncodedTile tile;
                in >> tile.tileX >> tile.tileY >> tile.data;
                bool ok = false;
                TileCodec::decode(tile.data, &ok);
                if (!ok || tile.tileX < 0 || tile.tileY < 0)
                    in.setStatus(QDataStream::ReadCorruptData);
                tiles.append(tile);
            }
            if (in.status() != QDataStream::Ok) { // CRC passed yet garbage: stop trusting the file
                contents.damagedTail = true;
                break;
            }
            for (const EncodedTile& tile : tiles) {
                const quint64 key = (quint64(quint32(tile.tileY)) << 32) | quint32(tile.tileX);
                auto it = tileIndex.constFind(key);
                if (it != tileIndex.constEnd()) {
                    contents.tiles[*it].data = tile.data;
                } else {
                    tileIndex.insert(key, contents.tiles.size());
                    contents.tiles.append(tile);
                }
            }
        } else if (type == PaletteRecord) {
            QString why;
            if (auto palette = ClassPalette::fromJson(payload, &why))
                contents.palette = palette;
        }
        ++contents.records;
    }
    if (!haveHeader) {
        *error = QObject::tr("The journal %1 has no readable header.").arg(path);
        return std::nullopt;
    }
    return contents;
}

} // namespace segstudio

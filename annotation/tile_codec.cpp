#include "annotation/tile_codec.h"

#include <cstring>

namespace segstudio::TileCodec {
namespace {

constexpr quint8 Magic = 0xA7;
constexpr quint8 HasConfidence = 0x01;
enum PlaneKind : quint8 { RunLength = 0, Raw = 1 };

void appendVarint(QByteArray& out, quint32 value) {
    while (value >= 0x80) {
        out.append(char((value & 0x7F) | 0x80));
        value >>= 7;
    }
    out.append(char(value));
}

bool readVarint(const quint8*& p, const quint8* end, quint32& value) {
    value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (p == end)
            return false;
        const quint8 byte = *p++;
        value |= quint32(byte & 0x7F) << shift;
        if (!(byte & 0x80))
            return true;
    }
    return false;
}

// End of the run of `value` starting at `i`, comparing eight bytes at a time: label planes are
// mostly long runs, and this loop is most of the cost of closing a stroke.
int runEnd(const quint8* plane, int i, quint8 value) {
    const quint64 pattern = 0x0101010101010101ull * value;
    int j = i + 1;
    while (j + 8 <= MaskTile::Pixels) {
        quint64 word;
        std::memcpy(&word, plane + j, 8);
        if (word != pattern)
            break;
        j += 8;
    }
    while (j < MaskTile::Pixels && plane[j] == value)
        ++j;
    return j;
}

void encodePlane(QByteArray& out, const quint8* plane) {
    const qsizetype start = out.size();
    out.append(char(RunLength));
    int i = 0;
    while (i < MaskTile::Pixels) {
        const quint8 value = plane[i];
        const int j = runEnd(plane, i, value);
        out.append(char(value));
        appendVarint(out, quint32(j - i));
        i = j;
        if (out.size() - start > MaskTile::Pixels) { // noise: runs do not pay off
            out.truncate(start);
            out.append(char(Raw));
            out.append(reinterpret_cast<const char*>(plane), MaskTile::Pixels);
            return;
        }
    }
}

bool decodePlane(const quint8*& p, const quint8* end, quint8* plane) {
    if (p == end)
        return false;
    const quint8 kind = *p++;
    if (kind == Raw) {
        if (end - p < MaskTile::Pixels)
            return false;
        std::memcpy(plane, p, MaskTile::Pixels);
        p += MaskTile::Pixels;
        return true;
    }
    if (kind != RunLength)
        return false;
    int filled = 0;
    while (filled < MaskTile::Pixels) {
        if (p == end)
            return false;
        const quint8 value = *p++;
        quint32 run = 0;
        if (!readVarint(p, end, run) || run == 0 || run > quint32(MaskTile::Pixels - filled))
            return false;
        std::memset(plane + filled, value, run);
        filled += int(run);
    }
    return true;
}

} // namespace

QByteArray encode(const MaskTile* tile) {
    if (!tile)
        return {};
    QByteArray out;
    out.reserve(64);
    out.append(char(Magic));
    out.append(char(tile->confidence.empty() ? 0 : HasConfidence));
    encodePlane(out, tile->classes.data());
    encodePlane(out, tile->provenance.data());
    if (!tile->confidence.empty())
        encodePlane(out, tile->confidence.data());
    out.squeeze();
    return out;
}

std::shared_ptr<MaskTile> decode(const QByteArray& data, bool* ok) {
    if (ok)
        *ok = true;
    if (data.isEmpty())
        return nullptr;
    const auto* p = reinterpret_cast<const quint8*>(data.constData());
    const quint8* end = p + data.size();
    auto tile = std::make_shared<MaskTile>();
    bool good = data.size() >= 2 && p[0] == Magic && (p[1] & ~HasConfidence) == 0;
    if (good) {
        const bool confidence = p[1] & HasConfidence;
        p += 2;
        good = decodePlane(p, end, tile->classes.data()) && decodePlane(p, end, tile->provenance.data());
        if (good && confidence) {
            tile->confidence.resize(MaskTile::Pixels);
            good = decodePlane(p, end, tile->confidence.data());
        }
        good = good && p == end;
    }
    if (!good) {
        if (ok)
            *ok = false;
        return nullptr;
    }
    return tile;
}

} // namespace segstudio::TileCodec

#include "inference/archive_check.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <vector>

#ifdef SEGSTUDIO_HAVE_ZLIB
#include <zlib.h>
#endif

namespace segstudio::inference {

namespace {

// Slicing by eight: about eight times the speed of a byte-wise table, so that a 160 MB
// TorchScript model is checked in a fraction of the time LibTorch takes to load it.
using CrcTables = std::array<std::array<uint32_t, 256>, 8>;

CrcTables makeTables() {
    CrcTables t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
        for (int s = 1; s < 8; ++s)
            t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    return t;
}

uint16_t u16(const uint8_t* p) {
    return uint16_t(p[0] | (p[1] << 8));
}
uint32_t u32(const uint8_t* p) {
    return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}
uint64_t u64(const uint8_t* p) {
    return uint64_t(u32(p)) | (uint64_t(u32(p + 4)) << 32);
}

constexpr uint32_t EndOfDirectory = 0x06054b50, Zip64End = 0x06064b50, Zip64Locator = 0x07064b50,
                   DirectoryEntry = 0x02014b50, LocalHeader = 0x04034b50;
constexpr uint16_t Stored = 0, Deflated = 8;

bool readAt(std::istream& in, uint64_t offset, void* into, size_t size) {
    in.clear();
    in.seekg(std::streamoff(offset));
    in.read(static_cast<char*>(into), std::streamsize(size));
    return in.gcount() == std::streamsize(size);
}

struct Entry {
    std::string name;
    uint16_t method = 0;
    uint32_t crc = 0;
    uint64_t compressed = 0, uncompressed = 0, headerOffset = 0;
};

// Reads the central directory entry at `p` (`size` bytes left); fills `entry` and returns
// its length, or 0 where it is cut short or malformed.
size_t parseEntry(const uint8_t* p, size_t size, Entry& entry) {
    if (size < 46 || u32(p) != DirectoryEntry)
        return 0;
    entry.method = u16(p + 10);
    entry.crc = u32(p + 16);
    entry.compressed = u32(p + 20);
    entry.uncompressed = u32(p + 24);
    entry.headerOffset = u32(p + 42);
    const size_t nameLength = u16(p + 28), extraLength = u16(p + 30), commentLength = u16(p + 32);
    const size_t length = 46 + nameLength + extraLength + commentLength;
    if (length > size)
        return 0;
    entry.name.assign(reinterpret_cast<const char*>(p + 46), nameLength);
    // Zip64: the fields that overflowed 32 bits come, in this order, in extra field 0x0001.
    const uint8_t* extra = p + 46 + nameLength;
    for (size_t at = 0; at + 4 <= extraLength;) {
        const size_t id = u16(extra + at), fieldLength = u16(extra + at + 2);
        if (at + 4 + fieldLength > extraLength)
            return 0;
        if (id == 0x0001) {
            const uint8_t* field = extra + at + 4;
            size_t used = 0;
            for (uint64_t* value : {&entry.uncompressed, &entry.compressed, &entry.headerOffset}) {
                if (*value != 0xFFFFFFFFu)
                    continue;
                if (used + 8 > fieldLength)
                    return 0;
                *value = u64(field + used);
                used += 8;
            }
        }
        at += 4 + fieldLength;
    }
    return length;
}

#ifdef SEGSTUDIO_HAVE_ZLIB
// Inflates the deflated entry of `compressed` bytes at `offset` and gives the CRC-32 of what it
// inflates to. Empty when that is `expected` bytes long; else what is wrong, in words.
std::string inflatedCrc(std::istream& in, uint64_t offset, uint64_t compressed, uint64_t expected,
                        std::vector<uint8_t>& buffer, uint32_t& crc) {
    // Deflate expands at most 1032:1: a directory that claims more is damaged, and is told so
    // before gigabytes are inflated to find out.
    if (expected / 1032 > compressed + 1)
        return "claims more bytes than its compressed data can hold";
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) // raw deflate, as in zip entries
        return "cannot be inflated (out of memory)";
    std::vector<uint8_t> out(64 * 1024);
    uint64_t read = 0, produced = 0;
    int status = Z_OK;
    crc = 0;
    std::string problem;
    while (status != Z_STREAM_END && problem.empty()) {
        if (z.avail_in == 0) {
            if (read == compressed) {
                problem = "has damaged compressed data: its bytes end before its stream does";
                break;
            }
            const size_t chunk = size_t(std::min<uint64_t>(buffer.size(), compressed - read));
            if (!readAt(in, offset + read, buffer.data(), chunk)) {
                problem = "cannot be read";
                break;
            }
            read += chunk;
            z.next_in = buffer.data();
            z.avail_in = uInt(chunk);
        }
        z.next_out = out.data();
        z.avail_out = uInt(out.size());
        status = inflate(&z, Z_NO_FLUSH);
        if (status != Z_OK && status != Z_STREAM_END) {
            problem = "has damaged compressed data";
            break;
        }
        const size_t inflated = out.size() - z.avail_out;
        produced += inflated;
        if (produced > expected)
            problem = "inflates to more bytes than its directory says";
        crc = uint32_t(crc32Of(out.data(), inflated, crc));
    }
    inflateEnd(&z);
    if (problem.empty() && produced != expected)
        problem = "inflates to fewer bytes than its directory says";
    return problem;
}
#endif

} // namespace

unsigned int crc32Of(const void* data, std::size_t size, unsigned int crc) {
    static const CrcTables t = makeTables();
    const auto* p = static_cast<const uint8_t*>(data);
    uint32_t c = ~uint32_t(crc);
    for (; size >= 8; size -= 8, p += 8) {
        const uint32_t a = u32(p) ^ c, b = u32(p + 4);
        c = t[7][a & 0xFF] ^ t[6][(a >> 8) & 0xFF] ^ t[5][(a >> 16) & 0xFF] ^ t[4][a >> 24] ^ t[3][b & 0xFF] ^
            t[2][(b >> 8) & 0xFF] ^ t[1][(b >> 16) & 0xFF] ^ t[0][b >> 24];
    }
    for (; size > 0; --size, ++p)
        c = t[0][(c ^ *p) & 0xFF] ^ (c >> 8);
    return ~c;
}

std::string archiveDamage(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return {};
    return archiveDamage(in);
}

std::string archiveDamage(std::istream& in) {
    in.seekg(0, std::ios::end);
    const auto end = in.tellg();
    if (end < 22)
        return {};
    const uint64_t fileSize = uint64_t(end);

    // The end-of-directory record: the last 22 bytes, or earlier when a comment follows it.
    const size_t tailSize = size_t(std::min<uint64_t>(fileSize, 22 + 0xFFFF));
    std::vector<uint8_t> tail(tailSize);
    if (!readAt(in, fileSize - tailSize, tail.data(), tailSize))
        return {};
    size_t at = tailSize - 22 + 1;
    do
        --at;
    while (at > 0 && u32(tail.data() + at) != EndOfDirectory);
    if (u32(tail.data() + at) != EndOfDirectory)
        return {}; // no zip archive: LibTorch says so in its words
    const uint8_t* eocd = tail.data() + at;
    const uint64_t eocdOffset = fileSize - tailSize + at;
    uint64_t entries = u16(eocd + 10), directorySize = u32(eocd + 12), directoryOffset = u32(eocd + 16);
    const bool announcesZip64 =
        entries == 0xFFFF || directorySize == 0xFFFFFFFFu || directoryOffset == 0xFFFFFFFFu;
    // PyTorch writes every archive in zip64, and miniz takes the directory from the zip64 record
    // whenever its locator is there, whatever the plain end record says: so must the check, or
    // a zeroed plain record would hide every entry from it and none from LibTorch.
    uint8_t locator[20];
    const bool hasLocator =
        eocdOffset >= 20 && readAt(in, eocdOffset - 20, locator, 20) && u32(locator) == Zip64Locator;
    if (announcesZip64 && !hasLocator)
        return "its archive's end record announces a zip64 directory that is not there";
    if (hasLocator) {
        uint8_t record[56];
        const uint64_t recordOffset = u64(locator + 8);
        if (fileSize < 56 || recordOffset > fileSize - 56 || !readAt(in, recordOffset, record, 56) ||
            u32(record) != Zip64End)
            return "its archive's zip64 end record is missing or damaged";
        entries = u64(record + 32);
        directorySize = u64(record + 40);
        directoryOffset = u64(record + 48);
    }
    if (directoryOffset > fileSize || directorySize > fileSize - directoryOffset ||
        entries > directorySize / 46 + 1)
        return "its archive's directory points outside the file (" + std::to_string(entries) + " entries, " +
               std::to_string(directorySize) + " bytes at offset " + std::to_string(directoryOffset) +
               " in a file of " + std::to_string(fileSize) + " bytes)";
    std::vector<uint8_t> directory(static_cast<size_t>(directorySize));
    if (!readAt(in, directoryOffset, directory.data(), directory.size()))
        return "its archive's directory cannot be read";

    // Entries are read a megabyte at a time (a small archive needs no more than its size).
    std::vector<uint8_t> buffer(size_t(std::min<uint64_t>(1 << 20, fileSize)));
    size_t position = 0;
    for (uint64_t i = 0; i < entries; ++i) {
        Entry entry;
        const size_t length = parseEntry(directory.data() + position, directory.size() - position, entry);
        if (length == 0)
            return "entry " + std::to_string(i + 1) + " of its archive's directory is damaged";
        position += length;
        uint8_t local[30];
        if (entry.headerOffset + 30 > directoryOffset || !readAt(in, entry.headerOffset, local, 30) ||
            u32(local) != LocalHeader)
            return "its archive's entry \"" + entry.name + "\" does not start where the directory says";
        const uint64_t dataOffset = entry.headerOffset + 30 + u16(local + 26) + u16(local + 28);
        if (dataOffset > directoryOffset || entry.compressed > directoryOffset - dataOffset)
            return "its archive's entry \"" + entry.name + "\" runs past the end of its data";
        const std::string named = "its archive's entry \"" + entry.name + "\" ";
        if (entry.method == Deflated) {
            // TorchScript's code and debug records are deflated (torch.jit.save), and miniz
            // inflates them unchecked too: a damaged stream became code that crashed LibTorch's
            // error reporting (fuzz/model_bundle_fuzzer.cpp).
#ifdef SEGSTUDIO_HAVE_ZLIB
            uint32_t crc = 0;
            const std::string problem =
                inflatedCrc(in, dataOffset, entry.compressed, entry.uncompressed, buffer, crc);
            if (!problem.empty())
                return named + problem;
            if (crc != entry.crc)
                return named + "does not match its checksum";
#endif
            continue; // built without zlib (a GPU box with LibTorch alone): not checked
        }
        if (entry.method != Stored)
            return named + "is compressed with method " + std::to_string(entry.method) +
                   ", which LibTorch cannot read";
        if (entry.compressed != entry.uncompressed)
            return named + "has two different sizes";
        uint32_t crc = 0;
        for (uint64_t done = 0; done < entry.compressed;) {
            const size_t chunk = size_t(std::min<uint64_t>(buffer.size(), entry.compressed - done));
            if (!readAt(in, dataOffset + done, buffer.data(), chunk))
                return "its archive's entry \"" + entry.name + "\" cannot be read";
            crc = crc32Of(buffer.data(), chunk, crc);
            done += chunk;
        }
        if (crc != entry.crc)
            return "its archive's entry \"" + entry.name + "\" does not match its checksum";
    }
    return {};
}

} // namespace segstudio::inference

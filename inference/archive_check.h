#pragma once

#include <istream>
#include <string>

namespace segstudio::inference {

// Why the zip archive at `path` (a TorchScript model or our own weights, both written by
// PyTorch's archive writer) is damaged: an entry whose bytes (inflated, for the deflated code
// records of TorchScript) do not match its CRC-32, or a directory that points outside the file.
// Empty when every entry checks out, and when the file is no zip archive at all (LibTorch's own
// message says that best). Deflated entries are checked where zlib was found at build time
// (SEGSTUDIO_HAVE_ZLIB: every Debian build; a GPU box with LibTorch alone may lack it).
//
// LibTorch reads these archives with miniz built with MINIZ_DISABLE_ZIP_READER_CRC32_CHECKS,
// so a changed byte reaches its unpickler and TorchScript parser unchecked, and some such
// bytes crash the process (fuzz/model_bundle_fuzzer.cpp found one). Checked before LibTorch
// sees the file. It catches damage, not a crafted archive with matching checksums.
std::string archiveDamage(const std::string& path);
// The same for an archive read from `in` (seekable; fuzz/archive_check_fuzzer.cpp).
std::string archiveDamage(std::istream& in);

// The CRC-32 of zip (and zlib), continuing from `crc` (0 to start).
unsigned int crc32Of(const void* data, std::size_t size, unsigned int crc = 0);

} // namespace segstudio::inference

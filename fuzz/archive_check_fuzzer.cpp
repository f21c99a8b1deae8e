// libFuzzer harness: the zip check every model bundle passes before LibTorch reads it
// (inference/archive_check.cpp: the directory, zip64 records, local headers and the CRC-32 of
// every stored entry). Our own parser of untrusted bytes, so it is fuzzed on its own, fast,
// without LibTorch. Whatever the bytes: nothing (sound, or no zip at all) or a sentence about
// the archive, the same one every time, never a crash.
#include "inference/archive_check.h"

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    std::istringstream in(bytes);
    const std::string damage = segstudio::inference::archiveDamage(in);
    if (!damage.empty() && damage.rfind("its archive", 0) != 0 && damage.rfind("entry ", 0) != 0)
        __builtin_trap(); // a message that does not say what is wrong with the archive
    std::istringstream again(bytes);
    if (segstudio::inference::archiveDamage(again) != damage)
        __builtin_trap();
    return 0;
}

#include "inference/heap_tuning.h"

#include <cstdlib> // defines __GLIBC__ where the C library is glibc
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace segstudio::inference {

void keepFreedMemoryForReuse() {
#if defined(__GLIBC__)
    // No block from mmap (each would be unmapped on free), and no trimming of the heap's top
    // (the next forward pass wants the same memory again).
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
#endif
}

void releaseFreedMemory() {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

} // namespace segstudio::inference

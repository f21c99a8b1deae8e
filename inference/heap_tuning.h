#pragma once

namespace segstudio::inference {

// glibc's malloc hands large freed blocks back to the kernel (above its mmap threshold, or
// when the top of the heap is trimmed), and a forward pass frees and reallocates many blocks of
// megabytes: each comes back as fresh zeroed pages, one page fault per 4 KB. Measured on the
// 2-core development machine (docs/benchmarks.md, bench 2048², default model, batch 4): 3.1 M
// page faults, a third of the CPU time in the kernel, 0.77-0.78 MP/s; with freed memory kept
// for reuse 0.14-0.19 M faults and 1.36-1.39 MP/s. PyTorch's tuning guide gets the same effect
// by preloading jemalloc.
//
// keepFreedMemoryForReuse() makes large blocks come from the heap and stay there when freed
// (no-op where the C library is not glibc). Call it once at start, before the first tensor.
// The heap then stays at its peak until releaseFreedMemory(), which a long-lived process
// (the window) calls when a job is over and it goes idle.
void keepFreedMemoryForReuse();
void releaseFreedMemory();

} // namespace segstudio::inference

// concur/detail/prefault.hpp -- private: map fresh memory in before it is
// written.
//
// A large fresh allocation (glibc: from mmap) is mapped in by the kernel one
// page fault per 4 KiB page when it is first written. On a virtual machine a
// fault costs ~10 us (on the benchmark VM, zero-filling an 800 KB output took
// 2.4 ms, half of it page faults), and map() creates its output on the
// calling thread before any worker can start. prefault_for_writing() asks the
// kernel to map the whole range in one call (Linux 5.14+:
// madvise(MADV_POPULATE_WRITE)); elsewhere, or when that fails, it does
// nothing and the faults happen as before.
//
// The 2 MiB-aligned middle of a large range is first marked for transparent
// huge pages (madvise(MADV_HUGEPAGE); a no-op where THP is off): the kernel
// then maps and zeroes it 2 MiB at a time. Measured on the benchmark VM for a
// fresh 8 MiB buffer: written page by page 29-31 ms, populated 19-22 ms,
// huge-page advice then populated 5.5-5.9 ms.
//
// Thread-safe; never blocks beyond the system call; never throws.
#pragma once

#include <cstddef>

namespace concur::detail {

// The system's page size, and the transparent huge page size that the middle
// of a range is advised for.
std::size_t page_size() noexcept;
inline constexpr std::size_t kHugePageSize = std::size_t{2} << 20;

// Ranges below this size are left alone (the faults cost less than the call).
inline constexpr std::size_t kPrefaultThreshold = 256 * 1024;

// Maps in the whole pages inside [begin, begin + bytes) for writing, when
// there are at least `threshold` bytes.
void prefault_for_writing(void* begin, std::size_t bytes,
                          std::size_t threshold = kPrefaultThreshold) noexcept;

}  // namespace concur::detail

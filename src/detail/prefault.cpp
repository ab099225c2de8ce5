// src/detail/prefault.cpp -- prefault_for_writing(): madvise(MADV_HUGEPAGE) on
// the 2 MiB-aligned middle, then madvise(MADV_POPULATE_WRITE) on the whole
// pages of a range.
#include <concur/detail/prefault.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older C libraries lack the name
#endif

namespace concur::detail {

std::size_t page_size() noexcept {
    static const auto size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    return size;
}

void prefault_for_writing(void* begin, std::size_t bytes, std::size_t threshold) noexcept {
    if (begin == nullptr || bytes < threshold) return;
    const std::uintptr_t page = page_size();
    const auto start = reinterpret_cast<std::uintptr_t>(begin);
    const std::uintptr_t first = (start + page - 1) & ~(page - 1);
    const std::uintptr_t last = (start + bytes) & ~(page - 1);
    if (first >= last) return;
    constexpr std::uintptr_t huge = kHugePageSize;
    const std::uintptr_t huge_first = (first + huge - 1) & ~(huge - 1);
    const std::uintptr_t huge_last = last & ~(huge - 1);
    if (huge_first < huge_last)  // EINVAL without THP: the small pages serve
        (void)madvise(reinterpret_cast<void*>(huge_first), huge_last - huge_first, MADV_HUGEPAGE);
    // EINVAL on kernels before 5.14: the pages then fault in as they are written.
    (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_POPULATE_WRITE);
}

}  // namespace concur::detail

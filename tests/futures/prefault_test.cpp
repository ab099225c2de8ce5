// Tests for prefault_for_writing() (concur/detail/prefault.hpp), which maps
// in map()'s output before it is written. No CPython counterpart.
#include <concur/detail/prefault.hpp>
#include <concur/futures.hpp>

#include <gtest/gtest.h>

#include "../support/sanitizers.hpp"

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ranges>
#include <vector>

namespace {

using concur::detail::kPrefaultThreshold;
using concur::detail::prefault_for_writing;

long minor_faults() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_minflt;
}

bool kernel_at_least(int major, int minor) {
    utsname name{};
    if (uname(&name) != 0) return false;
    int have_major = 0, have_minor = 0;
    if (std::sscanf(name.release, "%d.%d", &have_major, &have_minor) != 2) return false;
    return have_major > major || (have_major == major && have_minor >= minor);
}

TEST(Prefault, KeepsWhatTheMemoryHolds) {
    // Unaligned start and end, data already there: nothing may change.
    std::vector<unsigned char> bytes(3 * kPrefaultThreshold + 123);
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 7);
    prefault_for_writing(bytes.data() + 5, bytes.size() - 11);
    for (std::size_t i = 0; i < bytes.size(); ++i)
        ASSERT_EQ(bytes[i], static_cast<unsigned char>(i * 7)) << i;
}

TEST(Prefault, IgnoresNullAndSmallRanges) {
    prefault_for_writing(nullptr, 1 << 30);
    char small[64] = {};
    prefault_for_writing(small, sizeof small);
    EXPECT_EQ(small[0], 0);
}

TEST(Prefault, MapsFreshPagesInOneCall) {
    if (!kernel_at_least(5, 14)) GTEST_SKIP() << "MADV_POPULATE_WRITE needs Linux 5.14";
    if (concur_test_support::kSanitized)
        GTEST_SKIP() << "a sanitizer's shadow memory faults in as the region is written";
    constexpr std::size_t kBytes = 4 << 20;
    void* region =
        mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(region, MAP_FAILED);
    prefault_for_writing(region, kBytes);
    const long before = minor_faults();
    std::memset(region, 1, kBytes);
    const long during_writes = minor_faults() - before;
    munmap(region, kBytes);
    // 1024 pages: written one fault each without the prefault.
    EXPECT_LT(during_writes, 64);
}

TEST(Prefault, LargeMapOutputIsRight) {
    // An output well above the threshold goes through the prefault.
    concur::futures::ThreadPoolExecutor ex(2);
    const long n = 200'000;
    auto out = ex.map([](long i) { return i * 3; }, std::views::iota(0L, n)).to_vector();
    ASSERT_EQ(out.size(), static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i) ASSERT_EQ(out[static_cast<std::size_t>(i)], i * 3);
}

}  // namespace

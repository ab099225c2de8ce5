// detail/unshared_buffer.hpp: the pool's message buffers, which forked
// children do not inherit, and their per-process cache. No CPython
// counterpart (Python's pipes copy through its own heap).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <concur/multiprocessing/detail/unshared_buffer.hpp>

#include "fork_support.hpp"

namespace mpd = concur::multiprocessing::detail;

namespace {

void fill(std::span<std::byte> bytes, unsigned char seed) {
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::byte>(seed + i * 7);
}
bool holds(std::span<const std::byte> bytes, unsigned char seed) {
    for (std::size_t i = 0; i < bytes.size(); ++i)
        if (bytes[i] != static_cast<std::byte>(seed + i * 7)) return false;
    return true;
}

TEST(UnsharedBuffer, GrowsKeepingItsBytesAndNeverShrinks) {
    mpd::UnsharedBuffer buffer;
    EXPECT_EQ(buffer.size(), 0u);
    EXPECT_FALSE(buffer.mine());  // nothing mapped yet
    fill(buffer.resize(1000), 3);
    EXPECT_TRUE(buffer.mine());
    const std::size_t small_capacity = buffer.capacity();
    EXPECT_GE(small_capacity, 1000u);
    auto big = buffer.resize(5 << 20);  // moves to a larger (2 MiB-aligned) region
    EXPECT_EQ(big.size(), std::size_t{5} << 20);
    EXPECT_TRUE(holds(big.first(1000), 3));
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(buffer.data()) % (std::size_t{2} << 20), 0u);
    fill(big, 9);  // every byte writable
    const std::size_t big_capacity = buffer.capacity();
    buffer.resize(10);
    EXPECT_EQ(buffer.size(), 10u);
    EXPECT_EQ(buffer.capacity(), big_capacity);
    EXPECT_TRUE(holds(std::span<const std::byte>(buffer.data(), 10), 9));
    mpd::UnsharedBuffer moved(std::move(buffer));
    EXPECT_EQ(moved.capacity(), big_capacity);
    EXPECT_EQ(buffer.data(), nullptr);  // NOLINT: moved-from is empty
}

TEST(UnsharedBuffer, AForkedChildDoesNotInheritIt) {
    mpd::UnsharedBuffer buffer;
    fill(buffer.resize(64 * 1024), 1);
    std::byte* parents = buffer.data();
    const pid_t child = concur_test::fork_child([&] {
        // Not mapped here: the child neither uses nor unmaps it, and a resize
        // maps a region of its own.
        if (buffer.mine()) return false;
        auto own = buffer.resize(100);
        fill(own, 5);
        return buffer.mine() && holds(own, 5) && buffer.data() != nullptr;
    });
    EXPECT_EQ(concur_test::join_child(child), 0);
    EXPECT_EQ(buffer.data(), parents);
    EXPECT_TRUE(holds(std::span<const std::byte>(buffer.data(), 64 * 1024), 1));
}

TEST(UnsharedBufferCache, HandsBackTheLargestKeptBuffer) {
    while (mpd::take_unshared_buffer().capacity() != 0) {
    }  // empty the cache
    mpd::UnsharedBuffer small, large;
    small.resize(10);
    fill(large.resize(300 * 1024), 4);
    std::byte* large_data = large.data();
    mpd::keep_unshared_buffer(std::move(small));
    mpd::keep_unshared_buffer(std::move(large));
    mpd::UnsharedBuffer taken = mpd::take_unshared_buffer();
    EXPECT_EQ(taken.data(), large_data);
    EXPECT_TRUE(holds(std::span<const std::byte>(taken.data(), 300 * 1024), 4));
    EXPECT_GT(mpd::take_unshared_buffer().capacity(), 0u);  // the small one
    EXPECT_EQ(mpd::take_unshared_buffer().capacity(), 0u);
}

TEST(UnsharedBufferCache, KeepsNoBufferBeyondItsLimit) {
    while (mpd::take_unshared_buffer().capacity() != 0) {
    }
    mpd::UnsharedBuffer huge;
    huge.resize(mpd::kKeptUnsharedBytes + 1);
    mpd::keep_unshared_buffer(std::move(huge));  // freed instead
    EXPECT_EQ(mpd::take_unshared_buffer().capacity(), 0u);
}

TEST(UnsharedBufferCache, AForkedChildStartsWithAnEmptyCache) {
    while (mpd::take_unshared_buffer().capacity() != 0) {
    }
    mpd::UnsharedBuffer kept;
    kept.resize(4096);
    mpd::keep_unshared_buffer(std::move(kept));
    const pid_t child = concur_test::fork_child([] {
        if (mpd::take_unshared_buffer().capacity() != 0) return false;
        auto shared = mpd::shared_unshared_buffer();  // a fresh one, kept again at the end
        fill(shared->resize(100), 2);
        return holds(std::span<const std::byte>(shared->data(), 100), 2);
    });
    EXPECT_EQ(concur_test::join_child(child), 0);
    EXPECT_GT(mpd::take_unshared_buffer().capacity(), 0u);  // the parent's is still kept
}

}  // namespace

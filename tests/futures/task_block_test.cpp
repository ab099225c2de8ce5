// Tests for the task-block pool (concur/detail/task_block.hpp), the memory of
// every submitted task. No CPython counterpart: Python's tasks live on its
// own allocator. Under AddressSanitizer the pool hands out operator new's
// memory (so that use-after-free stays visible); the reuse test is skipped.
#include <concur/detail/task_block.hpp>
#include <concur/futures.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <set>
#include <thread>
#include <utility>
#include <vector>

namespace {

using concur::detail::allocate_task_block;
using concur::detail::deallocate_task_block;

bool aligned_to(const void* p, std::size_t alignment) {
    return reinterpret_cast<std::uintptr_t>(p) % alignment == 0;
}

TEST(TaskBlock, EverySizeAndAlignmentIsUsableMemory) {
    for (std::size_t alignment :
         {std::size_t{8}, std::size_t{16}, std::size_t{64}, std::size_t{256}}) {
        std::vector<std::pair<void*, std::size_t>> blocks;
        for (std::size_t bytes = 1; bytes <= 1100; bytes += 7) {
            void* p = allocate_task_block(bytes, alignment);
            ASSERT_NE(p, nullptr);
            EXPECT_TRUE(aligned_to(p, alignment)) << bytes << " bytes aligned to " << alignment;
            std::memset(p, 0xA5, bytes);
            blocks.emplace_back(p, bytes);
        }
        for (auto [p, bytes] : blocks) {
            EXPECT_EQ(static_cast<unsigned char*>(p)[bytes - 1], 0xA5);
            deallocate_task_block(p, bytes, alignment);
        }
    }
}

TEST(TaskBlock, LiveBlocksNeverOverlap) {
    constexpr std::size_t kBytes = 100;  // the 128-byte class
    std::vector<std::uintptr_t> starts;
    for (int i = 0; i < 5000; ++i)
        starts.push_back(reinterpret_cast<std::uintptr_t>(allocate_task_block(kBytes)));
    std::vector<std::uintptr_t> sorted = starts;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 1; i < sorted.size(); ++i) ASSERT_GE(sorted[i] - sorted[i - 1], kBytes);
    for (std::uintptr_t p : starts) deallocate_task_block(reinterpret_cast<void*>(p), kBytes);
}

TEST(TaskBlock, FreedBlocksAreReusedInsteadOfNewMemory) {
    if (!concur::detail::kTaskBlocksPooled)
        GTEST_SKIP() << "blocks come from operator new under AddressSanitizer";
    constexpr std::size_t kBytes = 72;
    constexpr int kCount = 20000;  // several slabs, and batches through the depot
    std::vector<void*> first;
    for (int i = 0; i < kCount; ++i) first.push_back(allocate_task_block(kBytes));
    const std::set<void*> seen(first.begin(), first.end());
    for (void* p : first) deallocate_task_block(p, kBytes);
    int reused = 0;
    std::vector<void*> second;
    for (int i = 0; i < kCount; ++i) {
        second.push_back(allocate_task_block(kBytes));
        reused += seen.count(second.back()) ? 1 : 0;
    }
    for (void* p : second) deallocate_task_block(p, kBytes);
    // Only the unused rest of the last slab cut in the first round (at most
    // one 64 KiB slab of 128-byte blocks) may be handed out beside them.
    EXPECT_GE(reused, kCount - 64 * 1024 / 128);
}

TEST(TaskBlock, BlocksFreedOnAnotherThreadAndAfterItExits) {
    // Allocated here, freed by threads that then exit (their lists go back
    // to the depot), allocated again: every block stays whole.
    constexpr std::size_t kBytes = 120;
    for (int threads : {1, 2, 4}) {
        std::vector<unsigned char*> blocks;
        for (int i = 0; i < 3000 * threads; ++i) {
            auto* p = static_cast<unsigned char*>(allocate_task_block(kBytes));
            std::memset(p, i & 0xFF, kBytes);
            blocks.push_back(p);
        }
        std::vector<std::thread> freers;
        const std::size_t share = blocks.size() / static_cast<std::size_t>(threads);
        for (int t = 0; t < threads; ++t)
            freers.emplace_back([&, t] {
                for (std::size_t i = t * share; i < (t + 1) * share; ++i) {
                    EXPECT_EQ(blocks[i][kBytes - 1], static_cast<unsigned char>(i & 0xFF));
                    deallocate_task_block(blocks[i], kBytes);
                }
            });
        for (auto& t : freers) t.join();
        std::vector<void*> again;
        for (std::size_t i = 0; i < blocks.size(); ++i) {
            void* p = allocate_task_block(kBytes);
            std::memset(p, 0x5A, kBytes);
            again.push_back(p);
        }
        for (void* p : again) deallocate_task_block(p, kBytes);
    }
}

// Frees its block in a thread_local destructor that runs after the thread's
// free lists are gone (it was constructed before the lists were first used).
struct FreesAtThreadExit {
    void* block = nullptr;
    ~FreesAtThreadExit() {
        if (block != nullptr) deallocate_task_block(block, 64);
        // And one more allocation from an exiting thread.
        deallocate_task_block(allocate_task_block(64), 64);
    }
};

TEST(TaskBlock, FreeAndAllocateDuringThreadExit) {
    for (int round = 0; round < 20; ++round) {
        std::thread([] {
            static thread_local FreesAtThreadExit holder;
            holder.block = nullptr;                  // constructs the holder first
            holder.block = allocate_task_block(64);  // then the free lists
        }).join();
    }
}

TEST(TaskBlock, FuturesOfManyThreadsLiveInBlocks) {
    // Tasks submitted from several threads and released on the workers and
    // the submitters: the results stay right (TSan checks the hand-overs).
    concur::futures::ThreadPoolExecutor ex(2);
    for (int submitters : {1, 2, 4}) {
        std::vector<std::thread> threads;
        for (int s = 0; s < submitters; ++s)
            threads.emplace_back([&ex, s] {
                std::vector<concur::futures::Future<long>> futures;
                for (long i = 0; i < 3000; ++i)
                    futures.push_back(ex.submit([i, s] { return i * 10 + s; }));
                long sum = 0;
                for (auto& f : futures) sum += f.result();
                EXPECT_EQ(sum, 3000L * 2999 / 2 * 10 + 3000L * s);
            });
        for (auto& t : threads) t.join();
    }
}

struct alignas(128) OverAligned {
    unsigned char bytes[200] = {};
};

TEST(TaskBlock, OverAlignedAndLargeCallsKeepTheirAlignment) {
    // A task whose call is over-aligned (128) or larger than the biggest block
    // (512 bytes) gets operator new's memory, aligned as its type requires.
    concur::futures::ThreadPoolExecutor ex(2);
    std::vector<concur::futures::Future<bool>> futures;
    for (int i = 0; i < 200; ++i) {
        OverAligned aligned;
        aligned.bytes[199] = static_cast<unsigned char>(i);
        futures.push_back(ex.submit([aligned, i] {
            return reinterpret_cast<std::uintptr_t>(&aligned) % 128 == 0 &&
                   aligned.bytes[199] == static_cast<unsigned char>(i);
        }));
        std::vector<unsigned char> payload(1000, static_cast<unsigned char>(i));
        std::array<unsigned char, 1000> large{};
        std::copy(payload.begin(), payload.end(), large.begin());
        futures.push_back(
            ex.submit([large, i] { return large[999] == static_cast<unsigned char>(i); }));
    }
    for (auto& f : futures) EXPECT_TRUE(f.result());
}

}  // namespace

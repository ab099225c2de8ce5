// concur/detail/task_block.hpp -- private: recycled memory for task nodes.
//
// A pool submits and frees a task node (future + call, ~64-128 bytes) per
// task. Through malloc, a burst of a million pending tasks takes ~100 MB of
// fresh pages and gives them back to the kernel when the burst is freed, so
// the next burst pays every page fault again (on a virtual machine most of
// the cost of a tiny task). Task blocks are instead carved from 64 KiB slabs
// and recycled, never returned to the kernel: the pool keeps its peak size,
// as oneTBB's and mimalloc's allocators do.
//
// Blocks come in size classes of 64 bytes up to 512 bytes, aligned to 64
// (larger or more aligned objects go to operator new). Each thread keeps a
// free list per class; past a bound it hands batches of blocks to a
// process-wide list under a mutex, and takes batches back from it (or a new
// slab) when its own list is empty. A block freed by another thread than the
// one that allocated it simply joins the freeing thread's list.
//
// Under AddressSanitizer the blocks come straight from operator new, so that
// a use after free of a task is still reported.
//
// Memory ordering: a block moves between threads only through the depot's
// mutex, or together with the object it held (whose last release, an
// acq_rel decrement of its reference count, orders the object's use before
// the free), so the list links need no atomics.
//
// Thread-safe: every function may be called from any thread, also while the
// thread is exiting (its list is then handed back at once). The mutex is held
// across fork() (pthread_atfork), so a child process may allocate.
#pragma once

#include <cstddef>
#include <new>

namespace concur::detail {

// False under AddressSanitizer: every block then comes from operator new.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kTaskBlocksPooled = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kTaskBlocksPooled = false;
#else
inline constexpr bool kTaskBlocksPooled = true;
#endif
#else
inline constexpr bool kTaskBlocksPooled = true;
#endif

inline constexpr std::size_t kTaskBlockAlignment = 64;
inline constexpr std::size_t kLargestTaskBlock = 512;

// Memory for an object of `bytes` bytes aligned to `alignment`; throws
// std::bad_alloc.
void* allocate_task_block(std::size_t bytes,
                          std::size_t alignment = __STDCPP_DEFAULT_NEW_ALIGNMENT__);
// Frees memory from allocate_task_block(bytes, alignment), same arguments.
void deallocate_task_block(void* block, std::size_t bytes,
                           std::size_t alignment = __STDCPP_DEFAULT_NEW_ALIGNMENT__) noexcept;

// Base of a class whose objects live in task blocks: `new Derived` and the
// deleting destructor (virtual or not) use the pool with sizeof(Derived).
struct TaskBlockAllocated {
    static void* operator new(std::size_t bytes) { return allocate_task_block(bytes); }
    static void* operator new(std::size_t bytes, std::align_val_t alignment) {
        return allocate_task_block(bytes, static_cast<std::size_t>(alignment));
    }
    static void operator delete(void* block, std::size_t bytes) noexcept {
        deallocate_task_block(block, bytes);
    }
    static void operator delete(void* block, std::size_t bytes,
                                std::align_val_t alignment) noexcept {
        deallocate_task_block(block, bytes, static_cast<std::size_t>(alignment));
    }
};

}  // namespace concur::detail

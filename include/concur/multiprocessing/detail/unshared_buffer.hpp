// concur/multiprocessing/detail/unshared_buffer.hpp -- private: a message
// buffer that forked children do not inherit, kept from one pool to the next.
//
// Why. A forked child shares every private page of its parent copy-on-write;
// while it lives, each page of that memory the parent writes costs a fault, a
// page copy and a TLB-flush interrupt to the other CPUs. A pool's parent
// writes megabytes of messages while its workers live. Fresh memory avoids
// the copies but not the faults: on the benchmark VM a fresh 4 KiB page costs
// ~10 us even when mapped in with one call. So the buffers a pool writes are
// mmap()ed regions marked MADV_DONTFORK (a child does not get them at all),
// and are kept for the next pool when their pool is done with them.
//
// UnsharedBuffer is one such region: it grows (never shrinks) and maps the
// part about to be written in at once (prefault.hpp). take_unshared_buffer()
// / keep_unshared_buffer() hand buffers between pools: a few are kept per
// process, up to kKeptUnsharedBytes in all. A forked child never sees the
// parent's kept buffers (they are not mapped there): the cache is per pid.
//
// Thread-safety: an UnsharedBuffer is used by one thread at a time; the two
// cache functions are thread-safe. Blocks: no. Throws: MemoryError-like
// std::bad_alloc when mmap() fails.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

namespace concur::multiprocessing::detail {

class UnsharedBuffer {
  public:
    UnsharedBuffer() = default;
    ~UnsharedBuffer();
    UnsharedBuffer(UnsharedBuffer&& other) noexcept;
    UnsharedBuffer& operator=(UnsharedBuffer&& other) noexcept;
    UnsharedBuffer(const UnsharedBuffer&) = delete;
    UnsharedBuffer& operator=(const UnsharedBuffer&) = delete;

    // Makes the first `size` bytes usable (their contents kept up to the old
    // size; beyond it, unspecified) and returns them.
    std::span<std::byte> resize(std::size_t size);
    std::byte* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    std::size_t capacity() const noexcept { return capacity_; }
    // Whether it was mapped in this process: a forked child has none of its
    // parent's regions, and neither uses nor unmaps them (the child may have
    // mapped something else at that address since).
    bool mine() const noexcept;

  private:
    std::byte* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;   // mapped bytes, a multiple of the page size
    std::size_t populated_ = 0;  // bytes mapped in (written or prefaulted)
    int owner_ = 0;              // the pid that mapped it
};

// Kept buffers are at most this large in all.
inline constexpr std::size_t kKeptUnsharedBytes = std::size_t{64} << 20;

// A kept buffer (the largest), or an empty one.
UnsharedBuffer take_unshared_buffer();
// Keeps `buffer` for a later take, or frees it when the cache is full.
void keep_unshared_buffer(UnsharedBuffer buffer);

// A buffer from the cache, returned to it when the last owner lets go.
std::shared_ptr<UnsharedBuffer> shared_unshared_buffer();

}  // namespace concur::multiprocessing::detail

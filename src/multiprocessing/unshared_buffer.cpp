// UnsharedBuffer and its per-process cache (detail/unshared_buffer.hpp).
#include <concur/multiprocessing/detail/unshared_buffer.hpp>

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#include <concur/detail/prefault.hpp>
#include <concur/multiprocessing/detail/robust_lock_word.hpp>

namespace concur::multiprocessing::detail {

namespace {

using concur::detail::kHugePageSize;
using concur::detail::page_size;

std::size_t round_up(std::size_t n, std::size_t to) noexcept {
    return (n + to - 1) / to * to;
}

// A region of `bytes` (a multiple of the page size) that a forked child does
// not inherit, 2 MiB-aligned when it is that large (so that it can be mapped
// with huge pages).
std::byte* map_unshared(std::size_t bytes) {
    const std::size_t align = bytes >= kHugePageSize ? kHugePageSize : page_size();
    const std::size_t extra = align - page_size();
    void* got =
        ::mmap(nullptr, bytes + extra, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (got == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<std::uintptr_t>(got);
    const std::uintptr_t aligned = (start + align - 1) & ~(std::uintptr_t{align} - 1);
    if (aligned != start) ::munmap(got, aligned - start);
    if (const std::size_t after = extra - (aligned - start); after != 0)
        ::munmap(reinterpret_cast<void*>(aligned + bytes), after);
    (void)::madvise(reinterpret_cast<void*>(aligned), bytes, MADV_DONTFORK);
    return reinterpret_cast<std::byte*>(aligned);
}

// The per-process cache.
std::mutex cache_mutex;
std::vector<UnsharedBuffer> cache;
pid_t cache_pid = 0;

// A forked child's cache starts empty: the parent's buffers are not mapped
// in it (their destructors leave them alone).
void forget_inherited_cache() {
    if (cache_pid == current_pid()) return;
    cache.clear();
    cache_pid = current_pid();
}

}  // namespace

bool UnsharedBuffer::mine() const noexcept {
    return data_ != nullptr && owner_ == current_pid();
}

UnsharedBuffer::~UnsharedBuffer() {
    if (mine()) ::munmap(data_, capacity_);
}

UnsharedBuffer::UnsharedBuffer(UnsharedBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)),
      populated_(std::exchange(other.populated_, 0)),
      owner_(other.owner_) {}

UnsharedBuffer& UnsharedBuffer::operator=(UnsharedBuffer&& other) noexcept {
    if (this != &other) {
        UnsharedBuffer gone(std::move(*this));
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
        capacity_ = std::exchange(other.capacity_, 0);
        populated_ = std::exchange(other.populated_, 0);
        owner_ = other.owner_;
    }
    return *this;
}

std::span<std::byte> UnsharedBuffer::resize(std::size_t size) {
    if (data_ != nullptr && !mine()) {  // inherited by a fork: not mapped here
        data_ = nullptr;
        size_ = capacity_ = populated_ = 0;
    }
    if (size > capacity_) {
        const std::size_t want = std::max(size, 2 * capacity_);
        const std::size_t bytes =
            round_up(want, want >= kHugePageSize ? kHugePageSize : page_size());
        std::byte* fresh = map_unshared(bytes);
        if (size_ != 0) std::memcpy(fresh, data_, size_);
        UnsharedBuffer old(std::move(*this));  // unmapped at the end of this block
        data_ = fresh;
        capacity_ = bytes;
        owner_ = current_pid();
    }
    if (size > populated_) {
        // Fresh pages: one call maps them in, huge ones where they can be.
        const std::size_t to = std::min(capacity_, round_up(size, page_size()));
        concur::detail::prefault_for_writing(data_ + populated_, to - populated_, 0);
        populated_ = to;
    }
    size_ = size;
    return {data_, size_};
}

UnsharedBuffer take_unshared_buffer() {
    std::lock_guard lock(cache_mutex);
    forget_inherited_cache();
    if (cache.empty()) return {};
    UnsharedBuffer taken = std::move(cache.back());  // the largest: kept sorted
    cache.pop_back();
    return taken;
}

void keep_unshared_buffer(UnsharedBuffer buffer) {
    constexpr std::size_t kMostKept = 4;
    if (buffer.capacity() == 0 || buffer.capacity() > kKeptUnsharedBytes) return;
    std::lock_guard lock(cache_mutex);
    forget_inherited_cache();
    if (!buffer.mine()) return;  // a forked child's copy of its parent's
    cache.push_back(std::move(buffer));
    std::sort(cache.begin(), cache.end(),
              [](const auto& a, const auto& b) { return a.capacity() < b.capacity(); });
    std::size_t total = 0;
    for (const auto& kept : cache) total += kept.capacity();
    while (!cache.empty() && (cache.size() > kMostKept || total > kKeptUnsharedBytes)) {
        total -= cache.front().capacity();  // the smallest goes first
        cache.erase(cache.begin());
    }
}

std::shared_ptr<UnsharedBuffer> shared_unshared_buffer() {
    return std::shared_ptr<UnsharedBuffer>(new UnsharedBuffer(take_unshared_buffer()),
                                           [](UnsharedBuffer* buffer) {
                                               keep_unshared_buffer(std::move(*buffer));
                                               delete buffer;
                                           });
}

}  // namespace concur::multiprocessing::detail

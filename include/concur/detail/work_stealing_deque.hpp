// concur/detail/work_stealing_deque.hpp -- private: the per-worker deque of
// the scheduler (Chase & Lev, "Dynamic Circular Work-Stealing Deque", 2005,
// with the C11 orderings of Lê, Pop, Cohen & Zappa Nardelli, PPoPP 2013).
//
// The owning worker pushes and pops at the bottom (LIFO: the task it just
// spawned is hot in its cache); any other thread steals from the top (FIFO:
// the oldest, usually largest, piece of work). Elements are pointers.
//
// Memory ordering: the paper's proof uses seq_cst fences between pop's store
// of bottom and its read of top, and between steal's reads of top and bottom;
// here those accesses are seq_cst operations instead (the same instructions on
// x86, and ThreadSanitizer understands them, which it does not fences). So
// pop's decrement of bottom and a thief's read of bottom are ordered against
// each other's reads of top: when one element is left, owner and thief
// cannot both miss each other, and the seq_cst CAS on top decides who gets
// it. push writes the slot, then publishes bottom (seq_cst, so also a
// release); a thief reads bottom, then the slot. Growing copies into a new
// array published with a release store of `array_`, read with acquire. Old
// arrays are kept until destruction since a thief may still read from one
// (each is half the size of the next, so this wastes less than the live one).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace concur::detail {

template <class T>
class WorkStealingDeque {
    static_assert(std::is_pointer_v<T>);

  public:
    explicit WorkStealingDeque(std::size_t capacity = 1024) {
        auto array = std::make_unique<Array>(capacity);
        array_.store(array.get(), std::memory_order_relaxed);
        arrays_.push_back(std::move(array));
    }
    WorkStealingDeque(const WorkStealingDeque&) = delete;
    WorkStealingDeque& operator=(const WorkStealingDeque&) = delete;

    // Owner only.
    void push(T item) {
        const std::int64_t b = bottom_.load(std::memory_order_relaxed);
        const std::int64_t t = top_.load(std::memory_order_acquire);
        Array* array = array_.load(std::memory_order_relaxed);
        if (b - t > static_cast<std::int64_t>(array->capacity) - 1) array = grow(array, t, b);
        array->put(b, item);
        // seq_cst rather than the paper's release fence + relaxed store: it
        // publishes the slot (a release), and the scheduler's eventcount
        // needs the push ordered before its read of the sleeper count.
        bottom_.store(b + 1, std::memory_order_seq_cst);
    }

    // Owner only: pushes items[0..count) as push() would one by one, but
    // publishes them with a single store of bottom (thieves see all or
    // none of them), so a batch costs one fence instead of one per item.
    void push_batch(T const* items, std::size_t count) {
        if (count == 0) return;
        const std::int64_t b = bottom_.load(std::memory_order_relaxed);
        const std::int64_t t = top_.load(std::memory_order_acquire);
        Array* array = array_.load(std::memory_order_relaxed);
        const auto n = static_cast<std::int64_t>(count);
        while (b + n - t > static_cast<std::int64_t>(array->capacity)) array = grow(array, t, b);
        for (std::int64_t i = 0; i < n; ++i) array->put(b + i, items[i]);
        bottom_.store(b + n, std::memory_order_seq_cst);
    }

    // Owner only. Null when empty.
    T pop() {
        const std::int64_t b = bottom_.load(std::memory_order_relaxed) - 1;
        Array* array = array_.load(std::memory_order_relaxed);
        bottom_.store(b, std::memory_order_seq_cst);
        std::int64_t t = top_.load(std::memory_order_seq_cst);
        if (t > b) {  // empty
            bottom_.store(b + 1, std::memory_order_relaxed);
            return nullptr;
        }
        T item = array->get(b);
        if (t == b) {  // the last element: race the thieves for it
            if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                              std::memory_order_relaxed))
                item = nullptr;
            bottom_.store(b + 1, std::memory_order_relaxed);
        }
        return item;
    }

    // Any thread. Null when empty or when it lost a race (callers retry elsewhere).
    T steal() {
        std::int64_t t = top_.load(std::memory_order_seq_cst);
        const std::int64_t b = bottom_.load(std::memory_order_seq_cst);
        if (t >= b) return nullptr;
        Array* array = array_.load(std::memory_order_acquire);
        T item = array->get(t);
        if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                          std::memory_order_relaxed))
            return nullptr;
        return item;
    }

    // Any thread. seq_cst loads: the scheduler's parking protocol (a worker
    // about to sleep re-checks the queues after announcing itself) needs
    // them; a relaxed load could be satisfied before that announcement.
    bool empty() const {
        const std::int64_t b = bottom_.load(std::memory_order_seq_cst);
        const std::int64_t t = top_.load(std::memory_order_seq_cst);
        return b <= t;
    }

  private:
    struct Array {
        explicit Array(std::size_t n) : capacity(n), mask(n - 1), slots(new std::atomic<T>[n]) {}
        void put(std::int64_t i, T item) {
            slots[static_cast<std::size_t>(i) & mask].store(item, std::memory_order_relaxed);
        }
        T get(std::int64_t i) {
            return slots[static_cast<std::size_t>(i) & mask].load(std::memory_order_relaxed);
        }
        const std::size_t capacity;
        const std::size_t mask;
        std::unique_ptr<std::atomic<T>[]> slots;
    };

    Array* grow(Array* old, std::int64_t t, std::int64_t b) {
        auto bigger = std::make_unique<Array>(old->capacity * 2);
        for (std::int64_t i = t; i < b; ++i) bigger->put(i, old->get(i));
        Array* raw = bigger.get();
        arrays_.push_back(std::move(bigger));
        array_.store(raw, std::memory_order_release);
        return raw;
    }

    alignas(64) std::atomic<std::int64_t> top_{0};
    alignas(64) std::atomic<std::int64_t> bottom_{0};
    std::atomic<Array*> array_;
    std::vector<std::unique_ptr<Array>> arrays_;  // owner only
};

}  // namespace concur::detail

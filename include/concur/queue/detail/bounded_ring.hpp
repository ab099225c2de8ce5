// concur/queue/detail/bounded_ring.hpp -- private: the bounded MPMC queue
// behind `Queue<T>(maxsize > 0)` for nothrow-movable T.
//
// A ring of exactly `maxsize` cells, each with a sequence number saying whose
// turn it is (D. Vyukov's bounded MPMC design): a producer may fill the cell
// of position p when seq == p and publishes seq = p + 1; a consumer may empty
// it when seq == p + 1 and hands it back with seq = p + capacity. Positions
// are claimed with a CAS on `tail_` (producers) or `head_` (consumers) only
// once the cell is known to be ready, so a full or empty queue is detected
// from one cell without touching the other side's counters. Blocking, timeouts
// and shutdown sit on two eventcounts that cost nothing while nobody sleeps.
//
// Memory ordering: a producer's store of seq = p + 1 publishes the element it
// constructed (release, made seq_cst for the eventcount protocol); the
// consumer's acquire-load of seq == p + 1 makes the element visible to it.
// Symmetrically the consumer's store of seq = p + capacity (after moving out
// and destroying the element) hands the cell to the producer of the next lap.
// The CAS on tail_/head_ only arbitrates between threads of the same side
// (relaxed: the cell's seq carries all ordering). The seq_cst stores pair with
// EventCount (see event_count.hpp): a sleeper re-checks the ring with seq_cst
// loads after announcing itself, so a publish can't slip past it.
//
// Shutdown: the top bit of tail_ is the "closed" flag. close() sets it with a
// fetch_or; tail_'s modification order then puts every producer's claiming
// CAS either before it (the put counts as done before the shutdown) or after
// it (the CAS fails and the put reports `closed`), so the number of puts is
// final once closed. A claim made before the close is published a few
// instructions later: drain() waits for those, and a getter on a closed ring
// sleeps only while such a claimed cell is unpublished. The producer reads
// tail_ (seq_cst) after publishing and, if the ring is closed, wakes every
// getter (notify_all): either that read sees the bit, or the publish precedes
// the close in the seq_cst order and every getter that saw the ring closed
// also sees the element. Each woken getter then finds the element or the
// closed-and-empty state.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <sched.h>
#include <type_traits>
#include <utility>

#include <concur/detail/event_count.hpp>
#include <concur/detail/futex.hpp>

namespace concur::detail {

enum class RingResult { done, would_block, timed_out, closed };

template <class T>
class BoundedRing {
    static_assert(std::is_nothrow_move_constructible_v<T> && std::is_nothrow_destructible_v<T>);

public:
    explicit BoundedRing(std::size_t capacity)
        : capacity_(capacity),
          mask_(std::has_single_bit(capacity) ? capacity - 1 : 0),
          cells_(new Cell[capacity]) {
        for (std::size_t i = 0; i < capacity_; ++i)
            cells_[i].seq.store(i, std::memory_order_relaxed);
    }
    BoundedRing(const BoundedRing&) = delete;
    BoundedRing& operator=(const BoundedRing&) = delete;
    ~BoundedRing() { drain(); }

    // Enqueues `item` (moved from only on `done`). `deadline` null with
    // `block` = wait forever.
    RingResult put(T& item, bool block, const Deadline* deadline) noexcept {
        // try_put() never claims a cell of a closed ring.
        if (try_put(item)) return RingResult::done;
        if (closed()) return RingResult::closed;
        if (!block) return RingResult::would_block;
        for (int spin = 0; spin < kSpins; ++spin) {
            backoff(spin);
            if (try_put(item)) return RingResult::done;
            if (closed()) return RingResult::closed;
        }
        for (;;) {
            const std::uint32_t key = not_full_.prepare_wait();
            if (try_put(item)) {
                not_full_.cancel_wait();
                return RingResult::done;
            }
            if (tail_.value.load(std::memory_order_seq_cst) & kClosed) {
                not_full_.cancel_wait();
                return RingResult::closed;
            }
            if (!not_full_.wait(key, deadline)) {
                if (try_put(item)) return RingResult::done;
                return closed() ? RingResult::closed : RingResult::timed_out;
            }
        }
    }

    // Dequeues into `out` (an std::optional<T>).
    template <class Out>
    RingResult get(Out& out, bool block, const Deadline* deadline) noexcept {
        if (try_get(out)) return RingResult::done;
        if (closed_and_empty()) return RingResult::closed;
        if (!block) return RingResult::would_block;
        for (int spin = 0; spin < kSpins; ++spin) {
            backoff(spin);
            if (try_get(out)) return RingResult::done;
        }
        for (;;) {
            const std::uint32_t key = not_empty_.prepare_wait();
            if (try_get(out)) {
                not_empty_.cancel_wait();
                return RingResult::done;
            }
            if (closed_and_empty()) {
                not_empty_.cancel_wait();
                return RingResult::closed;
            }
            if (!not_empty_.wait(key, deadline)) {
                if (try_get(out)) return RingResult::done;
                return closed_and_empty() ? RingResult::closed : RingResult::timed_out;
            }
        }
    }

    // Removes and destroys every element; returns how many. On a closed
    // ring, also waits for the puts that claimed a cell before the close to
    // publish it, and removes those too (the ring is then empty for good).
    // Getters running concurrently may take some of the elements.
    std::size_t drain() noexcept {
        std::size_t n = 0;
        struct Sink {
            void emplace(T&&) noexcept {}
        } sink;
        for (int spin = 0;; ++spin) {
            while (try_get(sink)) ++n;
            const std::size_t tail = tail_.value.load(std::memory_order_seq_cst);
            if (!(tail & kClosed) ||
                head_.value.load(std::memory_order_seq_cst) >= (tail & ~kClosed))
                return n;
            backoff(spin % kSpins);  // a claimed cell is about to be published
        }
    }

    // Shutdown: puts fail from now on, gets fail once the ring is empty.
    void close() noexcept {
        tail_.value.fetch_or(kClosed, std::memory_order_seq_cst);
        not_full_.notify_all();
        not_empty_.notify_all();
    }
    bool closed() const noexcept {
        return (tail_.value.load(std::memory_order_acquire) & kClosed) != 0;
    }

    // Elements in the ring (approximate while others operate on it).
    std::size_t size() const noexcept {
        const std::size_t head = head_.value.load(std::memory_order_acquire);
        const std::size_t tail = tail_.value.load(std::memory_order_acquire) & ~kClosed;
        return tail > head ? tail - head : 0;
    }
    // How many puts have claimed a position: Queue's task accounting.
    std::size_t puts() const noexcept {
        return tail_.value.load(std::memory_order_seq_cst) & ~kClosed;
    }

private:
    static constexpr int kSpins = 128;
    // The "closed" flag in tail_ (positions never get near it).
    static constexpr std::size_t kClosed = std::size_t{1}
                                           << (std::numeric_limits<std::size_t>::digits - 1);

    struct Cell {
        std::atomic<std::size_t> seq;
        alignas(T) unsigned char bytes[sizeof(T)];
        T* element() noexcept { return std::launder(reinterpret_cast<T*>(bytes)); }
    };
    struct alignas(64) Position {
        std::atomic<std::size_t> value{0};
    };

    Cell& cell_at(std::size_t position) noexcept {
        return cells_[mask_ != 0 ? (position & mask_) : (position % capacity_)];
    }

    static void backoff(int spin) noexcept {
        if (spin < kSpins / 2)
            cpu_relax();
        else
            ::sched_yield();  // on an oversubscribed machine, let the other side run
    }

    // False if the ring is full or closed.
    bool try_put(T& item) noexcept {
        std::size_t position = tail_.value.load(std::memory_order_relaxed);
        for (;;) {
            if (position & kClosed) return false;
            Cell& cell = cell_at(position);
            const std::size_t seq = cell.seq.load(std::memory_order_seq_cst);
            const auto diff = static_cast<std::ptrdiff_t>(seq - position);
            if (diff == 0) {
                if (tail_.value.compare_exchange_weak(position, position + 1,
                                                      std::memory_order_relaxed)) {
                    ::new (cell.bytes) T(std::move(item));
                    cell.seq.store(position + 1, std::memory_order_seq_cst);
                    // Getters may sleep on a closed ring only for a claimed
                    // cell like this one: wake them all to re-check.
                    if (tail_.value.load(std::memory_order_seq_cst) & kClosed)
                        not_empty_.notify_all();
                    else
                        not_empty_.notify_one();
                    return true;
                }
            } else if (diff < 0) {
                return false;  // the previous lap's element is still there: full
            } else {
                position = tail_.value.load(std::memory_order_relaxed);
            }
        }
    }

    template <class Out>
    bool try_get(Out& out) noexcept {
        std::size_t position = head_.value.load(std::memory_order_relaxed);
        for (;;) {
            Cell& cell = cell_at(position);
            const std::size_t seq = cell.seq.load(std::memory_order_seq_cst);
            const auto diff = static_cast<std::ptrdiff_t>(seq - (position + 1));
            if (diff == 0) {
                if (head_.value.compare_exchange_weak(position, position + 1,
                                                      std::memory_order_relaxed)) {
                    T* element = cell.element();
                    out.emplace(std::move(*element));
                    element->~T();
                    cell.seq.store(position + capacity_, std::memory_order_seq_cst);
                    not_full_.notify_one();
                    return true;
                }
            } else if (diff < 0) {
                return false;  // not yet published: empty
            } else {
                position = head_.value.load(std::memory_order_relaxed);
            }
        }
    }

    // Closed, and every claimed cell has been taken: gets fail from now on.
    bool closed_and_empty() const noexcept {
        const std::size_t tail = tail_.value.load(std::memory_order_seq_cst);
        return (tail & kClosed) && head_.value.load(std::memory_order_seq_cst) >= (tail & ~kClosed);
    }

    const std::size_t capacity_;
    const std::size_t mask_;  // capacity - 1 for powers of two, else 0 (use %)
    std::unique_ptr<Cell[]> cells_;
    Position tail_;
    Position head_;
    EventCount not_empty_;
    EventCount not_full_;
};

}  // namespace concur::detail

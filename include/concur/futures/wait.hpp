// concur/futures/wait.hpp
// -----------------------------------------------------------------------------
// Python's `concurrent.futures.wait` and `as_completed`.
//
//  * wait(fs, timeout, return_when) -> {done, not_done}: blocks until the
//    condition holds or `timeout` passes (no TimeoutError: look at not_done).
//    return_when: FIRST_COMPLETED, FIRST_EXCEPTION (the first future that
//    finishes by raising; ALL_COMPLETED if none does), ALL_COMPLETED.
//    Python returns sets; here both are vectors without duplicates, in input
//    order.
//  * as_completed(fs, timeout) -> a range yielding each future once, as it
//    completes (those already done first, in input order; then in the order
//    they finish). Iterating raises TimeoutError ("N (of M) futures
//    unfinished") once `timeout` from the call has passed. The range holds a
//    yielded future until the next step, then releases it, as Python's
//    generator does.
//
// Both take O(n log n) time for n futures (and duplicates), whatever order
// they finish in.
//
// A cancelled future counts as completed. Both work for futures of any
// executor or made by hand, and may be called from any thread; a worker of a
// concur pool just blocks here (result() would run a task of its own pool
// that has not started yet itself).
//
// Example:
//
//   auto [done, not_done] = futures::wait(fs, 2s, futures::FIRST_COMPLETED);
//   for (auto& f : futures::as_completed(fs)) use(f.result());
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <ranges>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <concur/detail/deadline.hpp>
#include <concur/exceptions.hpp>
#include <concur/futures/future.hpp>
#include <concur/threading/event.hpp>

namespace concur::futures {

enum ReturnWhen { FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED };

template <class T>
struct DoneAndNotDoneFutures {
    std::vector<Future<T>> done;
    std::vector<Future<T>> not_done;
};

namespace detail {

// The shared state behind `f` (no reference added).
template <class T>
concur::detail::FutureStateBase* state_of(const Future<T>& f) noexcept {
    return concur::detail::FutureAccess::state(f);
}

// Python's _Waiter family in one: counts futures as they finish and sets
// `event` when the caller should look; for as_completed(), also collects
// them in the order they finish.
class Waiter final : public concur::detail::CompletionWaiter {
  public:
    enum class Mode { first_completed, first_exception, all_completed, as_completed };
    Waiter(Mode mode, std::size_t pending) : mode_(mode), pending_(pending) {}

    // as_completed: room for `n` completions in both buffers, so that
    // on_done() never allocates.
    void reserve(std::size_t n) {
        finished_.reserve(n);
        spare_.reserve(n);
    }

    void on_done(concur::detail::FutureStateBase* state) noexcept override {
        std::lock_guard lock(mutex_);
        switch (mode_) {
            case Mode::as_completed:
                finished_.push_back(state);
                event.set();
                break;
            case Mode::first_completed:
                event.set();
                break;
            case Mode::first_exception:
                if (!state->cancelled() && state->stored_exception()) {
                    event.set();
                    break;
                }
                [[fallthrough]];
            case Mode::all_completed:
                if (--pending_ == 0) event.set();
                break;
        }
    }
    // as_completed: the futures finished since the last call, in the order
    // they finished. The vector is valid until the next call.
    const std::vector<concur::detail::FutureStateBase*>& take() {
        spare_.clear();
        std::lock_guard lock(mutex_);
        event.clear();
        finished_.swap(spare_);
        return spare_;
    }

    threading::Event event;

  private:
    std::mutex mutex_;
    const Mode mode_;
    std::size_t pending_;
    std::vector<concur::detail::FutureStateBase*> finished_;  // under mutex_
    std::vector<concur::detail::FutureStateBase*> spare_;     // the consumer's
};

// Unique futures of `fs`, in order. InvalidStateError if one was moved
// from (before anything is registered on any of them).
template <class Range>
auto unique_futures(const Range& fs) {
    using F = std::ranges::range_value_t<Range>;
    std::vector<F> out;
    std::unordered_set<const void*> seen;
    if constexpr (std::ranges::sized_range<const Range>) {
        const auto n = static_cast<std::size_t>(std::ranges::size(fs));
        out.reserve(n);
        seen.reserve(n);
    }
    for (const auto& f : fs) {
        const concur::detail::FutureStateBase* state = detail::state_of(f);
        if (state == nullptr) concur::detail::throw_moved_from_future();
        if (seen.insert(state).second) out.push_back(f);
    }
    return out;
}

}  // namespace detail

// wait(fs, timeout=None, return_when=ALL_COMPLETED)
template <class Range>
auto wait(const Range& fs, std::optional<std::chrono::nanoseconds> timeout,
          ReturnWhen return_when = ALL_COMPLETED) {
    using F = std::ranges::range_value_t<Range>;
    using T = typename F::value_type;
    std::vector<F> all = detail::unique_futures(fs);
    // (A plain time point and a flag: GCC 12 warns "maybe uninitialized" about
    // a std::optional<Deadline> read below.)
    const bool timed = timeout.has_value();
    const concur::detail::Deadline deadline =
        timed ? concur::detail::deadline_after(*timeout) : concur::detail::Deadline::max();

    auto is_failure = [](const F& f) {
        return f.done() && !f.cancelled() && detail::state_of(f)->stored_exception() != nullptr;
    };
    auto split = [&] {
        DoneAndNotDoneFutures<T> result;
        for (const F& f : all) (f.done() ? result.done : result.not_done).push_back(f);
        return result;
    };

    std::size_t done_now = 0;
    bool failed_now = false;
    std::vector<const F*> to_watch;  // not done at the scan: the waiter counts these
    for (const F& f : all) {
        if (f.done()) {
            ++done_now;
            failed_now = failed_now || is_failure(f);
        } else {
            to_watch.push_back(&f);
        }
    }
    if ((return_when == FIRST_COMPLETED && done_now > 0) ||
        (return_when == FIRST_EXCEPTION && failed_now) || done_now == all.size())
        return split();

    using Mode = detail::Waiter::Mode;
    const Mode mode = return_when == FIRST_COMPLETED   ? Mode::first_completed
                      : return_when == FIRST_EXCEPTION ? Mode::first_exception
                                                       : Mode::all_completed;
    detail::Waiter waiter(mode, all.size() - done_now);
    std::vector<F> installed;
    for (const F* f : to_watch) {
        if (detail::state_of(*f)->add_waiter(&waiter)) {
            installed.push_back(*f);
        } else {
            // Finished between the scan and now: count it as the waiter would
            // (skipping it would leave the waiter one completion short).
            waiter.on_done(detail::state_of(*f));
        }
    }
    if (timed) {
        waiter.event.wait(deadline - concur::detail::Clock::now());
    } else {
        waiter.event.wait();
    }
    for (const F& f : installed) detail::state_of(f)->remove_waiter(&waiter);
    return split();
}

template <class Range>
auto wait(const Range& fs, ReturnWhen return_when = ALL_COMPLETED) {
    return wait(fs, std::nullopt, return_when);
}
template <class Range, class Rep, class Period>
auto wait(const Range& fs, std::chrono::duration<Rep, Period> timeout,
          ReturnWhen return_when = ALL_COMPLETED) {
    return wait(fs, std::optional(std::chrono::duration_cast<std::chrono::nanoseconds>(timeout)),
                return_when);
}

// The range as_completed() returns. Move-only; iterate once.
//
// Futures are yielded from a queue of positions in `futures_`: first those
// done at the call (in input order), then batches the waiter collected in
// the order they finished. A yielded future is moved out of `futures_` into
// `current_` and released at the next step, as Python's generator drops it.
// O(n log n) for n futures (a sorted index maps a finished state back to its
// position).
template <class F>
class AsCompleted {
    using T = typename F::value_type;

  public:
    AsCompleted(std::vector<F> futures, std::optional<concur::detail::Deadline> deadline)
        : futures_(std::move(futures)),
          deadline_(deadline),
          waiter_(std::make_unique<detail::Waiter>(detail::Waiter::Mode::as_completed, 0)) {
        const std::size_t n = futures_.size();
        positions_.reserve(n);
        for (std::size_t i = 0; i < n; ++i)
            positions_.emplace_back(detail::state_of(futures_[i]), i);
        std::ranges::sort(positions_, std::less<>(), &Position::first);
        ready_.reserve(n);
        waiter_->reserve(n);
        // Done ones first (in input order); install the waiter on the rest.
        std::size_t i = 0;
        try {
            for (; i < n; ++i) {
                concur::detail::FutureStateBase* state = detail::state_of(futures_[i]);
                if (state->done() || !state->add_waiter(waiter_.get())) ready_.push_back(i);
            }
        } catch (...) {
            for (std::size_t j = 0; j < i; ++j)
                detail::state_of(futures_[j])->remove_waiter(waiter_.get());
            throw;
        }
    }
    AsCompleted(AsCompleted&&) noexcept = default;
    AsCompleted& operator=(AsCompleted&&) = delete;
    ~AsCompleted() {
        if (!waiter_) return;  // moved from
        // Every future not yielded yet may still hold the waiter.
        for (const F& f : futures_)
            if (concur::detail::FutureStateBase* state = detail::state_of(f))
                state->remove_waiter(waiter_.get());
    }

    class iterator {
      public:
        using value_type = F;
        using difference_type = std::ptrdiff_t;
        using iterator_concept = std::input_iterator_tag;
        iterator() = default;
        F& operator*() const { return owner_->current_; }
        iterator& operator++() {
            owner_->advance();
            return *this;
        }
        void operator++(int) { ++*this; }
        friend bool operator==(const iterator& it, std::default_sentinel_t) {
            return it.owner_ == nullptr || it.owner_->exhausted();
        }

      private:
        friend class AsCompleted;
        explicit iterator(AsCompleted* owner) : owner_(owner) { owner_->advance(); }
        AsCompleted* owner_ = nullptr;
    };

    iterator begin() { return iterator(this); }
    std::default_sentinel_t end() const { return {}; }
    // Every future has been yielded (or the timeout raised).
    bool exhausted() const noexcept { return finished_; }

  private:
    // Yields the next finished future; blocks for one; TimeoutError past the deadline.
    void advance() {
        { F last = std::move(current_); }  // released: Python's generator drops it too
        for (;;) {
            while (next_ < ready_.size()) {
                F& f = futures_[ready_[next_++]];
                if (detail::state_of(f) == nullptr) continue;  // yielded already
                current_ = std::move(f);
                ++yielded_;
                return;
            }
            ready_.clear();
            next_ = 0;
            if (yielded_ == futures_.size()) {
                finished_ = true;
                return;
            }
            for (concur::detail::FutureStateBase* state : waiter_->take()) {
                const auto it =
                    std::ranges::lower_bound(positions_, state, std::less<>(), &Position::first);
                ready_.push_back(it->second);
            }
            if (!ready_.empty()) continue;
            if (deadline_) {
                if (!waiter_->event.wait(*deadline_ - concur::detail::Clock::now())) {
                    finished_ = true;
                    const std::size_t total = futures_.size();
                    throw TimeoutError(std::to_string(total - yielded_) + " (of " +
                                       std::to_string(total) + ") futures unfinished");
                }
            } else {
                waiter_->event.wait();
            }
        }
    }

    using Position = std::pair<const concur::detail::FutureStateBase*, std::size_t>;

    std::vector<F> futures_;  // unique; a yielded one is moved out
    std::optional<concur::detail::Deadline> deadline_;
    std::unique_ptr<detail::Waiter> waiter_;
    std::vector<Position> positions_;  // (state, index in futures_), sorted
    std::vector<std::size_t> ready_;   // indexes in futures_ to yield, from next_
    std::size_t next_ = 0;
    std::size_t yielded_ = 0;
    F current_ = concur::detail::FutureAccess::adopt<T>(nullptr);  // moved-from until the first
    bool finished_ = false;
};

// as_completed(fs, timeout=None)
template <class Range>
auto as_completed(const Range& fs, std::optional<std::chrono::nanoseconds> timeout = std::nullopt) {
    using F = std::ranges::range_value_t<Range>;
    std::optional<concur::detail::Deadline> deadline;
    if (timeout) deadline = concur::detail::deadline_after(*timeout);
    return AsCompleted<F>(detail::unique_futures(fs), deadline);
}
template <class Range, class Rep, class Period>
auto as_completed(const Range& fs, std::chrono::duration<Rep, Period> timeout) {
    return as_completed(
        fs, std::optional(std::chrono::duration_cast<std::chrono::nanoseconds>(timeout)));
}

}  // namespace concur::futures

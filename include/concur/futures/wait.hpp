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
//    completes (those already done first). Iterating raises TimeoutError
//    ("N (of M) futures unfinished") once `timeout` from the call has passed.
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
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
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

// Python's _Waiter family in one: collects futures as they finish and sets
// `event` when the caller should look.
class Waiter final : public concur::detail::CompletionWaiter {
public:
    enum class Mode { first_completed, first_exception, all_completed, as_completed };
    Waiter(Mode mode, std::size_t pending) : mode_(mode), pending_(pending) {}

    void on_done(concur::detail::FutureStateBase* state) noexcept override {
        std::lock_guard lock(mutex_);
        finished_.push_back(state);
        switch (mode_) {
            case Mode::first_completed:
            case Mode::as_completed: event.set(); break;
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
    // The futures finished since the last call.
    std::vector<concur::detail::FutureStateBase*> take() {
        std::lock_guard lock(mutex_);
        event.clear();
        return std::exchange(finished_, {});
    }

    threading::Event event;

private:
    std::mutex mutex_;
    const Mode mode_;
    std::size_t pending_;
    std::vector<concur::detail::FutureStateBase*> finished_;
};

// Unique futures of `fs`, in order.
template <class Range>
auto unique_futures(const Range& fs) {
    using F = std::ranges::range_value_t<Range>;
    std::vector<F> out;
    std::unordered_set<const void*> seen;
    for (const auto& f : fs)
        if (seen.insert(f.state()).second) out.push_back(f);
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
        return f.done() && !f.cancelled() && f.state()->stored_exception() != nullptr;
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
        if (f->state()->add_waiter(&waiter)) {
            installed.push_back(*f);
        } else {
            // Finished between the scan and now: count it as the waiter would
            // (skipping it would leave the waiter one completion short).
            waiter.on_done(f->state());
        }
    }
    if (timed) {
        waiter.event.wait(deadline - concur::detail::Clock::now());
    } else {
        waiter.event.wait();
    }
    for (const F& f : installed) f.state()->remove_waiter(&waiter);
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
template <class F>
class AsCompleted {
public:
    AsCompleted(std::vector<F> futures, std::optional<concur::detail::Deadline> deadline)
        : total_(futures.size()), deadline_(deadline),
          waiter_(std::make_unique<detail::Waiter>(detail::Waiter::Mode::as_completed, 0)) {
        for (F& f : futures) by_state_.emplace(f.state(), f);
        // Done ones first (in input order), then install the waiter on the rest.
        for (F& f : futures) {
            if (f.done() || !f.state()->add_waiter(waiter_.get()))
                ready_.push_back(f);
            else
                installed_.push_back(f);
        }
        std::reverse(ready_.begin(), ready_.end());  // popped from the back
    }
    AsCompleted(AsCompleted&&) noexcept = default;
    AsCompleted& operator=(AsCompleted&&) = delete;
    ~AsCompleted() {
        if (waiter_)
            for (F& f : installed_) f.state()->remove_waiter(waiter_.get());
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
        for (;;) {
            if (!ready_.empty()) {
                current_ = ready_.back();
                ready_.pop_back();
                yielded_.insert(current_.state());
                return;
            }
            if (yielded_.size() == total_) {
                finished_ = true;
                return;
            }
            for (auto* state : waiter_->take()) {
                if (!yielded_.count(state)) ready_.insert(ready_.begin(), by_state_.at(state));
            }
            if (!ready_.empty()) continue;
            if (deadline_) {
                if (!waiter_->event.wait(*deadline_ - concur::detail::Clock::now())) {
                    finished_ = true;
                    throw TimeoutError(std::to_string(total_ - yielded_.size()) + " (of " +
                                       std::to_string(total_) + ") futures unfinished");
                }
            } else {
                waiter_->event.wait();
            }
        }
    }

    std::size_t total_;
    std::optional<concur::detail::Deadline> deadline_;
    std::unique_ptr<detail::Waiter> waiter_;
    std::unordered_map<const void*, F> by_state_;
    std::vector<F> installed_;
    std::vector<F> ready_;
    std::unordered_set<const void*> yielded_;
    F current_;
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
    return as_completed(fs,
                        std::optional(std::chrono::duration_cast<std::chrono::nanoseconds>(timeout)));
}

}  // namespace concur::futures

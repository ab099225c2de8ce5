// concur/futures/thread_pool_executor.hpp
// -----------------------------------------------------------------------------
// `concur::futures::ThreadPoolExecutor` mirrors Python's
// `concurrent.futures.ThreadPoolExecutor`, on concur's work-stealing scheduler
// (include/concur/detail/scheduler.hpp; docs/futures.md has the design).
//
//  * ThreadPoolExecutor(max_workers = min(32, cpu_count + 4),
//    thread_name_prefix = "ThreadPoolExecutor-N", initializer, initargs...):
//    ValueError if max_workers is 0. Worker threads are started lazily, named
//    "<prefix>_<i>": a submit starts one unless an idle worker is free to take
//    its task (as Python's idle semaphore: one idle worker, one submit).
//  * submit(fn, args...) -> Future<R>: R is what fn returns. RuntimeError after
//    shutdown; BrokenThreadPool once a worker's initializer has thrown (every
//    pending future then fails with BrokenThreadPool too).
//  * map(fn, iterables...) -> an input range of results in input order,
//    submitted at once, collected lazily: an exception surfaces when its item
//    is reached. map_with(MapOptions{timeout, chunksize}, fn, iterables...)
//    adds Python's keyword arguments (TimeoutError once `timeout` from the
//    call has passed). Items are grouped into chunks of `chunksize` (at least
//    N / (4 * workers) when chunksize is 1); the calls of one chunk run one
//    after another. Order and the position of an exception are kept exactly;
//    the grouping shows only if calls wait on each other, which Python's docs
//    do not promise to allow either ("several calls may be made concurrently").
//  * shutdown(wait = true, cancel_futures = false); the destructor calls
//    shutdown(true).
//
// Beyond Python: a task that waits (result() without a timeout) for a task of
// its own pool that has not started runs it itself, so nested submit-and-wait
// never deadlocks; and worker_count() / queued() report the pool's state.
//
// Thread-safety: every member may be called from any thread.
//
// Example:
//
//   futures::ThreadPoolExecutor ex(4, "crunch");
//   futures::Future<int> f = ex.submit([](int a, int b) { return a * b; }, 6, 7);
//   int v = f.result();                                  // 42
//   for (long r : ex.map([](long x) { return x * x; }, std::vector<long>{1, 2, 3})) ...
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <ranges>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <concur/detail/deadline.hpp>
#include <concur/detail/scheduler.hpp>
#include <concur/exceptions.hpp>
#include <concur/futures/detail/task_future.hpp>
#include <concur/futures/future.hpp>

namespace concur::futures {

// Python's map() keyword arguments.
struct MapOptions {
    std::optional<std::chrono::nanoseconds> timeout = std::nullopt;
    std::size_t chunksize = 1;
};

namespace detail {
std::size_t default_max_workers() noexcept;
std::string next_executor_prefix();

// map()'s copy of one input. Python reads the iterables eagerly in the
// calling thread, zipping them until the shortest ends; so does this, into a
// vector, except for std::views::iota (bounded or not), which is kept as the
// view it is: its elements are computed, not stored.
template <class V>
struct IsIota : std::false_type {};
template <class W, class B>
struct IsIota<std::ranges::iota_view<W, B>> : std::true_type {};

template <class R>
constexpr bool kKeepAsView = IsIota<std::remove_cvref_t<R>>::value;

template <class R>
using Captured = std::conditional_t<kKeepAsView<R>, std::remove_cvref_t<R>,
                                    std::vector<std::ranges::range_value_t<R>>>;

// How many items `range` contributes to the zip: its size if known, else
// "unbounded" (the other inputs decide).
template <class R>
std::size_t known_size(const R& range) {
    if constexpr (std::ranges::sized_range<const R>)
        return static_cast<std::size_t>(std::ranges::size(range));
    else
        return static_cast<std::size_t>(-1);
}

// Copies at most `limit` items of `range`.
template <class R>
Captured<R> capture(R&& range, std::size_t limit) {
    if constexpr (kKeepAsView<R>) {
        return std::forward<R>(range);
    } else {
        Captured<R> copy;
        if constexpr (std::ranges::sized_range<R>)
            copy.reserve(std::min(limit, static_cast<std::size_t>(std::ranges::size(range))));
        for (auto&& value : range) {
            if (copy.size() == limit) break;
            copy.push_back(value);
        }
        return copy;
    }
}

template <class C>
std::size_t captured_size(const C& captured) {
    return known_size(captured);
}

// A chunk of map() results: the values up to the first exception, then that
// exception, so that it surfaces exactly at its item (as Python's generator).
template <class R>
struct MapChunk {
    // std::vector<bool> has no bool&: keep each value in a box.
    struct Box {
        R value;
    };
    using Slot = std::conditional_t<std::is_same_v<R, bool>, Box, R>;
    static R& get(Slot& slot) {
        if constexpr (std::is_same_v<R, bool>)
            return slot.value;
        else
            return slot;
    }
    std::vector<Slot> values;
    std::exception_ptr error;
};

// The ordered, lazy result range of map(): one future per chunk.
template <class R>
class MapResults {
public:
    MapResults(std::vector<Future<MapChunk<R>>> chunks,
               std::optional<concur::detail::Deadline> deadline)
        : chunks_(std::move(chunks)), deadline_(deadline) {}

    class iterator {
    public:
        using value_type = R;
        using difference_type = std::ptrdiff_t;
        using reference = R&;
        using iterator_concept = std::input_iterator_tag;

        iterator() = default;
        reference operator*() const { return MapChunk<R>::get(cached_->values[item_]); }
        iterator& operator++() {
            ++item_;
            settle();
            return *this;
        }
        void operator++(int) { ++*this; }
        friend bool operator==(const iterator& a, std::default_sentinel_t) {
            return a.owner_ == nullptr || a.chunk_ >= a.owner_->size();
        }

    private:
        friend class MapResults;
        explicit iterator(MapResults* owner) : owner_(owner) { settle(); }

        // Moves to the next value: waits for its chunk (TimeoutError past the
        // deadline), throws the chunk's exception once its values are used up.
        void settle() {
            while (chunk_ < owner_->chunks_.size()) {
                if (cached_ == nullptr) {
                    Future<MapChunk<R>>& f = owner_->chunks_[chunk_];
                    if (owner_->deadline_) {
                        const auto left = *owner_->deadline_ - concur::detail::Clock::now();
                        cached_ = &f.result(std::max(left, decltype(left)::zero()));
                    } else {
                        cached_ = &f.result();
                    }
                }
                if (item_ < cached_->values.size()) return;
                if (cached_->error) {
                    chunk_ = owner_->chunks_.size();  // a generator that raised is finished
                    std::rethrow_exception(cached_->error);
                }
                ++chunk_;
                item_ = 0;
                cached_ = nullptr;
            }
        }

        MapResults* owner_ = nullptr;
        std::size_t chunk_ = 0;
        std::size_t item_ = 0;
        MapChunk<R>* cached_ = nullptr;
    };

    // Single pass, as Python's generator.
    iterator begin() { return iterator(this); }
    std::default_sentinel_t end() const { return {}; }

    // Collects every result (Python: list(ex.map(...))).
    std::vector<R> to_vector() {
        std::vector<R> out;
        for (auto& value : *this) out.push_back(std::move(value));
        return out;
    }

    // Number of chunks submitted.
    std::size_t size() const noexcept { return chunks_.size(); }

private:
    std::vector<Future<MapChunk<R>>> chunks_;
    std::optional<concur::detail::Deadline> deadline_;
};
}  // namespace detail

class ThreadPoolExecutor {
public:
    // Python: ThreadPoolExecutor(max_workers=None, thread_name_prefix='',
    // initializer=None, initargs=()).
    explicit ThreadPoolExecutor(std::optional<std::size_t> max_workers = std::nullopt,
                                std::string thread_name_prefix = {})
        : ThreadPoolExecutor(max_workers, std::move(thread_name_prefix), std::function<void()>{}) {}

    template <class Init, class... InitArgs>
        requires std::invocable<std::decay_t<Init>&, std::decay_t<InitArgs>&...>
    ThreadPoolExecutor(std::optional<std::size_t> max_workers, std::string thread_name_prefix,
                       Init&& initializer, InitArgs&&... initargs)
        : scheduler_(make_options(max_workers, std::move(thread_name_prefix),
                                  bind_initializer(std::forward<Init>(initializer),
                                                   std::forward<InitArgs>(initargs)...))) {}

    ThreadPoolExecutor(const ThreadPoolExecutor&) = delete;
    ThreadPoolExecutor& operator=(const ThreadPoolExecutor&) = delete;
    ~ThreadPoolExecutor() { shutdown(true); }

    // Schedules fn(args...); returns its future. Never blocks.
    template <class F, class... Args>
        requires std::invocable<std::decay_t<F>, std::decay_t<Args>...>
    auto submit(F&& fn, Args&&... args)
        -> Future<std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>> {
        using R = std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>;
        // The call runs at most once: fn and its arguments are passed as
        // rvalues, as the constraint above checks (move-only arguments work).
        auto call = [fn = std::decay_t<F>(std::forward<F>(fn)),
                     bound = std::tuple<std::decay_t<Args>...>(std::forward<Args>(args)...)]() mutable
            -> R { return std::apply(std::move(fn), std::move(bound)); };
        auto* task =
            new concur::detail::TaskFuture<R, decltype(call)>(std::move(call), scheduler_.get());
        Future<R> future(task);  // adopts the handle's reference
        try {
            scheduler_->submit(task);
        } catch (...) {
            task->release();  // the scheduler's reference
            throw;
        }
        return future;
    }

    // Python: map(fn, *iterables) — ordered, lazily collected results.
    template <class F, class... Ranges>
        requires(sizeof...(Ranges) > 0)
    auto map(F fn, Ranges&&... inputs) {
        return map_with(MapOptions{}, std::move(fn), std::forward<Ranges>(inputs)...);
    }

    // Python: map(fn, *iterables, timeout=..., chunksize=...).
    template <class F, class... Ranges>
        requires(sizeof...(Ranges) > 0)
    auto map_with(MapOptions options, F fn, Ranges&&... inputs) {
        using R = std::invoke_result_t<F&, std::ranges::range_reference_t<Ranges>...>;
        static_assert(!std::is_void_v<R>, "map() needs a function that returns a value");
        std::optional<concur::detail::Deadline> deadline;
        if (options.timeout) deadline = concur::detail::deadline_after(*options.timeout);
        // Python takes its arguments at the call: copy each input (a cheap
        // view such as std::views::iota is copied as a view), then zip them,
        // shortest first.
        const std::size_t limit = std::min({detail::known_size(inputs)...});
        auto args = std::make_shared<std::tuple<detail::Captured<Ranges>...>>(
            detail::capture(std::forward<Ranges>(inputs), limit)...);
        const std::size_t n = std::apply(
            [](const auto&... r) { return std::min({detail::captured_size(r)...}); }, *args);
        if (n == static_cast<std::size_t>(-1))
            throw ValueError("map() needs at least one input of finite length");
        std::size_t chunk = std::max<std::size_t>(1, options.chunksize);
        if (options.chunksize <= 1)
            chunk = std::max<std::size_t>(1, n / (4 * scheduler_->max_workers()));
        auto shared_fn = std::make_shared<F>(std::move(fn));
        std::vector<Future<detail::MapChunk<R>>> chunks;
        chunks.reserve((n + chunk - 1) / chunk);
        for (std::size_t begin = 0; begin < n; begin += chunk) {
            const std::size_t end = std::min(n, begin + chunk);
            chunks.push_back(submit([args, shared_fn, begin, end] {
                detail::MapChunk<R> out;
                out.values.reserve(end - begin);
                try {
                    for (std::size_t i = begin; i < end; ++i)
                        out.values.push_back(typename detail::MapChunk<R>::Slot{std::apply(
                            [&](auto&... r) {
                                return (*shared_fn)(
                                    std::ranges::begin(r)[static_cast<std::ptrdiff_t>(i)]...);
                            },
                            *args)});
                } catch (...) {
                    out.error = std::current_exception();
                }
                return out;
            }));
        }
        return detail::MapResults<R>(std::move(chunks), deadline);
    }

    // Python: shutdown(wait=True, *, cancel_futures=False).
    void shutdown(bool wait = true, bool cancel_futures = false) {
        scheduler_->shutdown(wait, cancel_futures);
    }

    std::size_t max_workers() const noexcept { return scheduler_->max_workers(); }
    std::size_t worker_count() const noexcept { return scheduler_->worker_count(); }
    std::size_t queued() const noexcept { return scheduler_->queued(); }

private:
    ThreadPoolExecutor(std::optional<std::size_t> max_workers, std::string prefix,
                       std::function<void()> initializer)
        : scheduler_(make_options(max_workers, std::move(prefix), std::move(initializer))) {}

    template <class Init, class... InitArgs>
    static std::function<void()> bind_initializer(Init&& init, InitArgs&&... initargs) {
        return [init = std::decay_t<Init>(std::forward<Init>(init)),
                bound = std::tuple<std::decay_t<InitArgs>...>(
                    std::forward<InitArgs>(initargs)...)]() mutable { std::apply(init, bound); };
    }

    static std::unique_ptr<concur::detail::Scheduler> make_options(
        std::optional<std::size_t> max_workers, std::string prefix,
        std::function<void()> initializer) {
        if (max_workers && *max_workers == 0)
            throw ValueError("max_workers must be greater than 0");
        concur::detail::SchedulerOptions options;
        options.max_workers = max_workers.value_or(detail::default_max_workers());
        options.thread_name_prefix =
            prefix.empty() ? detail::next_executor_prefix() : std::move(prefix);
        options.initializer = std::move(initializer);
        return std::make_unique<concur::detail::Scheduler>(std::move(options));
    }

    std::unique_ptr<concur::detail::Scheduler> scheduler_;
};

}  // namespace concur::futures

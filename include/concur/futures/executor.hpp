// concur/futures/executor.hpp
// -----------------------------------------------------------------------------
// `concur::futures::Executor` mirrors Python's `concurrent.futures.Executor`:
// the abstract base of executors, with submit(), map() and shutdown(). A
// concrete executor (ThreadPoolExecutor, and multiprocessing's
// ProcessPoolExecutor) derives from it; code written against the base works
// with any of them:
//
//   futures::Executor& ex = pool;                 // any executor
//   futures::Future<int> f = ex.submit(fn, args...);
//   for (int r : ex.map(square, numbers)) ...
//   ex.shutdown();
//
//  * submit(fn, args...) -> Future<R>: schedules fn(args...) (fn and the
//    arguments are decay-copied and invoked as rvalues, so move-only ones
//    work); never blocks. RuntimeError after shutdown; the executor's
//    BrokenExecutor subclass once it is broken.
//  * map(fn, iterables...) -> an input range of results in input order,
//    submitted at once, collected lazily: an exception surfaces when its item
//    is reached. map_with(MapOptions{timeout, chunksize}, fn, iterables...)
//    adds Python's keyword arguments (TimeoutError once `timeout` from the
//    call has passed). Items are grouped into chunks of `chunksize` (at least
//    N / (4 * workers) when chunksize is 1); the calls of one chunk run one
//    after another, and write their results in place. `.to_vector()` collects
//    them (Python's list(ex.map(...))) without copying.
//  * shutdown(wait = true, cancel_futures = false): Python's.
//
// How to write an executor: derive, implement shutdown(), and the protected
// enqueue() (queue a task or throw), task_context() and map_workers(). A task
// is a call and its future in one object; the executor runs it once or
// abandons it (see detail/scheduler.hpp's SchedulerTask).
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <concur/detail/deadline.hpp>
#include <concur/detail/scheduler.hpp>
#include <concur/futures/detail/map.hpp>
#include <concur/futures/detail/task_future.hpp>
#include <concur/futures/exceptions.hpp>
#include <concur/futures/future.hpp>
#include <concur/multiprocessing/detail/remote_call.hpp>

namespace concur::futures {

namespace detail {
// What map() sends a worker process per call: the item of a single input, or
// the tuple of the items of several (then the call is a starmap).
template <class... Ranges>
struct RemoteMapItem {
    using type = std::tuple<std::decay_t<std::ranges::range_value_t<Ranges>>...>;
};
template <class Range>
struct RemoteMapItem<Range> {
    using type = std::decay_t<std::ranges::range_value_t<Range>>;
};
}  // namespace detail

class Executor {
  public:
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;
    virtual ~Executor() = default;

    // Schedules fn(args...); returns its future. Never blocks.
    template <class F, class... Args>
    requires std::invocable<std::decay_t<F>, std::decay_t<Args>...>
    auto submit(F&& fn, Args&&... args)
        -> Future<std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>> {
        using R = std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>;
        if (runs_elsewhere_) return submit_elsewhere<R>(fn, args...);
        // The call runs at most once: fn and its arguments are passed as
        // rvalues, as the constraint above checks (move-only arguments work).
        auto call = [fn = std::decay_t<F>(std::forward<F>(fn)),
                     bound = std::tuple<std::decay_t<Args>...>(
                         std::forward<Args>(args)...)]() mutable -> R {
            return std::apply(std::move(fn), std::move(bound));
        };
        return schedule<R>(std::move(call));
    }

    // Python: map(fn, *iterables) -- ordered, lazily collected results.
    template <class F, class... Ranges>
    requires(sizeof...(Ranges) > 0) auto map(F fn, Ranges&&... inputs) {
        return map_with(MapOptions{}, std::move(fn), std::forward<Ranges>(inputs)...);
    }

    // Python: map(fn, *iterables, timeout=..., chunksize=...).
    template <class F, class... Ranges>
    requires(sizeof...(Ranges) > 0) auto map_with(MapOptions options, F fn, Ranges&&... inputs) {
        using R = std::invoke_result_t<F&, std::ranges::range_reference_t<Ranges>...>;
        static_assert(!std::is_void_v<R>, "map() needs a function that returns a value");
        using Output = detail::MapOutput<R>;
        std::optional<detail::Deadline> deadline;
        if (options.timeout) deadline = concur::detail::deadline_after(*options.timeout);
        // Python takes its arguments at the call: copy each input (a cheap
        // view such as std::views::iota is copied as a view), then zip them,
        // shortest first.
        if (runs_elsewhere_)
            return map_elsewhere<R>(options, std::move(fn), deadline,
                                    std::forward<Ranges>(inputs)...);
        const std::size_t limit = std::min({detail::known_size(inputs)...});
        auto args = std::make_shared<std::tuple<detail::Captured<Ranges>...>>(
            detail::capture(std::forward<Ranges>(inputs), limit)...);
        const std::size_t n = std::apply(
            [](const auto&... r) { return std::min({detail::captured_size(r)...}); }, *args);
        if (n == static_cast<std::size_t>(-1))
            throw ValueError("map() needs at least one input of finite length");
        std::size_t chunk = std::max<std::size_t>(1, options.chunksize);
        if (options.chunksize <= 1)
            chunk = std::max<std::size_t>(1, n / (4 * std::max<std::size_t>(1, map_workers())));
        prepare_for((n + chunk - 1) / chunk);
        auto output = std::make_shared<Output>(n);
        auto shared_fn = std::make_shared<F>(std::move(fn));
        std::vector<Future<detail::ChunkOutcome>> chunks;
        chunks.reserve((n + chunk - 1) / chunk);
        for (std::size_t begin = 0; begin < n; begin += chunk) {
            const std::size_t end = std::min(n, begin + chunk);
            chunks.push_back(submit([args, shared_fn, output, begin, end] {
                std::size_t i = begin;
                try {
                    for (; i < end; ++i)
                        Output::put(output->values[i],
                                    std::apply(
                                        [&](auto&... r) {
                                            return (*shared_fn)(std::ranges::begin(
                                                r)[static_cast<std::ptrdiff_t>(i)]...);
                                        },
                                        *args));
                } catch (...) {
                    return detail::ChunkOutcome{i, std::current_exception()};
                }
                return detail::ChunkOutcome{end, nullptr};
            }));
        }
        return detail::MapResults<R>(std::move(output), std::move(chunks), chunk, deadline);
    }

    // Python: shutdown(wait=True, *, cancel_futures=False).
    virtual void shutdown(bool wait = true, bool cancel_futures = false) = 0;

  protected:
    Executor() = default;
    // For an executor whose workers are other processes (ProcessPoolExecutor):
    // submit() and map() then send calls in the form another process can run
    // (multiprocessing/detail/remote_call.hpp) to enqueue_elsewhere().
    struct RunsElsewhere {};
    explicit Executor(RunsElsewhere) : runs_elsewhere_(true) {}

    // Queues `task` to be run (or abandoned) exactly once; or throws
    // (RuntimeError after shutdown, the executor's BrokenExecutor once broken)
    // without having queued it.
    virtual void enqueue(concur::detail::SchedulerTask* task) = 0;
    // What tasks of this executor need to know of it.
    virtual detail::TaskContext task_context() const noexcept = 0;
    // How many workers map() spreads its chunks over.
    virtual std::size_t map_workers() const noexcept = 0;
    // Queues a call for another process (executors constructed with
    // RunsElsewhere); throws like enqueue().
    virtual void enqueue_elsewhere(concur::multiprocessing::detail::PoolTask task) {
        (void)task;
        throw RuntimeError("this executor runs calls in this process");
    }
    // map() is about to submit `tasks` tasks at once: an executor that
    // starts workers lazily may start the ones these submits would start,
    // before the first task occupies a core (default: nothing).
    virtual void prepare_for(std::size_t tasks) { (void)tasks; }

  private:
    const bool runs_elsewhere_ = false;

    // Whether fn(args...) -> R can run in another process: fn converts to a
    // function pointer, the arguments and the result are serialisable.
    template <class F, class R, class... Args>
    static constexpr bool kRemotable =
        !std::is_void_v<decltype(concur::multiprocessing::detail::as_function_pointer<F>())> &&
        (concur::multiprocessing::detail::Serialisable<Args> && ...) &&
        (std::is_void_v<R> || concur::multiprocessing::detail::Serialisable<R>);

    // Python's pickling error, raised at the submit.
    [[noreturn]] static void throw_not_remotable() {
        throw ValueError(
            "ProcessPoolExecutor: the call must be a function or a lambda without captures, "
            "and its arguments and result trivially copyable or with a cereal serialize() "
            "member (it runs in a worker process)");
    }

    template <class F>
    static auto function_pointer(const F& fn) {
        using Fp = decltype(concur::multiprocessing::detail::as_function_pointer<F>());
        if constexpr (std::is_pointer_v<F>)
            return static_cast<Fp>(fn);
        else
            return static_cast<Fp>(+fn);
    }

    template <class R, class F, class... Args>
    Future<R> submit_elsewhere(const F& fn, const Args&... args) {
        namespace mpd = concur::multiprocessing::detail;
        using D = std::decay_t<F>;
        if constexpr (!kRemotable<D, R, std::decay_t<Args>...>) {
            throw_not_remotable();
        } else {
            auto fp = function_pointer<D>(fn);
            using Fp = decltype(fp);
            mpd::Bytes call =
                mpd::call_header(&mpd::pool_call_entry<Fp, R, std::decay_t<Args>...>, fp);
            (mpd::dump(call, args), ...);
            Future<R> future;
            enqueue_elsewhere(
                mpd::PoolTask{std::move(call),
                              [future](std::span<const std::byte> in) mutable {
                                  if constexpr (std::is_void_v<R>)
                                      future.set_result();
                                  else
                                      future.set_result(mpd::loads<R>(in));
                              },
                              [future](std::exception_ptr error) mutable {
                                  if (!future.cancelled()) future.set_exception(std::move(error));
                              },
                              [future]() mutable { return future.set_running_or_notify_cancel(); },
                              [future]() mutable { future.cancel(); }});
            return future;
        }
    }

    template <class R, class F, class... Ranges>
    detail::MapResults<R> map_elsewhere(const MapOptions& options, F fn,
                                        std::optional<detail::Deadline> deadline,
                                        Ranges&&... inputs) {
        namespace mpd = concur::multiprocessing::detail;
        using Item = typename detail::RemoteMapItem<Ranges...>::type;
        using Output = detail::MapOutput<R>;
        if constexpr (!kRemotable<F, R, Item>) {
            throw_not_remotable();
        } else {
            auto fp = function_pointer<F>(fn);
            using Fp = decltype(fp);
            // The items, zipped (shortest input first), taken at the call.
            std::vector<Item> items;
            auto iterators = std::make_tuple(std::ranges::begin(inputs)...);
            auto ends = std::make_tuple(std::ranges::end(inputs)...);
            for (;;) {
                const bool done = std::apply(
                    [&](auto&... it) {
                        return std::apply([&](auto&... end) { return ((it == end) || ...); }, ends);
                    },
                    iterators);
                if (done) break;
                std::apply(
                    [&](auto&... it) {
                        items.emplace_back(*it...);
                        (++it, ...);
                    },
                    iterators);
            }
            const std::size_t n = items.size();
            std::size_t chunk = std::max<std::size_t>(1, options.chunksize);
            if (options.chunksize <= 1)
                chunk = std::max<std::size_t>(1, n / (4 * std::max<std::size_t>(1, map_workers())));
            auto output = std::make_shared<Output>(n);
            mpd::PoolEntry entry;
            if constexpr (sizeof...(Ranges) == 1)
                entry = &mpd::pool_map_entry<Fp, R, Item>;
            else
                entry = &mpd::pool_starmap_entry<Fp, R, Item>;
            mpd::ChunkCalls calls = mpd::encode_chunks<Item>(entry, fp, items, n, chunk);
            std::vector<Future<detail::ChunkOutcome>> chunks;
            for (std::size_t k = 0; k < calls.calls.size(); ++k) {
                const std::size_t begin = calls.bounds[k];
                const std::size_t end = calls.bounds[k + 1];
                Future<detail::ChunkOutcome> outcome;
                enqueue_elsewhere(mpd::PoolTask{
                    std::move(calls.calls[k]),
                    [outcome, output, begin, end](std::span<const std::byte> in) mutable {
                        auto part = mpd::loads<std::vector<R>>(in);
                        for (std::size_t i = begin; i < end; ++i)
                            Output::put(output->values[i], std::move(part[i - begin]));
                        outcome.set_result(detail::ChunkOutcome{end, nullptr});
                    },
                    [outcome, begin](std::exception_ptr error) mutable {
                        if (!outcome.cancelled())
                            outcome.set_result(detail::ChunkOutcome{begin, std::move(error)});
                    },
                    [outcome]() mutable { return outcome.set_running_or_notify_cancel(); },
                    [outcome]() mutable { outcome.cancel(); }});
                chunks.push_back(std::move(outcome));
            }
            return detail::MapResults<R>(std::move(output), std::move(chunks), chunk, deadline);
        }
    }

    template <class R, class Call>
    Future<R> schedule(Call call) {
        auto* task = new detail::TaskFuture<R, Call>(std::move(call), task_context());
        Future<R> future = concur::detail::FutureAccess::adopt<R>(task);  // the handle's reference
        try {
            enqueue(task);
        } catch (...) {
            task->release();  // the scheduler's reference: never queued
            throw;
        }
        return future;
    }
};

}  // namespace concur::futures

// concur/multiprocessing/pool.hpp
// -----------------------------------------------------------------------------
// `concur::multiprocessing::Pool` mirrors Python's `multiprocessing.Pool`;
// `AsyncResult<R>` its `AsyncResult` (`ApplyResult`, `MapResult`), and
// `IMapIterator<R>` what `imap`/`imap_unordered` return.
//
// Workers are processes started with the pool (with its context's start
// method); tasks are sent to them, so a task is a function pointer or a
// lambda without captures, and its arguments and result are serialisable
// (trivially copyable, or with a cereal serialize() member) -- under every
// start method, since the workers exist before the tasks. Anything else does
// not compile (a static_assert says which).
//
// Differences from Python:
//  * A worker that dies while running a task (killed, crashed) fails that
//    task with WorkerLostError, is replaced, and the pool goes on. Python's
//    Pool hangs forever in that case (cpython#96062).
//  * An initializer that throws breaks the pool: every task fails with
//    futures::BrokenProcessPool (Python restarts the workers forever).
//  * terminate() fails the tasks still pending with RuntimeError("Pool
//    terminated") instead of leaving their results pending forever.
//  * The destructor terminates and joins (what Python's `with Pool() as p:`
//    does on exit), so no worker outlives its Pool.
//  * map() returns a std::vector; imap()/imap_unordered() an input range.
//
// Every member is thread-safe.
//
// Example:
//
//   namespace mp = concur::multiprocessing;
//   int square(int x) { return x * x; }
//
//   int main() {
//       mp::freeze_support();
//       mp::Pool pool(3);
//       std::vector<int> r = pool.map(square, std::vector{1, 2, 3, 4, 5});  // 1 4 9 16 25
//       mp::AsyncResult<int> a = pool.apply_async(square, 7);
//       int v = a.get();                                                     // 49
//   }
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include <concur/detail/prefault.hpp>
#include <concur/futures/future.hpp>
#include <concur/multiprocessing/context.hpp>
#include <concur/multiprocessing/detail/spawn_target.hpp>
#include <concur/multiprocessing/detail/worker_pool.hpp>
#include <concur/multiprocessing/exceptions.hpp>

namespace concur::multiprocessing {

namespace detail {

// The function pointer of a pool task, or a readable error.
template <class F>
auto pool_function(const F& f) {
    using D = std::decay_t<F>;
    using Fp = decltype(as_function_pointer<D>());
    static_assert(!std::is_void_v<Fp>,
                  "concur::multiprocessing::Pool: a task must be a function or a lambda without "
                  "captures (it is sent to a worker process by name)");
    if constexpr (std::is_pointer_v<D>)
        return static_cast<Fp>(f);
    else
        return static_cast<Fp>(+f);
}

template <class T>
constexpr void check_serialisable() {
    static_assert(Serialisable<T>,
                  "concur::multiprocessing::Pool: arguments and results cross to worker "
                  "processes: make this type trivially copyable or give it a cereal "
                  "serialize() member");
}

}  // namespace detail

// Python's AsyncResult: the eventual result of apply_async/map_async.
template <class R>
class AsyncResult {
  public:
    explicit AsyncResult(futures::Future<R> future) : future_(std::move(future)) {}

    // Blocks until the result arrives; returns it or raises the task's
    // exception (WorkerLostError if its worker died).
    R get() { return future_.result(); }
    // As get(), but raises multiprocessing::TimeoutError after `timeout`.
    template <class Rep, class Period>
    R get(std::chrono::duration<Rep, Period> timeout) {
        if (!wait(timeout)) throw TimeoutError("the result did not arrive in time");
        return future_.result();
    }
    // Blocks until the result arrives.
    void wait() { (void)future_.exception(); }
    // Blocks at most `timeout`; returns ready() (Python returns None).
    template <class Rep, class Period>
    bool wait(std::chrono::duration<Rep, Period> timeout) {
        try {
            (void)future_.exception(timeout);
        } catch (const concur::TimeoutError&) {
            return false;
        }
        return true;
    }
    // Never blocks.
    bool ready() const { return future_.done(); }
    // Whether the call completed without raising; ValueError if not ready.
    bool successful() {
        if (!ready()) throw ValueError("the result is not ready");
        return future_.exception() == nullptr;
    }
    // The future underneath (for futures::wait / as_completed).
    const futures::Future<R>& future() const noexcept { return future_; }

  private:
    futures::Future<R> future_;
};

// What imap() and imap_unordered() return: the results as they come, in
// order (imap) or in completion order (imap_unordered). An input range; also
// Python's next(timeout).
template <class R>
class IMapIterator {
    struct Shared {
        std::mutex mutex;
        std::condition_variable ready;
        std::deque<std::size_t> completed;  // chunk indices, completion order
    };

  public:
    IMapIterator(std::vector<futures::Future<std::vector<R>>> chunks, bool ordered,
                 std::shared_ptr<void> keep_alive = {})
        : chunks_(std::move(chunks)),
          ordered_(ordered),
          shared_(std::make_shared<Shared>()),
          keep_alive_(std::move(keep_alive)) {
        if (!ordered_)
            for (std::size_t k = 0; k < chunks_.size(); ++k)
                chunks_[k].add_done_callback([shared = shared_, k] {
                    std::lock_guard lock(shared->mutex);
                    shared->completed.push_back(k);
                    shared->ready.notify_all();
                });
    }

    // The next result, or empty at the end. Raises the task's exception.
    std::optional<R> next() { return next_until(nullptr); }
    // As next(), but raises multiprocessing::TimeoutError after `timeout`.
    template <class Rep, class Period>
    std::optional<R> next(std::chrono::duration<Rep, Period> timeout) {
        const auto deadline = concur::detail::deadline_after(timeout);
        return next_until(&deadline);
    }

    class iterator {
      public:
        using value_type = R;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        explicit iterator(IMapIterator* owner) : owner_(owner) { ++*this; }
        const R& operator*() const { return *current_; }
        iterator& operator++() {
            current_ = owner_->next();
            if (!current_) owner_ = nullptr;
            return *this;
        }
        void operator++(int) { ++*this; }
        friend bool operator==(const iterator& it, std::default_sentinel_t) {
            return it.owner_ == nullptr;
        }

      private:
        IMapIterator* owner_ = nullptr;
        std::optional<R> current_;
    };
    iterator begin() { return iterator(this); }
    std::default_sentinel_t end() const noexcept { return {}; }

  private:
    std::optional<R> next_until(const concur::detail::Deadline* deadline) {
        while (position_ >= current_.size()) {
            if (taken_ == chunks_.size()) return std::nullopt;
            std::size_t k = taken_;
            if (!ordered_) {
                std::unique_lock lock(shared_->mutex);
                auto have = [&] { return !shared_->completed.empty(); };
                if (deadline == nullptr)
                    shared_->ready.wait(lock, have);
                else if (!shared_->ready.wait_until(lock, *deadline, have))
                    throw TimeoutError("the next result did not arrive in time");
                k = shared_->completed.front();
                shared_->completed.pop_front();
            } else if (deadline != nullptr) {
                const auto left = *deadline - concur::detail::Clock::now();
                try {
                    (void)chunks_[k].exception(std::max(left, concur::detail::Clock::duration{}));
                } catch (const concur::TimeoutError&) {
                    throw TimeoutError("the next result did not arrive in time");
                }
            }
            ++taken_;
            current_ = std::move(chunks_[k].result());
            position_ = 0;
        }
        return std::move(current_[position_++]);
    }

    std::vector<futures::Future<std::vector<R>>> chunks_;
    bool ordered_;
    std::shared_ptr<Shared> shared_;
    std::shared_ptr<void> keep_alive_;
    std::size_t taken_ = 0;
    std::vector<R> current_;
    std::size_t position_ = 0;
};

struct PoolOptions;
namespace detail {
// The worker pool of a Pool or ProcessPoolExecutor with these options.
// ValueError for inconsistent ones.
std::unique_ptr<WorkerPool> make_worker_pool(PoolOptions options, DeathPolicy policy);
}  // namespace detail

// Python's Pool(initializer=f, initargs=(...)): the function, by pointer.
class PoolInitializer {
  public:
    PoolInitializer() = default;
    template <class F>
    requires(!std::is_same_v<std::decay_t<F>, PoolInitializer>)
        PoolInitializer(const F& f) {  // NOLINT: implicit, for designated initialisers
        auto fn = detail::pool_function(f);
        using Fp = decltype(fn);
        header_ = [fn] { return detail::call_header(entry_for(fn), fn); };
        signature_ = &typeid(parameters_of(static_cast<Fp>(nullptr)));
    }
    explicit operator bool() const noexcept { return static_cast<bool>(header_); }

  private:
    friend std::unique_ptr<detail::WorkerPool> detail::make_worker_pool(PoolOptions,
                                                                        detail::DeathPolicy);
    template <class R, class... P>
    static detail::PoolEntry entry_for(R (*)(P...)) {
        return &detail::pool_call_entry<R (*)(P...), R, std::decay_t<P>...>;
    }
    template <class R, class... P>
    static std::tuple<std::decay_t<P>...> parameters_of(R (*)(P...));
    std::function<detail::Bytes()> header_;
    const std::type_info* signature_ = nullptr;
};

// Python's initargs: the arguments, serialised; their types must be the
// initializer's parameters (ValueError at Pool construction otherwise).
class PoolInitArgs {
  public:
    PoolInitArgs() : signature_(&typeid(std::tuple<>)) {}
    template <class... A>
    PoolInitArgs(const std::tuple<A...>& args)  // NOLINT: implicit
        : signature_(&typeid(std::tuple<std::decay_t<A>...>)) {
        (detail::check_serialisable<std::decay_t<A>>(), ...);
        std::apply([this](const auto&... a) { (detail::dump(bytes_, a), ...); }, args);
    }

  private:
    friend std::unique_ptr<detail::WorkerPool> detail::make_worker_pool(PoolOptions,
                                                                        detail::DeathPolicy);
    detail::Bytes bytes_;
    const std::type_info* signature_;
};

// Python: Pool(processes, initializer, initargs, maxtasksperchild, context).
struct PoolOptions {
    int processes = 0;  // <= 0: cpu_count()
    PoolInitializer initializer;
    PoolInitArgs initargs;
    int maxtasksperchild = 0;  // 0: Python's None (workers live as long as the pool)
    std::optional<Context> context;
};

class Pool {
  public:
    // Python: Pool(processes=None): cpu_count() workers when `processes` <= 0.
    explicit Pool(int processes = 0) : Pool(PoolOptions{processes, {}, {}, 0, std::nullopt}) {}
    explicit Pool(PoolOptions options);
    // Terminates and joins.
    ~Pool() = default;
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    // Python's apply(f, args): blocks for the result.
    template <class F, class... Args>
    auto apply(const F& f, Args&&... args) {
        return apply_async(f, std::forward<Args>(args)...).get();
    }

    // Python's apply_async(f, args). ValueError after close()/terminate().
    template <class F, class... Args>
    auto apply_async(const F& f, Args&&... args) {
        auto fn = detail::pool_function(f);
        using Fp = decltype(fn);
        using R = std::invoke_result_t<Fp, std::decay_t<Args>...>;
        (detail::check_serialisable<std::decay_t<Args>>(), ...);
        if constexpr (!std::is_void_v<R>) detail::check_serialisable<R>();
        detail::Bytes call =
            detail::call_header(&detail::pool_call_entry<Fp, R, std::decay_t<Args>...>, fn);
        (detail::dump(call, args), ...);
        futures::Future<R> future;
        submit_call(std::move(call), future);
        return AsyncResult<R>(std::move(future));
    }

    // Python's map(f, iterable, chunksize): blocks for every result.
    template <class F, std::ranges::input_range Range>
    auto map(const F& f, Range&& items, std::size_t chunksize = 0) {
        return map_async(f, std::forward<Range>(items), chunksize).get();
    }

    // Python's map_async(f, iterable, chunksize) -> AsyncResult of a vector.
    template <class F, std::ranges::input_range Range>
    auto map_async(const F& f, Range&& items, std::size_t chunksize = 0) {
        using T = std::ranges::range_value_t<Range>;
        auto fn = detail::pool_function(f);
        using Fp = decltype(fn);
        using R = std::decay_t<std::invoke_result_t<Fp, const T&>>;
        return AsyncResult<std::vector<R>>(
            gather<R>(encode<R, T>(&detail::pool_map_entry<Fp, R, T>, fn, items, chunksize)));
    }

    // Python's starmap(f, iterable of tuples, chunksize).
    template <class F, std::ranges::input_range Range>
    auto starmap(const F& f, Range&& items, std::size_t chunksize = 0) {
        return starmap_async(f, std::forward<Range>(items), chunksize).get();
    }
    template <class F, std::ranges::input_range Range>
    auto starmap_async(const F& f, Range&& items, std::size_t chunksize = 0) {
        using Tuple = std::ranges::range_value_t<Range>;
        auto fn = detail::pool_function(f);
        using Fp = decltype(fn);
        using R = std::decay_t<decltype(std::apply(fn, std::declval<Tuple>()))>;
        return AsyncResult<std::vector<R>>(gather<R>(
            encode<R, Tuple>(&detail::pool_starmap_entry<Fp, R, Tuple>, fn, items, chunksize)));
    }

    // Python's imap(f, iterable, chunksize=1): results in order, as they come.
    template <class F, std::ranges::input_range Range>
    auto imap(const F& f, Range&& items, std::size_t chunksize = 1) {
        return imap_impl(f, std::forward<Range>(items), chunksize, true);
    }
    // Python's imap_unordered: results in the order they complete.
    template <class F, std::ranges::input_range Range>
    auto imap_unordered(const F& f, Range&& items, std::size_t chunksize = 1) {
        return imap_impl(f, std::forward<Range>(items), chunksize, false);
    }

    // Python's close(): no more tasks; the workers exit once the queued ones
    // are done. Never blocks.
    void close() { workers_->close(); }
    // Python's terminate(): stops the workers now. Never blocks.
    void terminate() { workers_->terminate(); }
    // Python's join(): waits for the workers to exit; ValueError before
    // close() or terminate().
    void join() { workers_->join(); }

    // The number of worker processes.
    int processes() const noexcept { return workers_->processes(); }
    // The pids of the workers alive now (for tests and tools).
    std::vector<int> worker_pids() const { return workers_->worker_pids(); }

  private:
    template <class R>
    void submit_call(detail::CallBytes call, futures::Future<R> future) {
        workers_->submit(detail::PoolTask{std::move(call),
                                          [future](std::span<const std::byte> in) mutable {
                                              if constexpr (std::is_void_v<R>)
                                                  future.set_result();
                                              else
                                                  future.set_result(detail::loads<R>(in));
                                          },
                                          [future](std::exception_ptr error) mutable {
                                              future.set_exception(std::move(error));
                                          }});
    }

    // The chunks of a map over `items`, encoded (detail::encode_chunks). The
    // input is read once (it may be a one-pass range): a sized one straight
    // into the calls, another into one vector first (its length sets the
    // chunk size).
    template <class R, class T, class Fp, class Range>
    detail::ChunkCalls encode(detail::PoolEntry entry, Fp fn, Range& items, std::size_t chunksize) {
        detail::check_serialisable<T>();
        detail::check_serialisable<R>();
        auto chunk_size = [&](std::size_t n) {
            if (chunksize != 0) return chunksize;
            // Python's: divmod(len, 4 * processes), rounded up
            const std::size_t workers = static_cast<std::size_t>(processes()) * 4;
            return std::max<std::size_t>(n / workers + (n % workers != 0 ? 1 : 0), 1);
        };
        if constexpr (std::ranges::sized_range<Range>) {
            const auto n = static_cast<std::size_t>(std::ranges::size(items));
            return detail::encode_chunks<T>(entry, fn, items, n, chunk_size(n));
        } else {
            std::vector<T> all;
            for (auto&& item : items) all.push_back(static_cast<T>(item));
            return detail::encode_chunks<T>(entry, fn, all, all.size(), chunk_size(all.size()));
        }
    }

    // One future per chunk, for its results.
    template <class R>
    std::vector<futures::Future<std::vector<R>>> submit_chunks(detail::ChunkCalls chunks) {
        std::vector<futures::Future<std::vector<R>>> futures;
        futures.reserve(chunks.calls.size());
        for (auto& call : chunks.calls) {
            futures::Future<std::vector<R>> chunk;
            submit_call(std::move(call), chunk);
            futures.push_back(std::move(chunk));
        }
        return futures;
    }

    // One future for all chunks: their results in order, or the first error.
    // Numbers (kContiguous vectors) go from the reply straight to their place
    // in the output, which is sized and mapped in once (fresh pages fault one
    // by one otherwise: tens of microseconds each on a VM); other results are
    // gathered per chunk, then joined.
    template <class R>
    futures::Future<std::vector<R>> gather(detail::ChunkCalls chunks) {
        futures::Future<std::vector<R>> all;
        const std::size_t n = chunks.bounds.back();
        if (chunks.calls.empty()) {
            all.set_result(std::vector<R>{});
            return all;
        }
        struct State {
            std::mutex mutex;
            std::vector<R> out;                                  // numbers: in place
            std::vector<futures::Future<std::vector<R>>> parts;  // otherwise
            std::size_t remaining = 0;
            bool failed = false;
            // Whether this chunk was the last; false after a failure.
            bool done_one() {
                std::lock_guard lock(mutex);
                return !failed && --remaining == 0;
            }
            bool fail_first() {
                std::lock_guard lock(mutex);
                return !std::exchange(failed, true);
            }
        };
        auto state = std::make_shared<State>();
        state->remaining = chunks.calls.size();
        if constexpr (detail::wire_impl::kContiguous<std::vector<R>>) {
            // The chunks go out first and the output is mapped in while the
            // workers run them (fresh pages cost ~10 us each on a VM); a
            // result that comes back sooner waits on the lock for its place.
            std::unique_lock making_room(state->mutex);
            auto make_room = [&] {
                state->out.reserve(n);
                concur::detail::prefault_for_writing(state->out.data(), n * sizeof(R));
                state->out.resize(n);
            };
            try {
                for (std::size_t k = 0; k < chunks.calls.size(); ++k) {
                    const std::size_t begin = chunks.bounds[k];
                    const std::size_t count = chunks.bounds[k + 1] - begin;
                    workers_->submit(detail::PoolTask{
                        std::move(chunks.calls[k]),
                        [state, all, begin, count](std::span<const std::byte> in) mutable {
                            std::unique_lock lock(state->mutex);
                            if (state->failed) return;
                            detail::load_contiguous_into(in, state->out.data() + begin, count);
                            if (!in.empty()) throw ValueError("malformed message: bytes left over");
                            if (--state->remaining != 0) return;
                            lock.unlock();
                            all.set_result(std::move(state->out));
                        },
                        [state, all](std::exception_ptr error) mutable {
                            if (state->fail_first()) all.set_exception(std::move(error));
                        }});
                }
            } catch (...) {
                make_room();  // for the chunks that went out
                throw;
            }
            make_room();
        } else {
            state->parts = submit_chunks<R>(std::move(chunks));
            for (auto& part : state->parts) {
                part.add_done_callback([state, all](futures::Future<std::vector<R>> done) mutable {
                    if (auto error = done.exception()) {
                        if (state->fail_first()) all.set_exception(error);
                        return;
                    }
                    if (!state->done_one()) return;
                    std::size_t total = 0;
                    for (auto& c : state->parts) total += c.result().size();
                    std::vector<R> joined;
                    joined.reserve(total);
                    concur::detail::prefault_for_writing(joined.data(), total * sizeof(R));
                    for (auto& c : state->parts) {
                        auto& values = c.result();
                        joined.insert(joined.end(), std::make_move_iterator(values.begin()),
                                      std::make_move_iterator(values.end()));
                    }
                    all.set_result(std::move(joined));
                });
            }
        }
        return all;
    }

    template <class F, class Range>
    auto imap_impl(const F& f, Range&& items, std::size_t chunksize, bool ordered) {
        using T = std::ranges::range_value_t<Range>;
        auto fn = detail::pool_function(f);
        using Fp = decltype(fn);
        using R = std::decay_t<std::invoke_result_t<Fp, const T&>>;
        if (chunksize < 1) throw ValueError("Chunksize must be 1+, not 0");
        return IMapIterator<R>(
            submit_chunks<R>(encode<R, T>(&detail::pool_map_entry<Fp, R, T>, fn, items, chunksize)),
            ordered);
    }

    std::unique_ptr<detail::WorkerPool> workers_;
};

}  // namespace concur::multiprocessing

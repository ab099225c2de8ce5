#include "describe/engine.hpp"

#include <concur/asyncio.hpp>
#include <concur/futures.hpp>
#include <concur/multiprocessing.hpp>

#include <cstdint>
#include <deque>
#include <exception>

namespace concur::describe {

namespace asyncio = concur::asyncio;
namespace mp = concur::multiprocessing;

std::optional<EngineKind> parse_engine(std::string_view name) {
    if (name == "serial") return EngineKind::kSerial;
    if (name == "threads") return EngineKind::kThreads;
    if (name == "async") return EngineKind::kAsync;
    if (name == "processes") return EngineKind::kProcesses;
    return std::nullopt;
}

const char* engine_name(EngineKind kind) noexcept {
    switch (kind) {
        case EngineKind::kSerial:
            return "serial";
        case EngineKind::kThreads:
            return "threads";
        case EngineKind::kAsync:
            return "async";
        case EngineKind::kProcesses:
            return "processes";
    }
    return "?";
}

namespace {

// Keeps up to `window` results in flight and folds them in order. `start(i)`
// begins chunk i and returns a handle; `finish(handle)` waits for it.
template <class Handle, class Start, class Finish>
void windowed(std::size_t chunks, std::size_t window, const Start& start, const Finish& finish,
              const Engine::Fold& fold) {
    std::deque<Handle> in_flight;
    std::size_t next = 0, done = 0;
    std::exception_ptr error;
    while (done < chunks) {
        while (!error && next < chunks && in_flight.size() < window)
            in_flight.push_back(start(next++));
        if (in_flight.empty()) break;
        Handle handle = std::move(in_flight.front());
        in_flight.pop_front();
        try {
            ChunkPartial partial = finish(handle);
            if (!error) fold(done, std::move(partial));
        } catch (...) {
            if (!error) error = std::current_exception();
        }
        ++done;
    }
    if (error) std::rethrow_exception(error);
}

class SerialEngine final : public Engine {
  public:
    void scan(const Source& source, const PassPlan& plan, const Fold& fold) override {
        for (std::size_t i = 0; i < source.chunk_count(); ++i) fold(i, scan_chunk(source, i, plan));
    }
    void parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn) override {
        for (std::size_t i = 0; i < n; ++i) fn(i);
    }
};

class ThreadsEngine final : public Engine {
  public:
    explicit ThreadsEngine(unsigned workers)
        : workers_(workers), executor_(static_cast<std::int64_t>(workers), "describe") {}

    void scan(const Source& source, const PassPlan& plan, const Fold& fold) override {
        windowed<futures::Future<ChunkPartial>>(
            source.chunk_count(), 2 * workers_,
            [&](std::size_t i) {
                return executor_.submit(
                    [&source, &plan, i] { return scan_chunk(source, i, plan); });
            },
            [](futures::Future<ChunkPartial>& f) { return f.result(); }, fold);
    }

    void parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn) override {
        std::vector<futures::Future<void>> pending;
        for (std::size_t i = 0; i < n; ++i)
            pending.push_back(executor_.submit([&fn, i] { fn(i); }));
        std::exception_ptr error;
        for (auto& f : pending) {
            try {
                f.result();
            } catch (...) {
                if (!error) error = std::current_exception();
            }
        }
        if (error) std::rethrow_exception(error);
    }

  private:
    unsigned workers_;
    futures::ThreadPoolExecutor executor_;
};

// The seed's shape: an asyncio program whose statistics are awaited, with
// the number crunching run in the loop's executor so the loop stays free.
class AsyncEngine final : public Engine {
  public:
    explicit AsyncEngine(unsigned workers)
        : workers_(workers), executor_(static_cast<std::int64_t>(workers), "describe") {}

    void scan(const Source& source, const PassPlan& plan, const Fold& fold) override {
        asyncio::run(scan_async(source, plan, fold));
    }

    void parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn) override {
        asyncio::run(for_async(n, fn));
    }

  private:
    asyncio::Coroutine<void> scan_async(const Source& source, const PassPlan& plan,
                                        const Fold& fold) {
        using Pending = decltype(asyncio::run_in_executor(&executor_, scan_chunk, std::cref(source),
                                                          std::size_t{0}, std::cref(plan)));
        std::deque<Pending> in_flight;
        const std::size_t chunks = source.chunk_count();
        std::size_t next = 0;
        std::exception_ptr error;
        for (std::size_t done = 0; done < chunks; ++done) {
            while (!error && next < chunks && in_flight.size() < 2 * workers_)
                in_flight.push_back(asyncio::run_in_executor(
                    &executor_, scan_chunk, std::cref(source), next++, std::cref(plan)));
            if (in_flight.empty()) break;
            Pending pending = std::move(in_flight.front());
            in_flight.pop_front();
            try {
                ChunkPartial partial = co_await pending;
                if (!error) fold(done, std::move(partial));
            } catch (...) {
                if (!error) error = std::current_exception();
            }
        }
        if (error) std::rethrow_exception(error);
    }

    asyncio::Coroutine<void> for_async(std::size_t n, const std::function<void(std::size_t)>& fn) {
        using Pending = decltype(asyncio::run_in_executor(&executor_, fn, std::size_t{0}));
        std::vector<Pending> pending;
        for (std::size_t i = 0; i < n; ++i)
            pending.push_back(asyncio::run_in_executor(&executor_, fn, i));
        std::exception_ptr error;
        for (auto& p : pending) {
            try {
                co_await p;
            } catch (...) {
                if (!error) error = std::current_exception();
            }
        }
        if (error) std::rethrow_exception(error);
    }

    unsigned workers_;
    futures::ThreadPoolExecutor executor_;
};

// A worker process's task: the source lives at the same address in the
// forked worker as in the parent that opened it.
ChunkPartial scan_in_worker(std::uintptr_t source, std::size_t chunk, PassPlan plan) {
    try {
        return scan_chunk(*reinterpret_cast<const Source*>(source), chunk, plan);
    } catch (const InputError& e) {
        ChunkPartial failed;
        failed.error = e.what();
        return failed;
    }
}

class ProcessesEngine final : public Engine {
  public:
    explicit ProcessesEngine(unsigned workers) : workers_(workers) {}

    void scan(const Source& source, const PassPlan& plan, const Fold& fold) override {
        mp::Pool pool = mp::get_context("fork").Pool(static_cast<int>(workers_));
        const auto address = reinterpret_cast<std::uintptr_t>(&source);
        windowed<mp::AsyncResult<ChunkPartial>>(
            source.chunk_count(), 2 * workers_,
            [&](std::size_t i) { return pool.apply_async(scan_in_worker, address, i, plan); },
            [](mp::AsyncResult<ChunkPartial>& r) {
                ChunkPartial partial = r.get();
                if (!partial.error.empty()) throw InputError(partial.error);
                return partial;
            },
            fold);
        pool.close();
        pool.join();
    }

    // Selection's last step works on values in this process: threads.
    void parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn) override {
        threads_.parallel_for(n, fn);
    }

    bool keeps_values() const noexcept override { return false; }

  private:
    unsigned workers_;
    ThreadsEngine threads_{workers_};
};

}  // namespace

std::unique_ptr<Engine> make_engine(EngineKind kind, unsigned workers) {
    if (workers == 0) workers = 1;
    switch (kind) {
        case EngineKind::kSerial:
            return std::make_unique<SerialEngine>();
        case EngineKind::kThreads:
            return std::make_unique<ThreadsEngine>(workers);
        case EngineKind::kAsync:
            return std::make_unique<AsyncEngine>(workers);
        case EngineKind::kProcesses:
            return std::make_unique<ProcessesEngine>(workers);
    }
    return nullptr;
}

}  // namespace concur::describe

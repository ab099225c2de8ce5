// The worker-pool engine of Pool and ProcessPoolExecutor (see
// detail/worker_pool.hpp): the worker's loop, and the parent's handler thread.
#include <concur/multiprocessing/detail/worker_pool.hpp>

#include <malloc.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include <concur/detail/os_error.hpp>
#include <concur/futures/exceptions.hpp>
#include <concur/multiprocessing/detail/process_state.hpp>
#include <concur/multiprocessing/detail/unshared_buffer.hpp>
#include <concur/multiprocessing/exceptions.hpp>

namespace concur::multiprocessing::detail {

// Messages without copies: a task goes out as its header and its call's
// bytes where they are; replies and requests land in buffers kept from one
// message to the next.
struct ConnectionAccess {
    static void send(Connection& connection, std::span<const std::byte> header,
                     std::span<const std::byte> body) {
        const std::span<const std::byte> parts[2] = {header, body};
        connection.send_parts(parts);
    }
    template <class Buffer>
    static std::span<const std::byte> recv(Connection& connection, Buffer& buffer) {
        return connection.recv_reusing(buffer);
    }
};

namespace {

// Messages between the parent and a worker: a kind, a task id, then bytes.
enum class Kind : std::uint8_t { task, stop, result, error, initializer_failed };

// Makes `out` the start of a message.
void begin_message(Bytes& out, Kind kind, std::uint64_t id) {
    out.clear();
    dump(out, static_cast<std::uint8_t>(kind));
    dump(out, id);
}

Bytes message(Kind kind, std::uint64_t id) {
    Bytes out;
    begin_message(out, kind, id);
    return out;
}

// Runs a call (PoolTask::call) and appends its result to `out`.
void run_call(std::span<const std::byte> in, Bytes& out) {
    const auto entry = reinterpret_cast<PoolEntry>(function_address(load<FunctionId>(in)));
    void* target = function_address(load<FunctionId>(in));
    entry(target, in, out);
}

}  // namespace

void pool_worker_main(Connection connection, Bytes initializer, int max_tasks) {
    // A worker allocates and frees a message buffer per task: keep freed
    // memory instead of returning it to the kernel and faulting it in again
    // (page faults dominated large map() chunks).
    ::mallopt(M_MMAP_THRESHOLD, 64 << 20);
    ::mallopt(M_TRIM_THRESHOLD, 256 << 20);
    if (!initializer.empty()) {
        try {
            Bytes ignored;
            run_call(initializer, ignored);
        } catch (...) {
            Bytes out = message(Kind::initializer_failed, 0);
            dump(out, capture(std::current_exception()));
            connection.send_bytes(out);
            return;
        }
    }
    Bytes request;  // both kept from task to task
    Bytes out;
    for (int done = 0;;) {
        std::span<const std::byte> in;
        try {
            in = ConnectionAccess::recv(connection, request);
        } catch (const EOFError&) {
            return;  // the pool is gone
        }
        const auto kind = static_cast<Kind>(load<std::uint8_t>(in));
        if (kind != Kind::task) return;
        const auto id = load<std::uint64_t>(in);
        begin_message(out, Kind::result, id);
        try {
            run_call(in, out);
        } catch (...) {
            begin_message(out, Kind::error, id);
            dump(out, capture(std::current_exception()));
        }
        connection.send_bytes(out);
        if (max_tasks > 0 && ++done >= max_tasks) return;  // retire: the pool starts a fresh one
    }
}

// ---------------------------------------------------------------------------
// The parent's side
// ---------------------------------------------------------------------------

struct WorkerPool::Impl {
    enum class State { running, closed, terminated };

    struct Worker {
        std::unique_ptr<Process> process;
        Connection connection;
        std::optional<std::uint64_t> task;  // what it runs now
        int done = 0;
        bool stopping = false;  // told to stop, or retiring after max_tasks
    };

    WorkerPoolOptions options;
    int size = 0;
    int wake = -1;  // eventfd: submit, close, terminate

    mutable std::mutex mutex;  // guards what follows
    State state = State::running;
    std::optional<std::string> broken;    // why, once broken
    int stop_signal = SIGKILL;            // what terminate() sends
    std::exception_ptr terminated_error;  // what terminate() fails tasks with
    std::deque<std::pair<std::uint64_t, PoolTask>> pending;
    std::map<std::uint64_t, PoolTask> running;  // handed to a worker
    std::uint64_t next_id = 0;
    std::vector<int> pids;
    bool handler_done = false;

    std::vector<Worker> workers;  // the handler thread's alone
    // The handler thread's alone; it outlives the pool, for the next one's
    // handler (unshared_buffer.hpp).
    UnsharedBuffer reply_buffer;
    int started = 0;
    std::size_t killed = 0;  // how many times kill_workers() emptied `workers`
    std::thread handler;
    std::mutex join_mutex;  // several threads may join

    void notify() const {
        const std::uint64_t one = 1;
        (void)!::write(wake, &one, sizeof one);
    }

    void start_worker() {
        auto [parent_end, child_end] = Pipe(true);
        ++started;
        ProcessOptions process_options;
        process_options.name = options.name_prefix + "-" + std::to_string(started);
        process_options.daemon = true;
        process_options.method = options.method;
        auto process =
            std::make_unique<Process>(std::move(process_options), pool_worker_main, child_end,
                                      options.initializer, options.max_tasks_per_child);
        process->start();
        child_end.close();
        workers.push_back(Worker{std::move(process), parent_end, std::nullopt, 0, false});
        publish_pids();
    }

    void publish_pids() {
        std::vector<int> now;
        for (auto& w : workers)
            if (auto pid = w.process->pid()) now.push_back(*pid);
        std::lock_guard lock(mutex);
        pids = std::move(now);
    }

    // Fails every task not yet done with `error` (outside the lock).
    void fail_all(const std::exception_ptr& error) {
        std::deque<std::pair<std::uint64_t, PoolTask>> queued;
        std::map<std::uint64_t, PoolTask> handed;
        {
            std::lock_guard lock(mutex);
            queued.swap(pending);
            handed.swap(running);
        }
        for (auto& [_, task] : handed) task.on_error(error);
        for (auto& [_, task] : queued) task.on_error(error);
    }

    void kill_workers(int signal = SIGKILL) {
        for (auto& w : workers) {
            try {
                if (signal == SIGTERM)
                    w.process->terminate();
                else
                    w.process->kill();
            } catch (...) {
            }
        }
        for (auto& w : workers) w.process->join();
        workers.clear();
        ++killed;
        publish_pids();
    }

    void break_pool(const std::string& reason) {
        {
            std::lock_guard lock(mutex);
            if (!broken) broken = reason;
        }
        kill_workers();
        fail_all(std::make_exception_ptr(futures::BrokenProcessPool(reason)));
    }

    // Hands queued tasks to idle workers.
    void assign() {
        for (auto& w : workers) {
            if (w.task || w.stopping) continue;
            std::pair<std::uint64_t, PoolTask> next;
            for (;;) {  // the next task not cancelled meanwhile
                {
                    std::lock_guard lock(mutex);
                    if (pending.empty() || state == State::terminated) return;
                    next = std::move(pending.front());
                    pending.pop_front();
                }
                if (!next.second.on_start || next.second.on_start()) break;
            }
            const Bytes header = message(Kind::task, next.first);
            const CallBytes call = next.second.call;  // `next` moves on below
            w.task = next.first;
            {
                std::lock_guard lock(mutex);
                running.emplace(next.first, std::move(next.second));
            }
            try {
                ConnectionAccess::send(w.connection, header, call.view());
            } catch (const std::exception&) {
                // A dead worker: its sentinel says so next round.
            }
        }
    }

    // A message from a worker.
    void receive(Worker& w) {
        std::span<const std::byte> in = ConnectionAccess::recv(w.connection, reply_buffer);
        const auto kind = static_cast<Kind>(load<std::uint8_t>(in));
        const auto id = load<std::uint64_t>(in);
        if (kind == Kind::initializer_failed) {
            std::string what;
            try {
                rethrow(load<WireError>(in));
            } catch (const std::exception& e) {
                what = e.what();
            }
            break_pool("A process in the initializer failed: " + what);
            return;
        }
        std::optional<PoolTask> task;
        {
            std::lock_guard lock(mutex);
            if (auto it = running.find(id); it != running.end()) {
                task = std::move(it->second);
                running.erase(it);
            }
        }
        w.task.reset();
        ++w.done;
        if (options.max_tasks_per_child > 0 && w.done >= options.max_tasks_per_child)
            w.stopping = true;  // it exits by itself now
        if (!task) return;
        if (kind == Kind::result) {
            try {
                task->on_result(in);
            } catch (...) {
                task->on_error(std::current_exception());
            }
        } else {
            try {
                rethrow(load<WireError>(in));
            } catch (...) {
                task->on_error(std::current_exception());
            }
        }
    }

    // A worker exited: fail or break for what it ran, replace it.
    void reap(std::size_t index) {
        Worker w = std::move(workers[index]);
        workers.erase(workers.begin() + static_cast<std::ptrdiff_t>(index));
        w.process->join();
        const int code = w.process->exitcode().value_or(255);
        publish_pids();
        bool running_pool;
        {
            std::lock_guard lock(mutex);
            running_pool = state != State::terminated && !broken;
        }
        if (!running_pool) return;
        const bool abrupt = w.task.has_value() || !w.stopping;
        if (abrupt && options.policy == DeathPolicy::break_pool) {
            break_pool(
                "A process in the process pool was terminated abruptly while the future was "
                "running or pending.");
            return;
        }
        if (w.task) {
            std::optional<PoolTask> task;
            {
                std::lock_guard lock(mutex);
                if (auto it = running.find(*w.task); it != running.end()) {
                    task = std::move(it->second);
                    running.erase(it);
                }
            }
            if (task)
                task->on_error(std::make_exception_ptr(
                    WorkerLostError("Worker exited prematurely: exitcode " + std::to_string(code) +
                                    " (a task was running in it)")));
        }
        bool replace;
        {
            std::lock_guard lock(mutex);
            replace = state == State::running || !pending.empty();
        }
        if (replace) start_worker();
    }

    void run() {
        for (;;) {
            assign();
            State now;
            bool idle;
            {
                std::lock_guard lock(mutex);
                now = state;
                idle = pending.empty() && running.empty();
                if (broken) now = State::terminated;
            }
            if (now == State::terminated) {
                int signal;
                std::exception_ptr error;
                {
                    std::lock_guard lock(mutex);
                    signal = stop_signal;
                    error = terminated_error;
                }
                kill_workers(signal);
                fail_all(error ? error : std::make_exception_ptr(RuntimeError("Pool terminated")));
                return;
            }
            if (now == State::closed && idle) {
                for (auto& w : workers) {
                    try {
                        w.connection.send_bytes(message(Kind::stop, 0));
                    } catch (...) {
                    }
                }
                for (auto& w : workers) w.process->join();
                workers.clear();
                publish_pids();
                return;
            }
            std::vector<pollfd> watch;
            watch.push_back({wake, POLLIN, 0});
            for (auto& w : workers) {
                watch.push_back({w.connection.fileno(), POLLIN, 0});
                watch.push_back({w.process->sentinel(), POLLIN, 0});
            }
            if (::poll(watch.data(), watch.size(), -1) < 0) continue;
            if (watch[0].revents != 0) {
                std::uint64_t count;
                (void)!::read(wake, &count, sizeof count);
            }
            // Results first: a worker that answered and then exited has its
            // answer read before its exit is seen.
            std::vector<std::size_t> ended;
            for (std::size_t i = 0; i < workers.size(); ++i) {
                Worker& w = workers[i];
                if (watch[1 + 2 * i].revents != 0) {
                    const std::size_t generation = killed;
                    try {
                        // receive() may break the pool, and destroy `w`.
                        while (killed == generation && w.connection.poll()) receive(w);
                    } catch (const std::exception&) {
                        // EOF: it died; the sentinel tells.
                    }
                    if (killed != generation) break;  // broken by an initializer
                }
                if (watch[2 + 2 * i].revents != 0) ended.push_back(i);
            }
            if (workers.empty()) continue;
            for (auto it = ended.rbegin(); it != ended.rend(); ++it)
                if (*it < workers.size()) reap(*it);
        }
    }
};

WorkerPool::WorkerPool(WorkerPoolOptions options) : impl_(std::make_shared<Impl>()) {
    impl_->size = options.processes > 0 ? options.processes : cpu_count();
    impl_->options = std::move(options);
    impl_->wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (impl_->wake < 0) concur::detail::raise_errno("eventfd");
    try {
        // Workers start here, before the handler thread exists (fork from a
        // process with fewer threads).
        // A forked worker shares every page of the parent's heap copy-on-write,
        // so the parent's next write to each costs a fault, a page copy and a
        // TLB-flush interrupt to the other CPUs. Heap memory that is free now
        // (the buffers of the last map(), say) would be reused for the next
        // one's: giving it back first makes those writes land on fresh pages
        // (mapped in at once, huge where they can be: prefault.hpp) and the
        // fork copy fewer page tables. W1 with processes at 1,000,000: 150 ->
        // 80 ms per pool.
        if (impl_->options.method.value_or(default_start_method()) == StartMethod::fork)
            ::malloc_trim(0);
        for (int i = 0; i < impl_->size; ++i) impl_->start_worker();
    } catch (...) {
        impl_->kill_workers();
        ::close(impl_->wake);
        throw;
    }
    impl_->handler = std::thread([impl = impl_.get()] {
        impl->reply_buffer = take_unshared_buffer();
        impl->run();
        keep_unshared_buffer(std::move(impl->reply_buffer));
        std::lock_guard lock(impl->mutex);
        impl->handler_done = true;
    });
}

WorkerPool::~WorkerPool() {
    terminate();
    {
        std::lock_guard lock(impl_->join_mutex);
        if (impl_->handler.joinable()) impl_->handler.join();
    }
    ::close(impl_->wake);
}

void WorkerPool::submit(PoolTask task) {
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->broken) throw futures::BrokenProcessPool(*impl_->broken);
        if (impl_->state != Impl::State::running) throw ValueError("Pool not running");
        impl_->pending.emplace_back(impl_->next_id++, std::move(task));
    }
    impl_->notify();
}

void WorkerPool::close() {
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->state == Impl::State::running) impl_->state = Impl::State::closed;
    }
    impl_->notify();
}

void WorkerPool::terminate(int signal, std::exception_ptr reason) {
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->state != Impl::State::terminated) {
            impl_->stop_signal = signal;
            impl_->terminated_error = std::move(reason);
        }
        impl_->state = Impl::State::terminated;
    }
    impl_->notify();
}

void WorkerPool::cancel_pending() {
    std::deque<std::pair<std::uint64_t, PoolTask>> queued;
    {
        std::lock_guard lock(impl_->mutex);
        queued.swap(impl_->pending);
    }
    for (auto& [_, task] : queued)
        if (task.on_cancel) task.on_cancel();
    impl_->notify();
}

void WorkerPool::join() {
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->state == Impl::State::running) throw ValueError("Pool is still running");
    }
    std::lock_guard lock(impl_->join_mutex);
    if (impl_->handler.joinable() && impl_->handler.get_id() != std::this_thread::get_id())
        impl_->handler.join();
}

int WorkerPool::processes() const noexcept {
    return impl_->size;
}

std::vector<int> WorkerPool::worker_pids() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->pids;
}

bool WorkerPool::broken() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->broken.has_value();
}

}  // namespace concur::multiprocessing::detail

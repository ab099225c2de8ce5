// src/threading/thread.cpp -- Thread, ThreadRef and the module functions
// (current_thread, enumerate, ...): the registry of live threads and the exit
// handler that joins non-daemon threads.
#include <concur/detail/demangle.hpp>
#include <concur/threading/detail/thread_state.hpp>
#include <concur/threading/excepthook.hpp>
#include <concur/threading/local.hpp>
#include <concur/threading/thread.hpp>

#include <cxxabi.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <list>
#include <ostream>
#include <sstream>
#include <system_error>
#include <thread>
#include <typeinfo>
#include <unordered_map>

namespace concur::detail {
namespace {

using StatePtr = std::shared_ptr<ThreadState>;

StatePtr make_state(std::string name, std::string class_name, bool daemon) {
    auto state = std::make_shared<ThreadState>();
    state->name = std::move(name);
    state->class_name = std::move(class_name);
    state->daemon.store(daemon, std::memory_order_relaxed);
    return state;
}

// The registry of live threads behind enumerate() and active_count(), and the
// exit handler that waits for non-daemon threads. It is never destroyed, so
// threads still running during static destruction can use it.
struct Registry {
    std::mutex mutex;
    // Live threads in Python's enumerate() order (its _active dict keeps
    // insertion order): the main thread first, then threads in the order they
    // started, dummy threads where they were first seen. `position` finds a
    // thread's entry for removal.
    std::list<StatePtr> active;
    std::unordered_map<const ThreadState*, std::list<StatePtr>::iterator> position;
    StatePtr main;  // set once, when the registry is created
    std::atomic<bool> exiting{false};
    std::once_flag exit_handler_installed;

    // Both with `mutex` held.
    void add(const StatePtr& state) {
        if (position.count(state.get()) != 0) return;
        position.emplace(state.get(), active.insert(active.end(), state));
    }
    void remove(const ThreadState* state) {
        if (auto it = position.find(state); it != position.end()) {
            active.erase(it->second);
            position.erase(it);
        }
    }
};

Registry& registry() {
    // Leaked on purpose (see above). The main thread is registered with the
    // registry itself, as Python's threading module does on import, so it is
    // always listed first.
    static Registry* instance = [] {
        auto* r = new Registry;
        r->main = make_state("MainThread", "_MainThread", false);
        r->main->main = true;
        r->add(r->main);
        return r;
    }();
    return *instance;
}

std::atomic<std::uint64_t> thread_counter{0};

// The calling thread's state; dummy entries unregister when their thread exits.
struct CurrentThread {
    StatePtr state;
    ~CurrentThread();
};
thread_local CurrentThread current;

void mark_stopped(ThreadState& state) {
    state.phase.store(Phase::stopped, std::memory_order_release);
    state.finished.set();
}

// The thread has ended: off the registry (enumerate, active_count) first,
// then stopped for is_alive() and joiners.
void unregister_stopped(ThreadState& state) {
    {
        std::lock_guard lock(registry().mutex);
        registry().remove(&state);
    }
    mark_stopped(state);
}

CurrentThread::~CurrentThread() {
    if (state && state->dummy) unregister_stopped(*state);
}

void set_os_thread_name(std::uint64_t native_id, const std::string& name) {
    const std::string truncated = name.substr(0, 15);  // the kernel's limit (16 with NUL)
    if (native_id == static_cast<std::uint64_t>(::gettid())) {
        ::pthread_setname_np(::pthread_self(), truncated.c_str());
        return;
    }
    // Another thread: write its comm file, which fails harmlessly if it has exited.
    const std::string path = "/proc/self/task/" + std::to_string(native_id) + "/comm";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    [[maybe_unused]] auto written = ::write(fd, truncated.data(), truncated.size());
    ::close(fd);
}

void adopt_calling_thread(ThreadState& state) {
    state.ident.store(threading::get_ident(), std::memory_order_relaxed);
    state.native_id.store(threading::get_native_id(), std::memory_order_relaxed);
    state.phase.store(Phase::started, std::memory_order_release);
}

// The main thread's state, registered with the registry (see registry()).
const StatePtr& main_state() { return registry().main; }

// The thread running static initialisation is the main thread (unless the library
// is loaded later from another thread; current_thread() then adopts it).
const bool main_thread_adopted = [] {
    StatePtr main = main_state();
    if (static_cast<pid_t>(::gettid()) == ::getpid()) {
        adopt_calling_thread(*main);
        current.state = main;
    }
    return true;
}();

void wait_for_non_daemon_threads() {
    Registry& r = registry();
    r.exiting.store(true, std::memory_order_release);
    const std::uint64_t self = threading::get_ident();
    // As Python's threading._shutdown: the main thread counts as stopped from
    // here on, so threads joining it are released instead of deadlocking exit.
    if (r.main->ident.load() == self) unregister_stopped(*r.main);
    for (;;) {
        std::vector<StatePtr> pending;
        {
            std::lock_guard lock(r.mutex);
            for (auto& state : r.active)
                if (!state->main && !state->dummy && !state->daemon.load() &&
                    state->ident.load() != self)
                    pending.push_back(state);
        }
        if (pending.empty()) return;
        for (auto& state : pending) ThreadRefAccess::make(state).join();
    }
}

void run_thread(StatePtr state, threading::Thread* self) {
    adopt_calling_thread(*state);
    current.state = state;
    set_os_thread_name(state->native_id.load(), ThreadRefAccess::make(state).name());
    state->running.set();

    try {
        if (self != nullptr) {
            self->run();  // a subclass's run(); the object outlives it (see ~threading::Thread)
        } else if (state->target) {
            Task target = std::move(state->target);
            target();
        }
    } catch (abi::__forced_unwind&) {
        // pthread_exit / cancellation: let it unwind, but still stop cleanly.
        local_thread_exit();
        unregister_stopped(*state);
        throw;
    } catch (...) {
        report_current_exception(ThreadRefAccess::make(state));
    }
    local_thread_exit();  // the thread's local<T> values go before join() returns
    unregister_stopped(*state);
}

}  // namespace

std::string target_name_of_function(const void* address) {
    Dl_info info{};
    if (::dladdr(address, &info) == 0 || info.dli_sname == nullptr) return {};
    std::string name = concur::detail::demangle(info.dli_sname);
    if (auto paren = name.find('('); paren != std::string::npos) name.erase(paren);
    return name;
}

std::string target_name_of_type(const char* mangled_type_name) {
    std::string name = concur::detail::demangle(mangled_type_name);
    if (name.find("lambda") != std::string::npos) return "<lambda>";
    if (name.find('<') != std::string::npos || name.find('(') != std::string::npos)
        return {};  // std::function<...>, std::bind(...): nothing readable to add
    return name;
}

std::string next_thread_name(const std::string& target) {
    const auto n = thread_counter.fetch_add(1, std::memory_order_relaxed) + 1;
    std::string name = "Thread-" + std::to_string(n);
    if (!target.empty()) name += " (" + target + ")";
    return name;
}

}  // namespace concur::detail

namespace concur::threading {

using concur::detail::Phase;

// --- ThreadRef ---------------------------------------------------------------

std::string ThreadRef::name() const {
    std::lock_guard lock(state_->mutex);
    return state_->name;
}

void ThreadRef::name(std::string value) {
    {
        std::lock_guard lock(state_->mutex);
        state_->name = value;
    }
    if (is_alive()) concur::detail::set_os_thread_name(state_->native_id.load(), value);
}

std::optional<std::uint64_t> ThreadRef::ident() const {
    if (state_->phase.load(std::memory_order_acquire) == Phase::initial) return std::nullopt;
    return state_->ident.load(std::memory_order_relaxed);
}

std::optional<std::uint64_t> ThreadRef::native_id() const {
    if (state_->phase.load(std::memory_order_acquire) == Phase::initial) return std::nullopt;
    return state_->native_id.load(std::memory_order_relaxed);
}

bool ThreadRef::daemon() const { return state_->daemon.load(std::memory_order_relaxed); }

void ThreadRef::daemon(bool value) {
    if (state_->phase.load(std::memory_order_acquire) != Phase::initial)
        throw RuntimeError("cannot set daemon status of active thread");
    state_->daemon.store(value, std::memory_order_relaxed);
}

bool ThreadRef::is_alive() const {
    return state_->phase.load(std::memory_order_acquire) == Phase::started;
}

void ThreadRef::join() const { join_until(nullptr); }

bool ThreadRef::join_until(const concur::detail::Deadline* deadline) const {
    const Phase phase = state_->phase.load(std::memory_order_acquire);
    if (phase == Phase::initial) throw RuntimeError("cannot join thread before it is started");
    if (state_->dummy) throw RuntimeError("cannot join a dummy thread");
    if (phase == Phase::started && state_->ident.load() == get_ident())
        throw RuntimeError("cannot join current thread");
    return state_->finished.wait(deadline);
}

std::string ThreadRef::repr() const {
    std::ostringstream os;
    std::string class_name, name;
    {
        std::lock_guard lock(state_->mutex);
        class_name = state_->class_name;
        name = state_->name;
    }
    os << '<' << class_name << '(' << name << ", ";
    switch (state_->phase.load(std::memory_order_acquire)) {
        case Phase::initial: os << "initial"; break;
        case Phase::started: os << "started"; break;
        case Phase::stopped: os << "stopped"; break;
    }
    if (daemon()) os << " daemon";
    if (auto id = ident()) os << ' ' << *id;
    os << ")>";
    return os.str();
}

std::ostream& operator<<(std::ostream& os, const ThreadRef& thread) {
    return os << thread.repr();
}

// --- Thread ------------------------------------------------------------------

namespace {
bool creating_thread_is_daemon() { return current_thread().daemon(); }
}  // namespace

Thread::Thread(ThreadOptions options)
    : ThreadRef(concur::detail::make_state(
          options.name.empty() ? concur::detail::next_thread_name({}) : std::move(options.name), "Thread",
          options.daemon.value_or(creating_thread_is_daemon()))) {}

Thread::Thread(ThreadOptions options, std::string target_name, concur::detail::Task target)
    : ThreadRef(concur::detail::make_state(
          options.name.empty() ? concur::detail::next_thread_name(target_name) : std::move(options.name),
          "Thread", options.daemon.value_or(creating_thread_is_daemon()))) {
    state_->target = std::move(target);
}

Thread::Thread(TargetIsRun, ThreadOptions options, concur::detail::Task target)
    : Thread(std::move(options), std::string{}, std::move(target)) {
    target_is_run_ = true;
}

Thread::~Thread() {
    if (!is_alive() || state_->ident.load() == get_ident()) return;
    // During process exit daemon threads are abandoned, as in Python.
    if (daemon() && concur::detail::registry().exiting.load(std::memory_order_acquire)) return;
    join();
}

void Thread::start() {
    launch();
    state_->running.wait(nullptr);
}

void Thread::launch() {
    Phase expected = Phase::initial;
    if (state_->running.is_set() ||
        !state_->phase.compare_exchange_strong(expected, Phase::started,
                                               std::memory_order_acq_rel))
        throw RuntimeError("threads can only be started once");

    concur::detail::Registry& r = concur::detail::registry();
    std::call_once(r.exit_handler_installed,
                   [] { std::atexit(&concur::detail::wait_for_non_daemon_threads); });

    const bool plain = target_is_run_ || typeid(*this) == typeid(Thread);
    if (!plain) {
        std::lock_guard lock(state_->mutex);
        state_->class_name = concur::detail::demangle(typeid(*this).name());
        if (auto colon = state_->class_name.rfind("::"); colon != std::string::npos)
            state_->class_name.erase(0, colon + 2);
    }
    {
        std::lock_guard lock(r.mutex);
        r.add(state_);
    }
    try {
        std::thread(&concur::detail::run_thread, state_, plain ? nullptr : this).detach();
    } catch (const std::system_error&) {
        {
            std::lock_guard lock(r.mutex);
            r.remove(state_.get());
        }
        state_->phase.store(Phase::initial, std::memory_order_release);
        throw RuntimeError("can't start new thread");
    }
}

void Thread::run() {
    if (state_->target) {
        concur::detail::Task target = std::move(state_->target);
        target();
    }
}

// --- module functions --------------------------------------------------------

ThreadRef current_thread() {
    using concur::detail::ThreadRefAccess;
    auto& current = concur::detail::current;
    if (current.state) return ThreadRefAccess::make(current.state);
    // A thread concur did not start: Python's _DummyThread (daemonic, not joinable).
    concur::detail::StatePtr state;
    if (static_cast<pid_t>(::gettid()) == ::getpid()) {
        state = concur::detail::main_state();
    } else {
        const auto n = concur::detail::thread_counter.fetch_add(1, std::memory_order_relaxed) + 1;
        state = concur::detail::make_state("Dummy-" + std::to_string(n), "_DummyThread", true);
        state->dummy = true;
        std::lock_guard lock(concur::detail::registry().mutex);
        concur::detail::registry().add(state);
    }
    concur::detail::adopt_calling_thread(*state);
    current.state = state;
    return ThreadRefAccess::make(state);
}

ThreadRef main_thread() {
    return concur::detail::ThreadRefAccess::make(concur::detail::main_state());
}

std::size_t active_count() {
    concur::detail::Registry& r = concur::detail::registry();
    std::lock_guard lock(r.mutex);
    return r.active.size();
}

std::vector<ThreadRef> enumerate() {
    concur::detail::Registry& r = concur::detail::registry();
    std::vector<ThreadRef> threads;
    std::lock_guard lock(r.mutex);
    threads.reserve(r.active.size());
    for (const auto& state : r.active)
        threads.push_back(concur::detail::ThreadRefAccess::make(state));
    return threads;
}

std::uint64_t get_ident() noexcept { return static_cast<std::uint64_t>(::pthread_self()); }

std::uint64_t get_native_id() noexcept { return static_cast<std::uint64_t>(::gettid()); }

}  // namespace concur::threading

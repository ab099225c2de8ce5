// multiprocessing.Process: start (per start method), join, signals, the
// child's bootstrap (identity, the exception report, exit code), the registry
// of children and the exit handler that joins or terminates them.
#include <concur/multiprocessing/process.hpp>

#include <sys/single_threaded.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <sstream>
#include <thread>

#include <concur/multiprocessing/detail/process_state.hpp>
#include <concur/multiprocessing/detail/robust_lock_word.hpp>
#include <concur/threading/excepthook.hpp>
#include <concur/threading/print.hpp>

namespace concur::multiprocessing {

namespace detail {

namespace {

// This process's view of itself, its parent and its children. Leaked on
// purpose (the exit handler runs after static destructors may have run), and
// replaced wholesale in a forked child (a mutex held by another thread at
// fork() would stay locked there).
struct Registry {
    std::mutex mutex;
    std::shared_ptr<ProcessState> self;
    std::shared_ptr<ProcessState> parent;
    std::vector<std::shared_ptr<ProcessState>> children;
    int counter = 0;  // Python's _process_counter
    bool exit_handler_installed = false;
    bool warned_about_fork = false;
};

std::atomic<Registry*> registry_pointer{nullptr};

// A new child's identity, recorded by become_child() and turned into its
// registry only when something asks (registry()): a child that never does
// allocates nothing for it. After fork() every page a child writes (the
// heap, malloc's arena) costs a copy-on-write fault, tens of microseconds on
// a VM: W7 measures them.
std::atomic<const SpawnHeader*> pending_header{nullptr};
std::atomic<pid_t> pending_parent{0};

std::shared_ptr<ProcessState> make_self(std::string name, std::vector<int> identity, bool daemon) {
    auto self = std::make_shared<ProcessState>();
    self->kind = ProcessState::Kind::self;
    self->phase = ProcessState::Phase::started;
    self->name = std::move(name);
    self->identity = std::move(identity);
    self->daemon = daemon;
    self->pid = current_pid();
    return self;
}

Registry& registry() {
    Registry* r = registry_pointer.load(std::memory_order_acquire);
    if (r != nullptr) return *r;
    auto* fresh = new Registry;
    if (const SpawnHeader* header = pending_header.load(std::memory_order_acquire)) {
        fresh->self = make_self(header->name, header->identity, header->daemon);
        auto parent = std::make_shared<ProcessState>();
        parent->kind = ProcessState::Kind::parent;
        parent->phase = ProcessState::Phase::started;
        parent->pid = pending_parent.load(std::memory_order_relaxed);
        parent->name = header->parent_name;
        fresh->parent = std::move(parent);
    } else {
        fresh->self = make_self("MainProcess", {}, false);
    }
    if (registry_pointer.compare_exchange_strong(r, fresh, std::memory_order_acq_rel))
        return *fresh;
    delete fresh;
    return *r;
}

void exit_handler() {
    finish_children();
}

}  // namespace

void finish_children() noexcept {
    Registry* built = registry_pointer.load(std::memory_order_acquire);
    if (built == nullptr) return;  // nobody asked for it: no children either
    Registry& r = *built;
    std::vector<std::shared_ptr<ProcessState>> children;
    {
        std::lock_guard lock(r.mutex);
        children = r.children;
    }
    // Python's _exit_function: terminate the daemonic children, then join all.
    for (auto& child : children)
        if (child->daemon && child->popen && !child->popen->poll())
            child->popen->send_signal(SIGTERM);
    try {
        for (auto& child : children)
            if (child->popen) child->popen->wait(nullptr);
    } catch (...) {
    }
}

namespace {

// Python's _exitcode_to_name: -15 reads "-SIGTERM".
std::string exitcode_name(int code) {
    if (code < 0) {
        if (const char* abbrev = ::sigabbrev_np(-code)) return std::string("-SIG") + abbrev;
    }
    return std::to_string(code);
}

[[noreturn]] void throw_closed() {
    throw ValueError("process object is closed");
}

}  // namespace

void become_child(const SpawnHeader& header, pid_t parent_pid) {
    pending_parent.store(parent_pid, std::memory_order_relaxed);
    pending_header.store(&header, std::memory_order_release);
    registry_pointer.store(nullptr, std::memory_order_release);  // the parent's is not ours
}

int run_reporting(const std::string& name, const std::function<void()>& body) {
    try {
        body();
        return 0;
    } catch (...) {
        std::string report =
            "Process " + name + ":\n" + concur::detail::current_exception_type_name();
        try {
            throw;
        } catch (const std::exception& e) {
            if (*e.what() != '\0') report += std::string(": ") + e.what();
        } catch (...) {
        }
        report += '\n';
        concur::detail::write_line(stderr, report, true);
        return 1;
    }
}

SpawnHeader header_for(const ProcessState& child) {
    return SpawnHeader{child.name, child.identity, child.daemon, registry().self->name};
}

void register_child(std::shared_ptr<ProcessState> child) {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    r.children.push_back(std::move(child));
    if (!r.exit_handler_installed) {
        r.exit_handler_installed = true;
        std::atexit(exit_handler);
    }
}

}  // namespace detail

using detail::ProcessState;

// ---------------------------------------------------------------------------
// ProcessRef
// ---------------------------------------------------------------------------

std::string ProcessRef::name() const {
    std::lock_guard lock(state_->mutex);
    return state_->name;
}

void ProcessRef::name(std::string value) {
    std::lock_guard lock(state_->mutex);
    state_->name = std::move(value);
}

bool ProcessRef::daemon() const {
    std::lock_guard lock(state_->mutex);
    return state_->daemon;
}

void ProcessRef::daemon(bool value) {
    std::lock_guard lock(state_->mutex);
    if (state_->kind == ProcessState::Kind::child && state_->phase != ProcessState::Phase::initial)
        throw RuntimeError("process has already started");
    state_->daemon = value;
}

std::optional<int> ProcessRef::pid() const {
    std::lock_guard lock(state_->mutex);
    if (state_->kind != ProcessState::Kind::child) return state_->pid;
    if (state_->phase == ProcessState::Phase::closed) detail::throw_closed();
    if (!state_->popen) return std::nullopt;
    return state_->popen->pid();
}

std::optional<int> ProcessRef::exitcode() const {
    std::shared_ptr<detail::Popen> popen;
    {
        std::lock_guard lock(state_->mutex);
        if (state_->kind != ProcessState::Kind::child) return std::nullopt;
        if (state_->phase == ProcessState::Phase::closed) detail::throw_closed();
        popen = state_->popen;
    }
    if (!popen) return std::nullopt;
    return popen->poll();
}

bool ProcessRef::is_alive() const {
    std::shared_ptr<detail::Popen> popen;
    {
        std::lock_guard lock(state_->mutex);
        switch (state_->kind) {
            case ProcessState::Kind::self:
                return true;
            case ProcessState::Kind::parent:  // (a forkserver child's parent is the server)
                return ::kill(state_->pid, 0) == 0;
            case ProcessState::Kind::child:
                break;
        }
        if (state_->phase == ProcessState::Phase::closed) detail::throw_closed();
        if (state_->creator != detail::current_pid()) return false;  // a copy inherited by a child
        popen = state_->popen;
    }
    return popen && !popen->poll();
}

std::string ProcessRef::repr() const {
    std::shared_ptr<detail::Popen> popen;
    std::string name;
    bool daemon;
    ProcessState::Phase phase;
    ProcessState::Kind kind;
    pid_t pid;
    {
        std::lock_guard lock(state_->mutex);
        popen = state_->popen;
        name = state_->name;
        daemon = state_->daemon;
        phase = state_->phase;
        kind = state_->kind;
        pid = state_->pid;
    }
    std::ostringstream out;
    out << "<Process name='" << name << "'";
    if (kind != ProcessState::Kind::child) {
        out << " pid=" << pid;
        if (kind == ProcessState::Kind::parent) out << " parent=None";
        out << " started";
    } else if (phase == ProcessState::Phase::closed) {
        out << " closed";
    } else if (!popen) {
        out << " parent=" << detail::current_pid() << " initial";
    } else {
        out << " pid=" << popen->pid() << " parent=" << detail::current_pid();
        if (auto code = popen->poll())
            out << " stopped exitcode=" << detail::exitcode_name(*code);
        else
            out << " started";
    }
    if (daemon) out << " daemon";
    out << '>';
    return out.str();
}

std::ostream& operator<<(std::ostream& os, const ProcessRef& process) {
    return os << process.repr();
}

// ---------------------------------------------------------------------------
// Process
// ---------------------------------------------------------------------------

Process::Process(ProcessOptions options)
    : Process(std::move(options),
              Prepared{{},
                       detail::SpawnTarget{{}, "a Process subclass runs its run() (fork only)"},
                       concur::detail::Task()}) {}

Process::Process(ProcessOptions options, Prepared prepared)
    : ProcessRef(std::make_shared<ProcessState>()) {
    detail::Registry& r = detail::registry();
    std::vector<int> identity;
    bool inherited_daemon;
    {
        std::lock_guard lock(r.mutex);
        identity = r.self->identity;
        identity.push_back(++r.counter);
        inherited_daemon = r.self->daemon;
    }
    if (options.name.empty()) {
        options.name = "Process-";
        for (std::size_t i = 0; i < identity.size(); ++i) {
            if (i != 0) options.name += ':';
            options.name += std::to_string(identity[i]);
        }
    }
    state_->name = std::move(options.name);
    state_->daemon = options.daemon.value_or(inherited_daemon);
    state_->method = options.method;
    state_->identity = std::move(identity);
    state_->creator = detail::current_pid();
    state_->target_name = std::move(prepared.target_name);
    state_->spawn = std::move(prepared.spawn);
    state_->target = std::move(prepared.target);
}

Process::Process(Process&& other) : ProcessRef(nullptr) {
    *this = std::move(other);
}

Process& Process::operator=(Process&& other) {
    if (this == &other) return *this;
    {
        std::lock_guard lock(other.state_->mutex);
        if (other.state_->phase != ProcessState::Phase::initial)
            throw RuntimeError("a started Process cannot be moved");
    }
    if (state_) {
        std::lock_guard lock(state_->mutex);
        if (state_->phase == ProcessState::Phase::started)
            throw RuntimeError("a started Process cannot be assigned to");
    }
    state_ = std::move(other.state_);
    other.state_ = std::make_shared<ProcessState>();
    other.state_->phase = ProcessState::Phase::closed;
    return *this;
}

Process::~Process() {
    std::shared_ptr<detail::Popen> popen;
    bool daemon;
    {
        std::lock_guard lock(state_->mutex);
        if (state_->phase != ProcessState::Phase::started ||
            state_->creator != detail::current_pid())
            return;
        popen = state_->popen;
        daemon = state_->daemon;
        state_->object = nullptr;
    }
    try {
        if (daemon && !popen->poll()) popen->send_signal(SIGTERM);
        popen->wait(nullptr);
    } catch (...) {
    }
}

void Process::run() {
    // No lock, and the target is destroyed with the Process rather than here:
    // in a forked child the mutex's and free()'s code and data pages would
    // each cost a page fault (W7).
    if (state_->target_taken.exchange(true, std::memory_order_acq_rel)) return;
    if (state_->target) state_->target();
}

void Process::start() {
    detail::Registry& r = detail::registry();
    {
        std::lock_guard lock(state_->mutex);
        if (state_->phase == ProcessState::Phase::closed) detail::throw_closed();
        if (state_->phase != ProcessState::Phase::initial)
            throw RuntimeError("cannot start a process twice");
        if (state_->creator != detail::current_pid())
            throw RuntimeError("can only start a process object created by current process");
    }
    {
        std::lock_guard lock(r.mutex);
        if (r.self->daemon)
            throw RuntimeError("daemonic processes are not allowed to have children");
    }
    detail::check_bootstrapped();
    const StartMethod method = state_->method.value_or(detail::default_start_method());
    if (method != StartMethod::fork) {
        std::unique_ptr<detail::Popen> popen = method == StartMethod::spawn
                                                   ? detail::spawn_child(*state_)
                                                   : detail::forkserver_child(*state_);
        {
            std::lock_guard lock(state_->mutex);
            state_->popen = std::move(popen);
            state_->phase = ProcessState::Phase::started;
        }
        detail::register_child(state_);
        return;
    }
    {
        std::lock_guard lock(r.mutex);
        // (glibc's flag spares a single-threaded program reading /proc on
        // every start: it stays set until the first thread is created.)
        if (!r.warned_about_fork && !__libc_single_threaded && detail::thread_count() > 1) {
            r.warned_about_fork = true;
            concur::detail::write_line(
                stderr,
                "DeprecationWarning: This process (pid=" + std::to_string(detail::current_pid()) +
                    ") is multi-threaded, use of fork() may lead to deadlocks in the child.\n",
                true);
        }
    }
    std::shared_ptr<ProcessState> state = state_;
    state->object = this;
    const pid_t parent = detail::current_pid();
    const detail::SpawnHeader header = detail::header_for(*state);
    std::unique_ptr<detail::Popen> popen = detail::fork_child([&] {
        detail::become_child(header, parent);
        const int code = detail::run_reporting(header.name, [&] { state->object->run(); });
        detail::finish_children();
        return code;
    });
    {
        std::lock_guard lock(state_->mutex);
        state_->popen = std::move(popen);
        state_->phase = ProcessState::Phase::started;
    }
    detail::register_child(state_);
}

bool Process::join_until(const concur::detail::Deadline* deadline) {
    std::shared_ptr<detail::Popen> popen;
    {
        std::lock_guard lock(state_->mutex);
        if (state_->phase == ProcessState::Phase::closed) detail::throw_closed();
        if (state_->creator != detail::current_pid())
            throw RuntimeError("can only join a child process");
        if (!state_->popen) throw RuntimeError("can only join a started process");
        popen = state_->popen;
    }
    if (!popen->wait(deadline)) return false;
    // Reaped: forget it, as Python's _children.discard.
    detail::Registry& r = detail::registry();
    std::lock_guard lock(r.mutex);
    std::erase(r.children, state_);
    return true;
}

void Process::join() {
    join_until(nullptr);
}

void Process::terminate() {
    std::shared_ptr<detail::Popen> popen;
    {
        std::lock_guard lock(state_->mutex);
        if (state_->phase == ProcessState::Phase::closed) detail::throw_closed();
        if (!state_->popen) throw RuntimeError("can only terminate a started process");
        popen = state_->popen;
    }
    popen->send_signal(SIGTERM);
}

void Process::kill() {
    std::shared_ptr<detail::Popen> popen;
    {
        std::lock_guard lock(state_->mutex);
        if (state_->phase == ProcessState::Phase::closed) detail::throw_closed();
        if (!state_->popen) throw RuntimeError("can only kill a started process");
        popen = state_->popen;
    }
    popen->send_signal(SIGKILL);
}

void Process::close() {
    std::lock_guard lock(state_->mutex);
    if (state_->phase == ProcessState::Phase::closed) return;
    if (state_->popen) {
        if (!state_->popen->poll())
            throw ValueError(
                "Cannot close a process while it is still running. You should first call "
                "join() or terminate().");
        detail::Registry& r = detail::registry();
        std::lock_guard registry_lock(r.mutex);
        std::erase(r.children, state_);
    }
    state_->popen.reset();
    if (!state_->target_taken.exchange(true, std::memory_order_acq_rel))
        state_->target = concur::detail::Task();
    state_->phase = ProcessState::Phase::closed;
}

int Process::sentinel() const {
    std::lock_guard lock(state_->mutex);
    if (state_->phase == ProcessState::Phase::closed) detail::throw_closed();
    if (!state_->popen) throw ValueError("process not started");
    return state_->popen->sentinel();
}

// ---------------------------------------------------------------------------
// Module functions
// ---------------------------------------------------------------------------

ProcessRef current_process() {
    return detail::ProcessAccess::make(detail::registry().self);
}

std::optional<ProcessRef> parent_process() {
    detail::Registry& r = detail::registry();
    std::lock_guard lock(r.mutex);
    if (!r.parent) return std::nullopt;
    return detail::ProcessAccess::make(r.parent);
}

std::vector<ProcessRef> active_children() {
    detail::Registry& r = detail::registry();
    std::vector<std::shared_ptr<ProcessState>> children;
    {
        std::lock_guard lock(r.mutex);
        children = r.children;
    }
    std::vector<ProcessRef> alive;
    std::vector<std::shared_ptr<ProcessState>> ended;
    for (auto& child : children) {
        if (child->popen && child->popen->poll())
            ended.push_back(child);
        else
            alive.push_back(detail::ProcessAccess::make(child));
    }
    std::lock_guard lock(r.mutex);
    for (auto& child : ended) std::erase(r.children, child);
    return alive;
}

int cpu_count() {
    const long n = ::sysconf(_SC_NPROCESSORS_ONLN);  // what os.cpu_count() reads
    if (n < 1) throw NotImplementedError("cannot determine number of cpus");
    return static_cast<int>(n);
}

}  // namespace concur::multiprocessing

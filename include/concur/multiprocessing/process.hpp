// concur/multiprocessing/process.hpp
// -----------------------------------------------------------------------------
// `concur::multiprocessing::Process` mirrors Python's `multiprocessing.Process`;
// `ProcessRef` is what `current_process()`, `parent_process()` and
// `active_children()` hand out.
//
// A Process runs a callable with its arguments in a child process (Python's
// `target` and `args`) or, in a subclass, its overridden `run()`. How the child
// is made is the start method (context.hpp):
//  * "fork" (the default): the child is a copy of the parent made by fork();
//    any callable runs there, captures included, and arguments are copies.
//    Handles (Value, Array, Lock, Queue, Connection, ...) refer to the same
//    shared objects in the child.
//  * "spawn": a fresh exec of the same program, which enters through
//    `freeze_support()` at the top of `main`; the target must be a function
//    pointer or captureless lambda and every argument serialisable.
//  * "forkserver": like spawn, but the child is forked from a server process
//    started once (single-threaded, so forking it is safe).
//
// Differences from Python:
//  * `join(timeout)` returns whether the process ended (Python returns None).
//  * Python's AssertionErrors for misuse (start twice, join before start,
//    terminate before start) are `concur::RuntimeError`.
//  * RAII: destroying a started Process joins it; a daemon one is terminated
//    first (what Python does to every child at interpreter exit). At exit,
//    daemon children still running are terminated and the others joined, as
//    Python's atexit handler does; a child does the same with its own
//    children when its target returns. A "fork" or "forkserver" child then
//    leaves through _exit() with stdout/stderr flushed, as Python's leave
//    through os._exit(): no atexit handlers or static destructors run there
//    (a "spawn" child exits normally, as Python's sys.exit()).
//  * `pid()` and `exitcode()` are empty optionals where Python has None.
//  * A Process is movable until started; after start() its identity is fixed
//    (handles to it are ProcessRefs).
//  * A target that throws: the child prints `Process <name>:` and the
//    exception's type and message to stderr (Python prints the traceback) and
//    exits with code 1.
//  * No child outlives its parent: a child is killed when the parent dies,
//    even by SIGKILL (PR_SET_PDEATHSIG, or a watch on a pipe when the parent
//    thread that started it may end first).
//
// Every member is thread-safe.
//
// Example:
//
//   namespace mp = concur::multiprocessing;
//   void f(std::string name) { std::printf("hello %s\n", name.c_str()); }
//
//   int main() {
//       mp::freeze_support();
//       mp::Process p(f, std::string("bob"));
//       p.start();
//       p.join();                 // *p.exitcode() == 0
//   }
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <concur/detail/deadline.hpp>
#include <concur/exceptions.hpp>
#include <concur/multiprocessing/detail/spawn_target.hpp>
#include <concur/multiprocessing/exceptions.hpp>
#include <concur/threading/thread.hpp>

namespace concur::multiprocessing {

class Process;

namespace detail {
struct ProcessState;
struct ProcessAccess;  // src: makes ProcessRefs for the internals
}  // namespace detail

// Python's start methods. `Context` (context.hpp) carries one.
enum class StartMethod { fork, forkserver, spawn };

// Python: Process(name=..., daemon=...). `method` empty: the global start
// method at start() (get_start_method()); Context::Process sets it.
struct ProcessOptions {
    std::string name;            // empty: "Process-N"
    std::optional<bool> daemon;  // empty: inherit the current process's flag
    std::optional<StartMethod> method;
};

// A handle to a process: this one, a child, the parent. Copies refer to the
// same process.
class ProcessRef {
  public:
    // Python's `name`; children default to "Process-N", this process is
    // "MainProcess" unless it is a child. Setting it changes only this handle's
    // view (as in Python, the child does not see a later rename).
    std::string name() const;
    void name(std::string value);

    // Python's `daemon`. Setting it once started raises RuntimeError.
    bool daemon() const;
    void daemon(bool value);

    // Python's `pid` (`ident`): empty before start.
    std::optional<int> pid() const;
    std::optional<int> ident() const { return pid(); }

    // Python's `exitcode`: empty while running (or before start); 0 on a
    // normal end, 1 when the target threw, -N when killed by signal N. Never
    // blocks.
    std::optional<int> exitcode() const;

    // True from start() until the process ends. Never blocks.
    bool is_alive() const;

    // Python's repr: <Process name='Process-1' pid=123 parent=100 started>.
    std::string repr() const;
    friend std::ostream& operator<<(std::ostream& os, const ProcessRef& process);

    friend bool operator==(const ProcessRef& a, const ProcessRef& b) noexcept {
        return a.state_ == b.state_;
    }

  protected:
    explicit ProcessRef(std::shared_ptr<detail::ProcessState> state) noexcept
        : state_(std::move(state)) {}
    std::shared_ptr<detail::ProcessState> state_;

  private:
    friend class Process;
    friend struct detail::ProcessAccess;
};

class Process : public ProcessRef {
  public:
    // A process with no target: for subclasses that override run().
    Process() : Process(ProcessOptions{}) {}
    explicit Process(ProcessOptions options);

    // Python: Process(target=f, args=(...)). F(Args...) must be callable.
    template <class F, class... Args>
    requires(!std::is_same_v<std::decay_t<F>, ProcessOptions> &&
             !std::is_base_of_v<ProcessRef, std::decay_t<F>>) explicit Process(F&& target,
                                                                               Args&&... args)
        : Process(ProcessOptions{}, std::forward<F>(target), std::forward<Args>(args)...) {}

    // Python: Process(target=f, args=(...), name=..., daemon=...).
    template <class F, class... Args>
    Process(ProcessOptions options, F&& target, Args&&... args)
        : Process(std::move(options),
                  prepare(std::forward<F>(target), std::forward<Args>(args)...)) {}

    // Movable until started: moving a started process raises RuntimeError.
    Process(Process&& other);
    Process& operator=(Process&& other);
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    // Joins a started process; terminates it first if it is a daemon.
    virtual ~Process();

    // Starts the child. Raises RuntimeError if called twice, in a daemon
    // child ("daemonic processes are not allowed to have children"), or if
    // the child cannot be created (then an OSError); ValueError when the
    // start method needs a serialisable target (spawn, forkserver) and this
    // one is not; ValueError after close().
    void start();

    // The child's activity. The default runs the target; subclasses
    // override (start method "fork" only: a spawned child cannot know the
    // subclass).
    virtual void run();

    // Blocks until the child ends (and reaps it). Raises RuntimeError before
    // start() or on the current process. Several threads may join.
    void join();
    // Blocks at most `timeout` (negative counts as zero); returns whether the
    // child has ended.
    template <class Rep, class Period>
    bool join(std::chrono::duration<Rep, Period> timeout) {
        const auto deadline = concur::detail::deadline_after(timeout);
        return join_until(&deadline);
    }

    // Python's terminate() (SIGTERM, exitcode -15) and kill() (SIGKILL, -9).
    // No effect on a child that has already ended. RuntimeError before
    // start(). Never block.
    void terminate();
    void kill();

    // Python's close(): releases the child's resources. ValueError while it
    // is still running; afterwards most members raise ValueError.
    void close();

    // A file descriptor that becomes readable when the child ends (for
    // poll/select, and multiprocessing.connection.wait). ValueError before
    // start() or after close().
    int sentinel() const;

    // A handle that can outlive this object.
    ProcessRef ref() const noexcept { return ProcessRef(state_); }

  private:
    struct Prepared {
        std::string target_name;
        detail::SpawnTarget spawn;
        concur::detail::Task target;
    };
    // In sequence: the spawn form copies the arguments before the fork form
    // may move them.
    template <class F, class... Args>
    static Prepared prepare(F&& target, Args&&... args) {
        Prepared prepared;
        prepared.target_name = concur::detail::target_name(target);
        prepared.spawn = detail::make_spawn_target(target, args...);
        prepared.target =
            concur::detail::bind_task(std::forward<F>(target), std::forward<Args>(args)...);
        return prepared;
    }
    Process(ProcessOptions options, Prepared prepared);
    bool join_until(const concur::detail::Deadline* deadline);
};

// Python's multiprocessing.current_process(): this process (a child sees its
// own Process's name). Never blocks.
ProcessRef current_process();
// Python's multiprocessing.parent_process(): the parent of a child started by
// concur, empty in the main process. Its is_alive() tells whether the parent
// still runs.
std::optional<ProcessRef> parent_process();
// Python's multiprocessing.active_children(): children of this process still
// running (pool workers included); reaps those that ended, as Python does.
std::vector<ProcessRef> active_children();
// Python's multiprocessing.cpu_count(): the CPUs of the machine (not the
// affinity mask: os.process_cpu_count() is Python 3.13's other answer).
int cpu_count();

}  // namespace concur::multiprocessing

// concur/multiprocessing/detail/process_state.hpp -- private: what a Process
// or ProcessRef handle refers to, and the registry of this process's children
// (for active_children() and the exit handler).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <concur/multiprocessing/detail/popen.hpp>
#include <concur/multiprocessing/detail/spawn_target.hpp>
#include <concur/multiprocessing/process.hpp>

namespace concur::multiprocessing::detail {

struct ProcessState {
    enum class Kind { child, self, parent };
    enum class Phase { initial, started, closed };

    mutable std::mutex mutex;
    Kind kind = Kind::child;
    Phase phase = Phase::initial;
    std::string name;
    bool daemon = false;
    std::optional<StartMethod> method;
    std::vector<int> identity;  // Python's _identity: (1,), (1, 2) for a grandchild
    pid_t creator = 0;          // the process that made this Process object
    pid_t pid = 0;              // self / parent kinds, and children once started
    std::shared_ptr<Popen> popen;
    Process* object = nullptr;  // for run(), set by start()
    std::string target_name;
    SpawnTarget spawn;
    concur::detail::Task target;
    // Taken by the first run() (which calls the target) or by close() (which
    // destroys it), so that the two never race: the target's arguments are
    // moved into its one call.
    std::atomic<bool> target_taken{false};
};

struct ProcessAccess {
    static ProcessRef make(std::shared_ptr<ProcessState> state) noexcept {
        return ProcessRef(std::move(state));
    }
    static const std::shared_ptr<ProcessState>& state(const ProcessRef& ref) noexcept {
        return ref.state_;
    }
};

// What a spawned child needs to become its Process (the rest of the payload
// is the SpawnTarget's).
struct SpawnHeader {
    std::string name;
    std::vector<int> identity;
    bool daemon = false;
    std::string parent_name;

    template <class Archive>
    void serialize(Archive& archive) {
        archive(name, identity, daemon, parent_name);
    }
};

// In a new child: makes this process the Process `header` describes (its
// current_process(), parent_process(), no children yet). `header` is read
// when they are first asked for: it must live as long as the process.
void become_child(const SpawnHeader& header, pid_t parent);
// Python's multiprocessing.util._exit_function, which a process runs as it
// ends (the main process at exit, a child after its target): terminates its
// daemonic children, then joins all its children.
void finish_children() noexcept;
// Runs `body` as a Process's activity: 0 when it returns; when it throws,
// "Process <name>:" and the exception on stderr, and 1.
int run_reporting(const std::string& name, const std::function<void()>& body);
// The header of a child of this process.
SpawnHeader header_for(const ProcessState& child);
// The payload of `child` (header, target, arguments) in a memfd; the
// descriptors of the handles among the arguments are added to `fds`.
// ValueError when the target cannot be spawned.
int payload_memfd(ProcessState& child, std::vector<int>& fds);
// In a new child: becomes the Process of the payload, runs it, finishes its
// own children; gives the exit code (the caller exits with it).
int run_payload(int payload_fd, const std::vector<int>& fds, pid_t parent) noexcept;
// This process's environment without the variable `name`.
std::vector<std::string> environment_without(const char* name);

// Starts `child` with "spawn" (spawn.cpp).
std::unique_ptr<Popen> spawn_child(ProcessState& child);
// Starts `child` through the fork server, starting the server the first
// time (forkserver.cpp).
std::unique_ptr<Popen> forkserver_child(ProcessState& child);
// In a program started by spawn_child or as the fork server: runs the child's
// work (or serves) and exits the process; returns at once anywhere else
// (freeze_support()).
void run_if_spawned();
void run_if_forkserver();
// RuntimeError in a spawned child (or fork server) whose main() did not call
// freeze_support() first: it would run the parent's main() again, and start
// children of its own -- a fork bomb. Python raises the same.
void check_bootstrapped();

// Registers a started child (active_children(), the exit handler).
void register_child(std::shared_ptr<ProcessState> child);
// The default start method of new Processes (context.cpp).
StartMethod default_start_method();

}  // namespace concur::multiprocessing::detail

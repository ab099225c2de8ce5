// concur/multiprocessing/detail/resource_tracker.hpp -- private: Python's
// `multiprocessing.resource_tracker`, which unlinks the named shared-memory
// segments a program tree leaves behind.
//
// The tracker is a small process started on first use (fork, then fork again,
// so it is nobody's child and outlives a crashed program). It holds one end
// of a SOCK_SEQPACKET socket pair; every process of the program holds the
// other end: fork()ed children inherit it, "spawn" children and the fork
// server receive it (CONCUR_MP_RESOURCE_TRACKER names the descriptor), as
// Python passes its tracker's fd. Each process sends one datagram per
// register/unregister (atomic, never interleaved). When the last holder of
// our end has exited -- normally or killed -- the tracker reads end-of-file,
// unlinks every name still registered, prints Python's warning
// ("resource_tracker: There appear to be N leaked shared_memory objects to
// clean up at shutdown") and exits.
//
// All functions are thread-safe. Failures to reach the tracker are ignored
// (the segment is then not cleaned up after a crash): tracking never makes a
// SharedMemory operation fail.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace concur::multiprocessing::detail {

inline constexpr const char* kResourceTrackerVariable = "CONCUR_MP_RESOURCE_TRACKER";

// Registers / unregisters a POSIX shared-memory name ("/psm_1a2b3c4d"),
// starting the tracker if this program has none yet.
void track_shared_memory(std::string_view name);
void untrack_shared_memory(std::string_view name);

// What an exec'd child ("spawn", the fork server) needs to share this
// program's tracker, starting it if needed: the descriptor to keep open
// across the exec and the environment entry naming it. Empty if the tracker
// cannot be started (the child then starts its own when it needs one).
struct TrackerHandoff {
    int fd;
    std::string variable;  // "CONCUR_MP_RESOURCE_TRACKER=<fd>"
};
std::optional<TrackerHandoff> resource_tracker_for_child();

// In an exec'd child: adopts the tracker named by CONCUR_MP_RESOURCE_TRACKER
// (then removed from the environment), if any.
void adopt_resource_tracker_from_environment() noexcept;

}  // namespace concur::multiprocessing::detail

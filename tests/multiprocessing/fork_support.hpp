// Helpers for the multiprocessing tests that fork: a child runs a body and
// _exit()s with its verdict (never returns into GoogleTest); the parent waits
// for it with a bound and kills it if it overruns, so a test fails instead of
// hanging and leaves no child behind. And a serialise/deserialise round trip
// through the "spawn" fd scopes.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cereal/archives/binary.hpp>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <concur/multiprocessing/detail/fd_passing.hpp>

namespace concur_test {

// Whether process `pid` has ended: gone, or a zombie its (new) parent has not
// reaped yet (a process whose parent died is reaped by init, at init's pace).
inline bool has_ended(pid_t pid) {
    if (::kill(pid, 0) != 0) return true;
    std::FILE* stat = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
    if (stat == nullptr) return true;
    char state = '?';
    const int fields = std::fscanf(stat, "%*d (%*[^)]) %c", &state);
    std::fclose(stat);
    return fields == 1 && (state == 'Z' || state == 'X');
}

// Exit codes of a child: 0 the body succeeded (returned true or void), 1 it
// returned false, 2 it threw.
template <class Body>
pid_t fork_child(Body body) {
    const pid_t pid = ::fork();
    if (pid != 0) return pid;  // parent (or -1: the caller's EXPECT catches it)
    int code = 0;
    try {
        if constexpr (std::is_void_v<std::invoke_result_t<Body&>>)
            body();
        else
            code = body() ? 0 : 1;
    } catch (...) {
        code = 2;
    }
    ::_exit(code);
}

// Reaps `pid`, waiting at most `timeout`: its exit code, 128+signal if it was
// killed, or -1 if it overran (it is then SIGKILLed and reaped).
inline int join_child(pid_t pid, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    for (;;) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (done < 0) return -2;
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -3;
}

// `handle` serialised inside an FdSendScope and deserialised into `into`
// inside an FdReceiveScope, as a "spawn" start would.
template <class Handle>
Handle round_trip(const Handle& handle, Handle into) {
    namespace mpd = concur::multiprocessing::detail;
    std::vector<int> fds;
    std::stringstream stream;
    {
        mpd::FdSendScope scope(fds);
        cereal::BinaryOutputArchive out(stream);
        out(handle);
    }
    {
        mpd::FdReceiveScope scope(fds);
        cereal::BinaryInputArchive in(stream);
        in(into);
    }
    return into;
}

}  // namespace concur_test

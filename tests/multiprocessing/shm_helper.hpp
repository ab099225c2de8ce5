// A program of its own for the resource-tracker tests: the test binary run
// again with CONCUR_TEST_SHM_HELPER=<mode>:<name> makes a SharedMemory block
// `name` and then, by mode:
//   wait       prints "created" and waits to be killed (at most a minute)
//   leak       exits without unlink()
//   unlink     unlinks, then exits
//   untracked  made with track = false; exits without unlink()
// main() runs it before anything else.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <concur/multiprocessing/shared_memory.hpp>

namespace concur_test {

inline constexpr const char* kShmHelperVariable = "CONCUR_TEST_SHM_HELPER";

// Runs the helper if this process is one (never returns then).
inline void run_shm_helper_if_asked() {
    const char* spec = std::getenv(kShmHelperVariable);
    if (spec == nullptr) return;
    namespace shm = concur::multiprocessing::shared_memory;
    const char* colon = std::strchr(spec, ':');
    if (colon == nullptr) std::_Exit(2);
    const std::string mode(spec, colon);
    const std::string name(colon + 1);
    shm::SharedMemory block(name, true, 4096, mode != "untracked");
    if (mode == "wait") {
        std::fputs("created\n", stdout);
        std::fflush(stdout);
        ::sleep(60);
    } else if (mode == "unlink") {
        block.unlink();
    }
    std::fflush(nullptr);
    std::_Exit(0);
}

}  // namespace concur_test

// The multiprocessing tests' main(): freeze_support() first, as every program
// that may spawn must begin, so that children the tests start with "spawn"
// and "forkserver" run their target instead of the test suite. Around the
// whole suite: nothing may be left in /dev/shm, and no Process child may be
// left running. First of all, the shared-memory tests' helper program
// (shm_helper.hpp).
#include <gtest/gtest.h>

#include <dirent.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <thread>

#include <concur/multiprocessing/context.hpp>
#include <concur/multiprocessing/process.hpp>

#include "shm_helper.hpp"

namespace {

std::set<std::string> shm_entries() {
    std::set<std::string> names;
    if (DIR* dir = ::opendir("/dev/shm")) {
        while (const dirent* entry = ::readdir(dir))
            if (entry->d_name[0] != '.') names.insert(entry->d_name);
        ::closedir(dir);
    }
    return names;
}

}  // namespace

int main(int argc, char** argv) {
    concur_test::run_shm_helper_if_asked();
    concur::multiprocessing::freeze_support();
    testing::InitGoogleTest(&argc, argv);
    const std::set<std::string> before = shm_entries();
    int status = RUN_ALL_TESTS();
    // New entries that stay. Under `ctest -j` other test processes make and
    // unlink blocks of their own meanwhile (every test unlinks within
    // milliseconds): an entry counts as ours and leaked only if it is still
    // there after a grace period.
    std::set<std::string> left;
    for (const std::string& name : shm_entries())
        if (before.count(name) == 0) left.insert(name);
    const auto grace_end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!left.empty() && std::chrono::steady_clock::now() < grace_end) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        const std::set<std::string> now = shm_entries();
        std::erase_if(left, [&](const std::string& name) { return now.count(name) == 0; });
    }
    for (const std::string& name : left) {
        std::fprintf(stderr, "leak check: /dev/shm/%s was left behind\n", name.c_str());
        status = 1;
    }
    for (const auto& child : concur::multiprocessing::active_children()) {
        std::fprintf(stderr, "leak check: child %s is still running\n", child.repr().c_str());
        status = 1;
    }
    return status;
}

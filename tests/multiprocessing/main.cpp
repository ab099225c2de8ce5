// The multiprocessing tests' main(): freeze_support() first, as every program
// that may spawn must begin, so that children the tests start with "spawn"
// and "forkserver" run their target instead of the test suite. Around the
// whole suite: nothing may be left in /dev/shm, and no Process child may be
// left running.
#include <gtest/gtest.h>

#include <dirent.h>

#include <cstdio>
#include <set>
#include <string>

#include <concur/multiprocessing/context.hpp>
#include <concur/multiprocessing/process.hpp>

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
    concur::multiprocessing::freeze_support();
    testing::InitGoogleTest(&argc, argv);
    const std::set<std::string> before = shm_entries();
    int status = RUN_ALL_TESTS();
    for (const std::string& name : shm_entries()) {
        if (before.count(name) == 0) {
            std::fprintf(stderr, "leak check: /dev/shm/%s was left behind\n", name.c_str());
            status = 1;
        }
    }
    for (const auto& child : concur::multiprocessing::active_children()) {
        std::fprintf(stderr, "leak check: child %s is still running\n", child.repr().c_str());
        status = 1;
    }
    return status;
}

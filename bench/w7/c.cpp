// W7 "spawn", the C floors (bench/README.md): start + join N processes that do
// nothing, one after another; per_process = wall / N in µs.
//
// Systems: c-fork-_exit (fork, the child _exit(0)s, waitpid), c-vfork-_exit,
// c-fork-exec-true (the child execs /bin/true), c-posix_spawn-true.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "../bench_common.hpp"

extern char** environ;

namespace {

bool wait_ok(pid_t pid) {
    int status = 0;
    return pid > 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
}

bool one(const std::string& system) {
    char true_path[] = "/bin/true";
    char* argv[] = {true_path, nullptr};
    if (system == "c-fork-_exit") {
        const pid_t pid = ::fork();
        if (pid == 0) ::_exit(0);
        return wait_ok(pid);
    }
    if (system == "c-vfork-_exit") {
        const pid_t pid = ::vfork();
        if (pid == 0) ::_exit(0);
        return wait_ok(pid);
    }
    if (system == "c-fork-exec-true") {
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::execve(true_path, argv, environ);
            ::_exit(127);
        }
        return wait_ok(pid);
    }
    pid_t pid = -1;
    if (::posix_spawn(&pid, true_path, nullptr, nullptr, argv, environ) != 0) return false;
    return wait_ok(pid);
}

}  // namespace

int main(int argc, char** argv) {
    const bench::Args args = bench::parse(
        argc, argv, {"c-fork-_exit", "c-vfork-_exit", "c-fork-exec-true", "c-posix_spawn-true"});
    bool ok = one(args.system);
    std::vector<double> reps;
    for (int r = 0; r < args.reps; ++r) {
        const double start = bench::now_seconds();
        for (long i = 0; i < args.n; ++i) ok = one(args.system) && ok;
        reps.push_back((bench::now_seconds() - start) / static_cast<double>(args.n) * 1e6);
    }
    std::printf("# W7 %s n %ld ok %d\n", args.system.c_str(), args.n, ok ? 1 : 0);
    bench::emit_reps("W7", args.system, "per_process", reps, "us");
    bench::emit("W7", args.system, "per_process", bench::median(reps), "us");
    return ok ? 0 : 1;
}

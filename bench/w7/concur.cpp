// W7 "spawn", concur (bench/README.md): start + join N processes that do
// nothing, one after another; per_process = wall / N in µs.
//
// Systems: concur-Process-fork, concur-Process-forkserver, concur-Process-spawn
// -- `ctx.Process(noop)`, start(), join(), exit code checked -- with one
// untimed warm-up process first (it starts the fork server), as the Python
// systems do.
#include <concur/multiprocessing.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "../bench_common.hpp"

namespace mp = concur::multiprocessing;

namespace {
void noop() {}
}  // namespace

int main(int argc, char** argv) {
    mp::freeze_support();
    const bench::Args args = bench::parse(
        argc, argv, {"concur-Process-fork", "concur-Process-forkserver", "concur-Process-spawn"});
    const std::string method = args.system.substr(std::string("concur-Process-").size());
    const mp::Context ctx = mp::get_context(method);
    auto one = [&] {
        mp::Process p = ctx.Process(noop);
        p.start();
        p.join();
        return p.exitcode() == 0;
    };
    bool ok = one();  // warm-up
    std::vector<double> reps;
    for (int r = 0; r < args.reps; ++r) {
        const double start = bench::now_seconds();
        for (long i = 0; i < args.n; ++i) ok = one() && ok;
        reps.push_back((bench::now_seconds() - start) / static_cast<double>(args.n) * 1e6);
    }
    std::printf("# W7 %s n %ld ok %d\n", args.system.c_str(), args.n, ok ? 1 : 0);
    bench::emit_reps("W7", args.system, "per_process", reps, "us");
    bench::emit("W7", args.system, "per_process", bench::median(reps), "us");
    return ok ? 0 : 1;
}

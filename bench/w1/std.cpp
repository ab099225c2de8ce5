// W1 "seed-pool", plain C++ peers (bench/README.md): out = [f(n) for n in range(N)].
//
// Systems:
//   cpp-serial     a plain loop out[i] = f(i) on the calling thread.
//   cpp-std-async  hardware_concurrency() tasks started with
//                  std::async(std::launch::async), task t computing the
//                  contiguous chunk [t*N/T, (t+1)*N/T) into out; a new thread
//                  per task in every call (libstdc++ has no pool).
#include <algorithm>
#include <future>
#include <thread>
#include <vector>

#include "workload.hpp"

namespace {

std::vector<std::uint64_t> serial(long n) {
    std::vector<std::uint64_t> out(static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i)
        out[static_cast<std::size_t>(i)] = w1::f(static_cast<std::uint64_t>(i));
    return out;
}

std::vector<std::uint64_t> std_async(long n) {
    std::vector<std::uint64_t> out(static_cast<std::size_t>(n));
    const long tasks = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::future<void>> futures;
    futures.reserve(static_cast<std::size_t>(tasks));
    for (long t = 0; t < tasks; ++t)
        futures.push_back(std::async(std::launch::async, [&out, n, t, tasks] {
            const long end = n * (t + 1) / tasks;
            for (long i = n * t / tasks; i < end; ++i)
                out[static_cast<std::size_t>(i)] = w1::f(static_cast<std::uint64_t>(i));
        }));
    for (auto& future : futures) future.get();
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const bench::Args args = bench::parse(argc, argv, {"cpp-serial", "cpp-std-async"});
    if (args.system == "cpp-serial") return w1::run(args, serial);
    return w1::run(args, std_async);
}

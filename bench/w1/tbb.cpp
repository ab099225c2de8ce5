// W1 "seed-pool", oneTBB peer (bench/README.md): out = [f(n) for n in range(N)].
//
// System: cpp-tbb-parallel_for, `tbb::parallel_for(tbb::blocked_range<long>(0, N), ...)`
// with the default (auto) partitioner in the default arena (one thread per
// core, the calling thread included).
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <vector>

#include "workload.hpp"

int main(int argc, char** argv) {
    const bench::Args args = bench::parse(argc, argv, {"cpp-tbb-parallel_for"});
    return w1::run(args, [](long n) {
        std::vector<std::uint64_t> out(static_cast<std::size_t>(n));
        tbb::parallel_for(
            tbb::blocked_range<long>(0, n), [&out](const tbb::blocked_range<long>& r) {
                for (long i = r.begin(); i != r.end(); ++i)
                    out[static_cast<std::size_t>(i)] = w1::f(static_cast<std::uint64_t>(i));
            });
        return out;
    });
}

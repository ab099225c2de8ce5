// W2 "tiny-tasks", oneTBB peers (bench/README.md).
//
// Systems (both in a tbb::task_arena of 2 threads; in TBB's model the
// submitting thread is one of them and works in wait()):
//   cpp-tbb-task_group         task_group::run per task, the task writes its
//                              int into out[i]; then wait() and sum out.
//                              No futures: the lower bound of a task pool here.
//   cpp-tbb-task_group-future  the same, each task fulfilling its own
//                              std::promise<int>; the std::future<int>s are
//                              read after wait().
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <future>
#include <vector>

#include "workload.hpp"

namespace {

// Move-only task: TBB keeps the functor const, so the promise is mutable.
struct PromiseTask {
    mutable std::promise<int> promise;
    long i;
    void operator()() const { promise.set_value(static_cast<int>(i)); }
};

long long plain(long n) {
    long long sum = 0;
    tbb::task_arena arena(w2::kWorkers);
    arena.execute([&] {
        std::vector<int> out(static_cast<std::size_t>(n));
        tbb::task_group group;
        for (long i = 0; i < n; ++i)
            group.run([&out, i] { out[static_cast<std::size_t>(i)] = static_cast<int>(i); });
        group.wait();
        for (int v : out) sum += v;
    });
    return sum;
}

long long with_futures(long n) {
    long long sum = 0;
    tbb::task_arena arena(w2::kWorkers);
    arena.execute([&] {
        std::vector<std::future<int>> futures;
        futures.reserve(static_cast<std::size_t>(n));
        tbb::task_group group;
        for (long i = 0; i < n; ++i) {
            PromiseTask task{std::promise<int>(), i};
            futures.push_back(task.promise.get_future());
            group.run(std::move(task));
        }
        group.wait();
        for (auto& f : futures) sum += f.get();
    });
    return sum;
}

}  // namespace

int main(int argc, char** argv) {
    const bench::Args args =
        bench::parse(argc, argv, {"cpp-tbb-task_group", "cpp-tbb-task_group-future"});
    if (args.system == "cpp-tbb-task_group") return w2::run(args, plain);
    return w2::run(args, with_futures);
}

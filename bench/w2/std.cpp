// W2 "tiny-tasks", plain C++ peers (bench/README.md).
//
// Systems:
//   cpp-naive-mutex-cv-pool  the naive pool one writes first: 2 std::threads
//                            over a std::queue<std::function<void()>> guarded
//                            by one std::mutex and one std::condition_variable;
//                            submit() wraps the task in a
//                            shared_ptr<std::packaged_task<int()>> and returns
//                            its std::future. The destructor lets the workers
//                            drain the queue and joins them.
//   cpp-std-async            std::async(std::launch::async, task) per task: a
//                            new thread per task, not a pool of 2 (run with a
//                            smaller N; the metric is per task).
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "workload.hpp"

namespace {

class NaivePool {
  public:
    explicit NaivePool(int workers) {
        for (int w = 0; w < workers; ++w) threads_.emplace_back([this] { work(); });
    }
    NaivePool(const NaivePool&) = delete;
    NaivePool& operator=(const NaivePool&) = delete;
    ~NaivePool() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        ready_.notify_all();
        for (auto& t : threads_) t.join();
    }

    template <class F>
    std::future<int> submit(F f) {
        auto task = std::make_shared<std::packaged_task<int()>>(std::move(f));
        std::future<int> future = task->get_future();
        {
            std::lock_guard lock(mutex_);
            tasks_.emplace([task] { (*task)(); });
        }
        ready_.notify_one();
        return future;
    }

  private:
    void work() {
        for (;;) {
            std::function<void()> task;
            {
                std::unique_lock lock(mutex_);
                ready_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
                if (tasks_.empty()) return;  // stopping and drained
                task = std::move(tasks_.front());
                tasks_.pop();
            }
            task();
        }
    }

    std::mutex mutex_;
    std::condition_variable ready_;
    std::queue<std::function<void()>> tasks_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

long long naive_pool(long n) {
    long long sum = 0;
    NaivePool pool(w2::kWorkers);
    std::vector<std::future<int>> futures;
    futures.reserve(static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i)
        futures.push_back(pool.submit([i] { return static_cast<int>(i); }));
    for (auto& f : futures) sum += f.get();
    return sum;
}

long long std_async(long n) {
    long long sum = 0;
    std::vector<std::future<int>> futures;
    futures.reserve(static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i)
        futures.push_back(std::async(std::launch::async, [i] { return static_cast<int>(i); }));
    for (auto& f : futures) sum += f.get();
    return sum;
}

}  // namespace

int main(int argc, char** argv) {
    const bench::Args args = bench::parse(argc, argv, {"cpp-naive-mutex-cv-pool", "cpp-std-async"});
    if (args.system == "cpp-naive-mutex-cv-pool") return w2::run(args, naive_pool);
    return w2::run(args, std_async);
}

// W2 "tiny-tasks", Boost.Asio peer (bench/README.md).
//
// System: cpp-asio-thread_pool-promise: boost::asio::thread_pool(2), post() per
// task of a handler that fulfils its own std::promise<int>; then get() of
// every std::future<int>, then join(). The main thread only submits and waits.
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <future>
#include <vector>

#include "workload.hpp"

int main(int argc, char** argv) {
    const bench::Args args = bench::parse(argc, argv, {"cpp-asio-thread_pool-promise"});
    return w2::run(args, [](long n) {
        long long sum = 0;
        boost::asio::thread_pool pool(w2::kWorkers);
        std::vector<std::future<int>> futures;
        futures.reserve(static_cast<std::size_t>(n));
        for (long i = 0; i < n; ++i) {
            std::promise<int> promise;
            futures.push_back(promise.get_future());
            boost::asio::post(pool, [promise = std::move(promise), i]() mutable {
                promise.set_value(static_cast<int>(i));
            });
        }
        for (auto& f : futures) sum += f.get();
        pool.join();
        return sum;
    });
}

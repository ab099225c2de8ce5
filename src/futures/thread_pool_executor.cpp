#include <concur/futures/thread_pool_executor.hpp>

#include <atomic>
#include <thread>

namespace concur::futures::detail {

std::size_t default_max_workers() noexcept {
    // Python 3.8+: min(32, (os.cpu_count() or 1) + 4).
    const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
    return std::min<std::size_t>(32, cpus + 4);
}

std::string next_executor_prefix() {
    static std::atomic<std::size_t> counter{0};
    return "ThreadPoolExecutor-" + std::to_string(counter.fetch_add(1));
}

}  // namespace concur::futures::detail

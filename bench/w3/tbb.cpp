// W3 "queue", oneTBB peer (bench/README.md).
//
// System: cpp-tbb-concurrent_bounded_queue, tbb::concurrent_bounded_queue<uint64_t>
// with set_capacity(1024); push / pop block. Shapes 1p1c and 2p2c.
#include <tbb/concurrent_queue.h>

#include "workload.hpp"

namespace {

class BoundedQueue {
  public:
    explicit BoundedQueue(std::size_t capacity) {
        queue_.set_capacity(static_cast<std::ptrdiff_t>(capacity));
    }
    void put(std::uint64_t value) { queue_.push(value); }
    std::uint64_t get() {
        std::uint64_t value = 0;
        queue_.pop(value);
        return value;
    }

  private:
    tbb::concurrent_bounded_queue<std::uint64_t> queue_;
};

}  // namespace

int main(int argc, char** argv) {
    return w3::run(argc, argv,
                   {{"cpp-tbb-concurrent_bounded_queue", true, &w3::drive<BoundedQueue>}});
}

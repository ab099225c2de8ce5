// W3 "queue", Boost.Lockfree peers (bench/README.md). Neither queue blocks:
// a failed push or pop busy-waits (w3::spin_until: _mm_pause, yield every
// 64th failure).
//
// Systems:
//   cpp-boost-lockfree-spsc_queue  boost::lockfree::spsc_queue<uint64_t,
//                                  capacity<1024>>, SPSC (1p1c only).
//   cpp-boost-lockfree-queue       boost::lockfree::queue<uint64_t,
//                                  capacity<1024>>, fixed-size MPMC, 1p1c and 2p2c.
#include <boost/lockfree/queue.hpp>
#include <boost/lockfree/spsc_queue.hpp>

#include "workload.hpp"

namespace {

template <class Lockfree>
class Spinning {
  public:
    explicit Spinning(std::size_t /*capacity: a template argument of Lockfree*/) {}
    void put(std::uint64_t value) {
        w3::spin_until([&] { return queue_.push(value); });
    }
    std::uint64_t get() {
        std::uint64_t value = 0;
        w3::spin_until([&] { return queue_.pop(value); });
        return value;
    }

  private:
    Lockfree queue_;
};

using Spsc = boost::lockfree::spsc_queue<std::uint64_t, boost::lockfree::capacity<w3::kCapacity>>;
using Mpmc = boost::lockfree::queue<std::uint64_t, boost::lockfree::capacity<w3::kCapacity>>;

}  // namespace

int main(int argc, char** argv) {
    return w3::run(argc, argv,
                   {{"cpp-boost-lockfree-spsc_queue", false, &w3::drive<Spinning<Spsc>>},
                    {"cpp-boost-lockfree-queue", true, &w3::drive<Spinning<Mpmc>>}});
}

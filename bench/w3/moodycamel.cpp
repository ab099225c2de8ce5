// W3 "queue", moodycamel peers (bench/README.md; Debian libconcurrentqueue-dev
// and libreaderwriterqueue-dev). Whichever of the two headers CMake found is
// compiled in (CONCUR_BENCH_HAVE_CONCURRENTQUEUE, _READERWRITERQUEUE).
//
// Systems:
//   cpp-moodycamel-BlockingConcurrentQueue             MPMC, unbounded (initial
//       size 1024: the producer never blocks); enqueue / wait_dequeue, no tokens.
//   cpp-moodycamel-BlockingReaderWriterQueue           SPSC (1p1c only), unbounded
//       (initial size 1024); enqueue / wait_dequeue.
//   cpp-moodycamel-BlockingReaderWriterCircularBuffer  SPSC (1p1c only), bounded
//       1024; wait_enqueue / wait_dequeue.
#if CONCUR_BENCH_HAVE_CONCURRENTQUEUE
#include <concurrentqueue/blockingconcurrentqueue.h>
#endif
#if CONCUR_BENCH_HAVE_READERWRITERQUEUE
#include <readerwriterqueue/readerwritercircularbuffer.h>
#include <readerwriterqueue/readerwriterqueue.h>
#endif

#include "workload.hpp"

namespace {

// moodycamel's blocking queues behind the harness's put/get: `Queue` is the
// moodycamel type; `Bounded` picks wait_enqueue (a bounded buffer blocks when
// full) over enqueue (the unbounded queues never do).
template <class Queue, bool Bounded>
class Moodycamel {
  public:
    explicit Moodycamel(std::size_t capacity) : queue_(capacity) {}
    void put(std::uint64_t value) {
        if constexpr (Bounded)
            queue_.wait_enqueue(value);
        else
            queue_.enqueue(value);
    }
    std::uint64_t get() {
        std::uint64_t value = 0;
        queue_.wait_dequeue(value);
        return value;
    }

  private:
    Queue queue_;
};

#if CONCUR_BENCH_HAVE_CONCURRENTQUEUE
using ConcurrentQueue = Moodycamel<moodycamel::BlockingConcurrentQueue<std::uint64_t>, false>;
#endif
#if CONCUR_BENCH_HAVE_READERWRITERQUEUE
using ReaderWriterQueue = Moodycamel<moodycamel::BlockingReaderWriterQueue<std::uint64_t>, false>;
using ReaderWriterCircularBuffer =
    Moodycamel<moodycamel::BlockingReaderWriterCircularBuffer<std::uint64_t>, true>;
#endif

}  // namespace

int main(int argc, char** argv) {
    std::vector<w3::System> queues;
#if CONCUR_BENCH_HAVE_CONCURRENTQUEUE
    queues.push_back({"cpp-moodycamel-BlockingConcurrentQueue", true, &w3::drive<ConcurrentQueue>});
#endif
#if CONCUR_BENCH_HAVE_READERWRITERQUEUE
    queues.push_back(
        {"cpp-moodycamel-BlockingReaderWriterQueue", false, &w3::drive<ReaderWriterQueue>});
    queues.push_back({"cpp-moodycamel-BlockingReaderWriterCircularBuffer", false,
                      &w3::drive<ReaderWriterCircularBuffer>});
#endif
    return w3::run(argc, argv, queues);
}

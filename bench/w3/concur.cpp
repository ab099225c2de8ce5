// W3 "queue", concur (bench/README.md): N uint64 through a bounded queue of
// 1024, shapes 1p1c and 2p2c.
//
// Systems:
//   concur-queue.Queue        concur::queue::Queue<uint64_t>(1024), blocking
//                             put/get with Python's semantics.
//   cpp-naive-mutex-cv-deque  the naive baseline (w3::NaiveBoundedQueue), in
//                             the same binary so that both are built with
//                             concur's targets alone.
#include <concur/queue.hpp>

#include "workload.hpp"

int main(int argc, char** argv) {
    return w3::run(argc, argv,
                   {{"concur-queue.Queue", true, &w3::drive<concur::queue::Queue<std::uint64_t>>},
                    {"cpp-naive-mutex-cv-deque", true, &w3::drive<w3::NaiveBoundedQueue>}});
}

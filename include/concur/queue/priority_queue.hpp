// concur/queue/priority_queue.hpp
// -----------------------------------------------------------------------------
// `concur::queue::PriorityQueue<T, Compare>` mirrors Python's
// `queue.PriorityQueue`: the *lowest* item (by `Compare`, std::less by
// default) is got first, as Python's heapq-based queue does. Note that this
// is the opposite of std::priority_queue, which pops the largest. Typical
// items are (priority, data) pairs or tuples, compared lexicographically as
// Python compares tuples. Equal items come out in unspecified order.
//
// Everything else is as Queue<T>. Elements whose moves may throw are stored
// behind pointers so a throwing move cannot break the heap. `Compare` must
// not throw (as for std::priority_queue, a throwing comparison leaves the
// heap's contents unspecified). Thread-safe.
//
// Example:
//
//   concur::queue::PriorityQueue<std::pair<int, std::string>> jobs;
//   jobs.put({2, "code"});
//   jobs.put({1, "eat"});
//   auto [priority, job] = jobs.get();      // 1, "eat"
#pragma once

#include <cstddef>
#include <functional>

#include <concur/queue/detail/queue_api.hpp>

namespace concur::queue {

template <class T, class Compare = std::less<T>>
class PriorityQueue
    : public concur::detail::ContainerQueue<T, concur::detail::HeapContainer<T, Compare>> {
    using Base = concur::detail::ContainerQueue<T, concur::detail::HeapContainer<T, Compare>>;

public:
    explicit PriorityQueue(std::ptrdiff_t maxsize = 0, Compare compare = Compare{})
        : Base(maxsize, concur::detail::HeapContainer<T, Compare>{{}, std::move(compare)}) {}
};

}  // namespace concur::queue

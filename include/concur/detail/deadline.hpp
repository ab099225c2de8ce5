// concur/detail/deadline.hpp -- private: Python timeouts as monotonic deadlines.
//
// Public members take any `std::chrono::duration`; internally every timed wait
// works on an absolute `steady_clock` deadline, so a wait that wakes up
// spuriously (or loops over a predicate) never extends its total time.
#pragma once

#include <chrono>
#include <string>

#include <concur/exceptions.hpp>

namespace concur::detail {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC on Linux
using Deadline = Clock::time_point;

// A deadline `timeout` from now, saturating instead of overflowing for huge
// timeouts (Python accepts `timeout=1e100`); a negative timeout is "now".
template <class Rep, class Period>
Deadline deadline_after(std::chrono::duration<Rep, Period> timeout) {
    using Seconds = std::chrono::duration<double>;
    const auto now = Clock::now();
    const Seconds wanted = timeout;
    if (wanted <= Seconds::zero()) return now;
    if (wanted >= Seconds(Deadline::max() - now)) return Deadline::max();
    return now + std::chrono::duration_cast<Clock::duration>(wanted);
}

// Python rejects negative timeouts where this is used (Lock.acquire,
// Queue.put/get): raise ValueError with Python's wording.
template <class Rep, class Period>
void require_non_negative(std::chrono::duration<Rep, Period> timeout, const char* what) {
    if (timeout < std::chrono::duration<Rep, Period>::zero())
        throw ValueError(std::string(what) + " must be a non-negative number");
}

}  // namespace concur::detail

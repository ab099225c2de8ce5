// Helpers shared by the queue unit tests (not a test file itself: only
// *_test.cpp files are compiled into concur_queue_tests).
//
// Timing rules (tests/support/eventually.hpp): a timed wait of T is checked
// against a lower bound just below T and a loose upper bound (kSlow). "Thread
// X is blocked" is established by waiting until X sleeps in futex(2) (where
// every concur primitive parks; tests/support/parking.hpp), never by a fixed
// sleep alone; a test stays correct even if X had not parked yet.
//
// Flavors: the typed suites run every behaviour on
//   Ring      queue::Queue<int>(maxsize)      the lock-free ring (maxsize 2..65536)
//   Locked    queue::Queue<Fragile>(maxsize)  Python's algorithm (T's move may throw)
//   Lifo      queue::LifoQueue<int>
//   Priority  queue::PriorityQueue<int>
// `Fragile` is an int whose copies/moves may throw (and do, on demand), which
// forces Queue<T> onto its locked implementation whatever the maxsize.
#pragma once

#include "../support/eventually.hpp"
#include "../support/parking.hpp"
#include "../support/sanitizers.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <concur/queue.hpp>

namespace concur_queue_test {

namespace queue = concur::queue;
using namespace std::chrono_literals;
using concur_test_support::Clock;
using concur_test_support::eventually;
using concur_test_support::kPatience;
using concur_test_support::kSlow;
using concur_test_support::Stopwatch;
using concur_test_support::this_native_id;
using concur_test_support::wait_until_parked;

// Divides the item counts of the concurrency tests: TSan runs them ~10x
// slower, ASan ~2x.
inline constexpr int kSlowdown = concur_test_support::kThreadSanitizer    ? 10
                                 : concur_test_support::kAddressSanitizer ? 2
                                                                          : 1;
inline constexpr int scaled(int count) {
    return std::max(1, count / kSlowdown);
}

// The timeout used by the timing tests, and the slack allowed below it
// (the deadline is taken on the same monotonic clock, so none is really
// needed; 1 ms covers rounding of the duration conversions).
inline constexpr auto kTimeout = std::chrono::milliseconds(80);
inline constexpr auto kRounding = std::chrono::milliseconds(1);

inline double ms(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

// Runs a callable on its own std::thread, records whether it finished and
// what it threw. Joined by the destructor.
class Background {
  public:
    template <class F>
    explicit Background(F f)
        : thread_([this, fn = std::move(f)]() mutable {
              tid_.store(this_native_id(), std::memory_order_release);
              try {
                  fn();
              } catch (...) {
                  error_ = std::current_exception();
              }
              done_.store(true, std::memory_order_release);
          }) {}
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;
    ~Background() {
        if (thread_.joinable()) thread_.join();
    }

    bool done() const { return done_.load(std::memory_order_acquire); }

    // Waits until the thread is blocked (see wait_until_parked); false if it
    // finished instead.
    bool parked() const {
        if (!eventually([this] { return tid_.load(std::memory_order_acquire) != 0; })) return false;
        return wait_until_parked(tid_.load(std::memory_order_acquire), [this] { return done(); });
    }

    // Waits (up to `patience`) for the thread to finish; true if it did.
    bool finishes(Clock::duration patience = kPatience) const {
        return eventually([this] { return done(); }, patience);
    }

    // Joins, then reports what the callable threw (null if nothing).
    std::exception_ptr join() {
        if (thread_.joinable()) thread_.join();
        return error_;
    }
    // Joins; true if the callable threw an E.
    template <class E>
    bool raised() {
        const std::exception_ptr error = join();
        if (!error) return false;
        try {
            std::rethrow_exception(error);
        } catch (const E&) {
            return true;
        } catch (...) {
            return false;
        }
    }
    // Joins; the message of what the callable threw, or "" if nothing.
    std::string failure() {
        const std::exception_ptr error = join();
        if (!error) return {};
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            return e.what();
        } catch (...) {
            return "unknown exception";
        }
    }

  private:
    std::atomic<std::uint64_t> tid_{0};
    std::atomic<bool> done_{false};
    std::exception_ptr error_;
    std::thread thread_;  // last: starts once the members above exist
};

// ---------------------------------------------------------------------------
// Item types
// ---------------------------------------------------------------------------

struct FragileError : std::runtime_error {
    FragileError() : std::runtime_error("Fragile: injected copy/move failure") {}
};

// An int whose copy and move operations are not noexcept, and throw on
// demand: `Fragile::fail_at(n)` makes the n-th copy/move performed from now on
// *by the calling thread* throw FragileError (before touching either object).
struct Fragile {
    static constexpr int kMovedFrom = -1'000'000;
    int value = 0;

    Fragile(int v = 0) noexcept : value(v) {}  // NOLINT: implicit, like the int it wraps
    Fragile(const Fragile& other) : value(other.value) { tick(); }
    Fragile(Fragile&& other) noexcept(false) : value(other.value) {
        tick();
        other.value = kMovedFrom;
    }
    Fragile& operator=(const Fragile& other) {
        tick();
        value = other.value;
        return *this;
    }
    Fragile& operator=(Fragile&& other) noexcept(false) {
        tick();
        value = other.value;
        other.value = kMovedFrom;
        return *this;
    }
    ~Fragile() = default;

    friend bool operator==(const Fragile& a, const Fragile& b) { return a.value == b.value; }
    friend std::strong_ordering operator<=>(const Fragile& a, const Fragile& b) {
        return a.value <=> b.value;
    }

    static void fail_at(int n) { countdown() = n; }
    static void disarm() { countdown() = 0; }
    // Whether the armed failure has not happened yet.
    static bool armed() { return countdown() > 0; }

  private:
    static int& countdown() {
        static thread_local int n = 0;
        return n;
    }
    static void tick() {
        int& n = countdown();
        if (n > 0 && --n == 0) throw FragileError();
    }
};
static_assert(!std::is_nothrow_move_constructible_v<Fragile>);

// Disarms Fragile failures at scope exit (so a failed assertion can't leak an
// armed failure into the next test).
struct FragileGuard {
    FragileGuard() = default;
    FragileGuard(const FragileGuard&) = delete;
    FragileGuard& operator=(const FragileGuard&) = delete;
    ~FragileGuard() { Fragile::disarm(); }
};

// ---------------------------------------------------------------------------
// Flavors for the typed suites
// ---------------------------------------------------------------------------

template <class Q>
std::unique_ptr<Q> make_queue(std::ptrdiff_t maxsize) {
    return std::make_unique<Q>(maxsize);
}

struct RingFlavor {
    static constexpr const char* kName = "Ring";
    using Item = int;
    using Q = queue::Queue<int>;
    // Always bounded: an unbounded Queue<int> would be the locked one.
    static std::unique_ptr<Q> make(std::ptrdiff_t maxsize) { return make_queue<Q>(maxsize); }
    static std::unique_ptr<Q> make_roomy() { return make(4096); }
    static Item item(int v) { return v; }
    static int value(const Item& item) { return item; }
    static std::vector<int> order(std::vector<int> put) { return put; }
};

struct LockedFlavor {
    static constexpr const char* kName = "Locked";
    using Item = Fragile;
    using Q = queue::Queue<Fragile>;
    static std::unique_ptr<Q> make(std::ptrdiff_t maxsize) { return make_queue<Q>(maxsize); }
    static std::unique_ptr<Q> make_roomy() { return make(0); }
    static Item item(int v) { return Fragile(v); }
    static int value(const Item& item) { return item.value; }
    static std::vector<int> order(std::vector<int> put) { return put; }
};

struct LifoFlavor {
    static constexpr const char* kName = "Lifo";
    using Item = int;
    using Q = queue::LifoQueue<int>;
    static std::unique_ptr<Q> make(std::ptrdiff_t maxsize) { return make_queue<Q>(maxsize); }
    static std::unique_ptr<Q> make_roomy() { return make(0); }
    static Item item(int v) { return v; }
    static int value(const Item& item) { return item; }
    static std::vector<int> order(std::vector<int> put) {
        std::reverse(put.begin(), put.end());
        return put;
    }
};

struct LifoFragileFlavor : LifoFlavor {
    static constexpr const char* kName = "LifoFragile";
    using Item = Fragile;
    using Q = queue::LifoQueue<Fragile>;
    static std::unique_ptr<Q> make(std::ptrdiff_t maxsize) { return make_queue<Q>(maxsize); }
    static std::unique_ptr<Q> make_roomy() { return make(0); }
    static Item item(int v) { return Fragile(v); }
    static int value(const Item& item) { return item.value; }
};

struct PriorityFlavor {
    static constexpr const char* kName = "Priority";
    using Item = int;
    using Q = queue::PriorityQueue<int>;
    static std::unique_ptr<Q> make(std::ptrdiff_t maxsize) { return make_queue<Q>(maxsize); }
    static std::unique_ptr<Q> make_roomy() { return make(0); }
    static Item item(int v) { return v; }
    static int value(const Item& item) { return item; }
    static std::vector<int> order(std::vector<int> put) {
        std::sort(put.begin(), put.end());
        return put;
    }
};

struct PriorityFragileFlavor : PriorityFlavor {
    static constexpr const char* kName = "PriorityFragile";
    using Item = Fragile;
    using Q = queue::PriorityQueue<Fragile>;
    static std::unique_ptr<Q> make(std::ptrdiff_t maxsize) { return make_queue<Q>(maxsize); }
    static std::unique_ptr<Q> make_roomy() { return make(0); }
    static Item item(int v) { return Fragile(v); }
    static int value(const Item& item) { return item.value; }
};

// gtest's name generator for the typed suites: "Ring", "Locked", ...
struct FlavorName {
    template <class F>
    static std::string GetName(int) {
        return F::kName;
    }
};

// Gets everything currently in `q` without blocking, as ints.
template <class F>
std::vector<int> drain_values(typename F::Q& q) {
    std::vector<int> out;
    for (;;) {
        try {
            out.push_back(F::value(q.get_nowait()));
        } catch (const queue::Empty&) {
            return out;
        } catch (const queue::ShutDown&) {
            return out;
        }
    }
}

// CPython's BlockingTestMixin.do_blocking_test: runs `block` on this thread
// while a helper thread waits until this one is parked, then runs `trigger`
// (which must unblock it). Fails the test if `block` returned before the
// trigger ran, i.e. if it did not block.
template <class Block, class Trigger>
void do_blocking_test(Block block, Trigger trigger) {
    const std::uint64_t self = this_native_id();
    std::atomic<bool> returned{false};
    std::atomic<bool> triggered{false};
    Background helper([&] {
        wait_until_parked(self, [&] { return returned.load(); });
        triggered.store(true);
        trigger();
    });
    block();
    returned.store(true);
    EXPECT_TRUE(triggered.load()) << "blocking function appeared not to block";
    EXPECT_EQ(helper.failure(), "");
}

// Whether q.join() returns (run on a helper thread). If it doesn't within
// `patience`, calls task_done() until ValueError so the helper can end.
template <class Q>
bool joins(Q& q, Clock::duration patience = kPatience) {
    Background joiner([&] { q.join(); });
    if (joiner.finishes(patience)) return joiner.failure().empty();
    try {
        for (;;) q.task_done();
    } catch (const concur::ValueError&) {
    }
    return false;
}

// Waits for `t` to finish; if it doesn't, shuts `q` down immediately so that
// a thread stuck in put/get wakes up and the test can end (and fail).
template <class Q>
bool settles(Background& t, Q& q, Clock::duration patience = kPatience) {
    if (t.finishes(patience)) return true;
    q.shutdown(true);
    return false;
}

}  // namespace concur_queue_test

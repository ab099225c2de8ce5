// Tests for concur::threading::local<T> (Python's threading.local).
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <concur/threading.hpp>

#include "test_support.hpp"

namespace threading = concur::threading;
using namespace concur_test;

namespace {

// Counts its constructions and destructions (copies included).
struct Tracked {
    static inline std::atomic<int> alive{0};
    static inline std::atomic<int> constructed{0};
    static inline std::atomic<int> destroyed{0};
    static void reset_counts() {
        alive = 0;
        constructed = 0;
        destroyed = 0;
    }

    Tracked() { on_construct(); }
    explicit Tracked(int v) : value(v) { on_construct(); }
    Tracked(const Tracked& other) : value(other.value) { on_construct(); }
    Tracked& operator=(const Tracked&) = default;
    ~Tracked() {
        --alive;
        ++destroyed;
    }

    int value = 0;

  private:
    static void on_construct() {
        ++alive;
        ++constructed;
    }
};

struct Data {
    int x = 0;
    std::string name;
};

}  // namespace

TEST(Local, ValuesArePerThread) {
    // CPython: test_threading_local.BaseLocalTest.test_local_refs (per-thread values)
    threading::local<Data> mydata;
    mydata->x = 1;
    mydata->name = "main";
    std::atomic<int> seen_x{-1};
    std::string seen_name = "unset";
    threading::Thread t([&] {
        seen_x = mydata->x;  // a fresh, value-initialised Data
        seen_name = mydata->name;
        mydata->x = 2;
        mydata->name = "thread";
    });
    t.start();
    t.join();
    EXPECT_EQ(seen_x.load(), 0);
    EXPECT_EQ(seen_name, "");
    EXPECT_EQ(mydata->x, 1);
    EXPECT_EQ(mydata->name, "main");
}

TEST(Local, AccessorsReturnTheSameObject) {
    threading::local<int> value;
    EXPECT_EQ(&value.get(), &*value);
    EXPECT_EQ(value.operator->(), &value.get());
    *value = 5;
    EXPECT_EQ(value.get(), 5);
}

TEST(Local, ScalarIsValueInitialised) {
    threading::local<long> counter;
    EXPECT_EQ(*counter, 0);
    std::atomic<long> in_thread{-1};
    threading::Thread t([&] { in_thread = *counter; });
    t.start();
    t.join();
    EXPECT_EQ(in_thread.load(), 0);
}

TEST(Local, InitialValueIsCopiedIntoEachThread) {
    threading::local<std::vector<int>> values(std::vector<int>{1, 2, 3});
    values->push_back(4);
    constexpr int kThreads = 4;
    std::vector<std::vector<int>> seen(kThreads);
    std::vector<std::unique_ptr<threading::Thread>> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.push_back(std::make_unique<threading::Thread>([&, i] {
            seen[i] = *values;  // a copy of the initial value, not main's
            values->push_back(10 + i);
            seen[i].push_back(values->back());
        }));
        threads.back()->start();
    }
    for (auto& t : threads) t->join();
    for (int i = 0; i < kThreads; ++i) EXPECT_EQ(seen[i], (std::vector<int>{1, 2, 3, 10 + i}));
    EXPECT_EQ(*values, (std::vector<int>{1, 2, 3, 4}));
}

TEST(Local, ValueIsCreatedOnFirstAccessOnly) {
    Tracked::reset_counts();
    {
        threading::local<Tracked> local;
        EXPECT_EQ(Tracked::constructed.load(), 0);
        threading::Thread untouched([] {});
        untouched.start();
        untouched.join();
        EXPECT_EQ(Tracked::constructed.load(), 0);
        local->value = 1;
        local->value = 2;
        EXPECT_EQ(Tracked::constructed.load(), 1);
    }
    EXPECT_EQ(Tracked::alive.load(), 0);
}

TEST(Local, ValuesAreDestroyedAtThreadExit) {
    // CPython: test_threading_local.BaseLocalTest.test_local_refs
    Tracked::reset_counts();
    threading::local<Tracked> local{Tracked(7)};
    ASSERT_EQ(Tracked::alive.load(), 1);  // the initial value kept by the local
    const int destroyed_before = Tracked::destroyed.load();
    constexpr int kThreads = 5;
    std::atomic<int> sum{0};
    for (int i = 0; i < kThreads; ++i) {
        threading::Thread t([&] { sum += local->value; });
        t.start();
        t.join();
        // join() returns once the thread has ended, its values included.
        EXPECT_EQ(Tracked::alive.load(), 1) << "after thread " << i;
        EXPECT_EQ(Tracked::destroyed.load(), destroyed_before + i + 1) << "after thread " << i;
    }
    EXPECT_EQ(sum.load(), 7 * kThreads);
}

TEST(Local, ValuesAreDestroyedBeforeJoinReturnsEvenAfterAnException) {
    Tracked::reset_counts();
    threading::local<Tracked> local;
    ScopedExcepthook quiet([](const threading::ExceptHookArgs&) {});
    for (int i = 0; i < 20; ++i) {
        threading::Thread t([&] {
            local->value = 1;
            throw std::runtime_error("fails with a live local value");
        });
        t.start();
        t.join();
        ASSERT_EQ(Tracked::alive.load(), 0) << "iteration " << i;
    }
}

namespace {

// A value whose destructor reads this thread's value of another local.
struct Logger {
    threading::local<Tracked>* counter = nullptr;
    std::atomic<int>* total = nullptr;
    ~Logger() {
        if (counter && total) *total += (*counter)->value;
    }
};

template <bool kLoggerFirst>
void check_destructor_using_another_local() {
    Tracked::reset_counts();
    std::atomic<int> total{0};
    auto a = std::make_unique<threading::local<Tracked>>();
    auto b = std::make_unique<threading::local<Logger>>();
    // Destroy the locals in either order relative to their creation.
    auto& counter = *a;
    auto& logger = *b;
    threading::Thread t([&] {
        if (kLoggerFirst) logger->total = &total;
        counter->value = 5;
        logger->counter = &counter;
        logger->total = &total;
    });
    t.start();
    t.join();
    // The Logger saw either the thread's value (5) or a fresh one its own
    // destructor created (0); either way every value is gone by join().
    EXPECT_TRUE(total.load() == 5 || total.load() == 0) << total.load();
    EXPECT_EQ(Tracked::alive.load(), 0);
    EXPECT_EQ(Tracked::constructed.load(), Tracked::destroyed.load());
}

}  // namespace

TEST(Local, ValueDestructorMayUseAnotherLocal) {
    // A value's destructor that touches another local must neither crash, nor
    // leak, nor leave a dangling value behind, whatever the release order.
    check_destructor_using_another_local<false>();
    check_destructor_using_another_local<true>();
}

TEST(Local, ValuesAreDestroyedAtExitOfForeignThreads) {
    Tracked::reset_counts();
    threading::local<Tracked> local;
    std::thread t([&] { local->value = 3; });
    t.join();  // std::thread::join waits for thread_local destruction
    EXPECT_EQ(Tracked::constructed.load(), 1);
    EXPECT_EQ(Tracked::alive.load(), 0);
}

TEST(Local, ValuesAreDestroyedWhenTheLocalIsDestroyed) {
    Tracked::reset_counts();
    auto local = std::make_unique<threading::local<Tracked>>();
    constexpr int kThreads = 4;
    threading::Event touched_all, release;
    std::atomic<int> touched{0};
    std::vector<std::unique_ptr<threading::Thread>> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.push_back(std::make_unique<threading::Thread>([&, i] {
            (*local)->value = i;
            if (++touched == kThreads) touched_all.set();
            release.wait();
        }));
        threads.back()->start();
    }
    (*local)->value = 100;
    ASSERT_TRUE(touched_all.wait(std::chrono::seconds(60)));
    EXPECT_EQ(Tracked::alive.load(), kThreads + 1);
    local.reset();  // the threads are still running
    EXPECT_EQ(Tracked::alive.load(), 0);
    EXPECT_EQ(Tracked::destroyed.load(), kThreads + 1);
    release.set();
    for (auto& t : threads) t->join();
    // Thread exit finds the local gone: nothing is destroyed twice.
    EXPECT_EQ(Tracked::destroyed.load(), kThreads + 1);
    EXPECT_EQ(Tracked::alive.load(), 0);
}

TEST(Local, IndependentLocalsInOneThread) {
    threading::local<int> a, b;
    *a = 1;
    *b = 2;
    EXPECT_EQ(*a, 1);
    EXPECT_EQ(*b, 2);
    std::atomic<int> seen{-1};
    threading::Thread t([&] {
        *b = 20;
        seen = *a + *b;
    });
    t.start();
    t.join();
    EXPECT_EQ(seen.load(), 20);
    EXPECT_EQ(*b, 2);
}

TEST(Local, ManyShortLivedLocals) {
    // Creating and destroying many locals in one thread (the per-thread table
    // drops entries of destroyed locals) keeps every value separate.
    Tracked::reset_counts();
    for (int i = 0; i < 300; ++i) {
        threading::local<Tracked> local{Tracked(i)};
        EXPECT_EQ(local->value, i);
        local->value = -i;
        EXPECT_EQ(local->value, -i);
    }
    EXPECT_EQ(Tracked::alive.load(), 0);
    // And from another thread too.
    threading::Thread t([] {
        for (int i = 0; i < 300; ++i) {
            threading::local<int> local(i);
            if (*local != i) ADD_FAILURE() << "wrong value " << *local << " for " << i;
        }
    });
    t.start();
    t.join();
}

TEST(Local, ManyLiveLocalsInManyThreads) {
    constexpr int kLocals = 100, kThreads = 4;
    std::vector<std::unique_ptr<threading::local<int>>> locals;
    for (int i = 0; i < kLocals; ++i) locals.push_back(std::make_unique<threading::local<int>>(i));
    std::atomic<int> errors{0};
    std::vector<std::unique_ptr<threading::Thread>> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.push_back(std::make_unique<threading::Thread>([&, t] {
            for (int i = 0; i < kLocals; ++i) **locals[i] += 1000 * (t + 1);
            for (int i = 0; i < kLocals; ++i)
                if (**locals[i] != i + 1000 * (t + 1)) ++errors;
        }));
        threads.back()->start();
    }
    for (auto& t : threads) t->join();
    EXPECT_EQ(errors.load(), 0);
    for (int i = 0; i < kLocals; ++i) EXPECT_EQ(**locals[i], i);
}

TEST(Local, StartNewThreadValuesAreDestroyedAtExit) {
    Tracked::reset_counts();
    threading::local<Tracked> local;
    std::atomic<std::uint64_t> native{0};
    threading::Event touched;
    threading::start_new_thread([&] {
        local->value = 1;
        native = threading::get_native_id();
        touched.set();
    });
    ASSERT_TRUE(touched.wait(std::chrono::seconds(60)));
    ASSERT_TRUE(wait_until_thread_exits(native.load()));
    EXPECT_TRUE(eventually([] { return Tracked::alive.load() == 0; }));
}

// Lifetime: the thread released by a primitive may destroy it at once, while
// the releasing thread is still returning from release() / set() -- as a
// std::mutex may be destroyed once unlocked. Every primitive wakes sleepers by
// the word's address only, after its last access (detail/waiter.hpp); these
// loops would make ThreadSanitizer or AddressSanitizer report a
// use-after-free otherwise. No CPython counterpart: Python's objects are
// garbage-collected.
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include <concur/threading.hpp>

namespace {

namespace threading = concur::threading;

constexpr int kRounds = 2000;

TEST(LockLifetime, AcquirerDestroysLockRightAfterRelease) {
    for (int round = 0; round < kRounds; ++round) {
        auto lock = std::make_unique<threading::Lock>();
        lock->acquire();
        auto* raw = lock.get();
        std::thread releaser([raw] { raw->release(); });  // a Lock has no owner
        lock->acquire();  // blocks until the other thread released it
        lock->release();
        lock.reset();
        releaser.join();
    }
}

TEST(SemaphoreLifetime, AcquirerDestroysSemaphoreRightAfterRelease) {
    for (int round = 0; round < kRounds; ++round) {
        auto sem = std::make_unique<threading::Semaphore>(0);
        auto* raw = sem.get();
        std::thread releaser([raw] { raw->release(); });
        sem->acquire();
        sem.reset();
        releaser.join();
    }
}

TEST(BoundedSemaphoreLifetime, AcquirerDestroysSemaphoreRightAfterRelease) {
    for (int round = 0; round < kRounds; ++round) {
        auto sem = std::make_unique<threading::BoundedSemaphore>(1);
        sem->acquire();
        auto* raw = sem.get();
        std::thread releaser([raw] { raw->release(); });
        sem->acquire();
        sem.reset();
        releaser.join();
    }
}

TEST(EventLifetime, WaiterDestroysEventRightAfterSet) {
    for (int round = 0; round < kRounds; ++round) {
        auto event = std::make_unique<threading::Event>();
        auto* raw = event.get();
        std::thread setter([raw] { raw->set(); });
        EXPECT_TRUE(event->wait());
        event.reset();
        setter.join();
    }
}

TEST(ConditionLifetime, WaiterDestroysConditionAfterNotify) {
    for (int round = 0; round < kRounds / 4; ++round) {
        auto cond = std::make_unique<threading::Condition>();
        bool ready = false;
        auto* raw = cond.get();
        std::thread notifier([raw, &ready] {
            std::lock_guard hold(*raw);
            ready = true;
            raw->notify();
        });
        {
            std::unique_lock hold(*cond);
            cond->wait_for([&] { return ready; });
        }
        cond.reset();
        notifier.join();
    }
}

}  // namespace

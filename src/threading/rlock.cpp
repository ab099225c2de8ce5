// src/threading/rlock.cpp -- RLock's release and the save/restore Condition::wait uses.
#include <concur/threading/rlock.hpp>

namespace concur::threading {

void RLock::release() {
    if (!is_owned()) throw RuntimeError("cannot release un-acquired lock");
    if (--count_ == 0) {
        owner_.store(0, std::memory_order_relaxed);
        lock_.release();
    }
}

RLock::Saved RLock::release_save() {
    if (!is_owned()) throw RuntimeError("cannot release un-acquired lock");
    Saved saved{owner_.load(std::memory_order_relaxed), count_};
    count_ = 0;
    owner_.store(0, std::memory_order_relaxed);
    lock_.release();
    return saved;
}

void RLock::acquire_restore(Saved saved) {
    lock_.acquire();
    owner_.store(saved.owner, std::memory_order_relaxed);
    count_ = saved.count;
}

}  // namespace concur::threading

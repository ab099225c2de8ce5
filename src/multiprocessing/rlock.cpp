// RLock's release and the save/restore Condition::wait uses.
#include <concur/multiprocessing/rlock.hpp>

namespace concur::multiprocessing {

namespace {
constexpr const char* kNotOwned = "attempt to release recursive lock not owned by thread";
}

void RLock::release() {
    if (!is_owned()) throw RuntimeError(kNotOwned);
    detail::RLockState& s = state();
    if (--s.count == 0) {
        s.owner_thread.store(0, std::memory_order_relaxed);
        s.word.release();
    }
}

std::uint32_t RLock::release_save() {
    if (!is_owned()) throw RuntimeError(kNotOwned);
    detail::RLockState& s = state();
    const std::uint32_t count = s.count;
    s.count = 0;
    s.owner_thread.store(0, std::memory_order_relaxed);
    s.word.release();
    return count;
}

void RLock::acquire_restore(std::uint32_t count) {
    state().word.acquire(nullptr);
    take_ownership(count);
}

}  // namespace concur::multiprocessing

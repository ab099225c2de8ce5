// concur/threading/detail/thread_state.hpp -- private: what a ThreadRef shares.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include <concur/threading/thread.hpp>

namespace concur::detail {

enum class Phase : int { initial = 0, started = 1, stopped = 2 };

struct ThreadState {
    mutable std::mutex mutex;  // guards name and class_name
    std::string name;
    std::string class_name = "Thread";  // for repr: Thread, Timer, _MainThread, ...

    std::atomic<bool> daemon{false};
    std::atomic<Phase> phase{Phase::initial};
    std::atomic<std::uint64_t> ident{0};
    std::atomic<std::uint64_t> native_id{0};
    // Futex words. running: 0 -> 1 once the new thread has its identity
    // (start() waits on it). finished: 0 -> 1 once run() has ended (joiners
    // wait on it). Both are set with release and read with acquire.
    std::atomic<std::uint32_t> running{0};
    std::atomic<std::uint32_t> finished{0};

    bool dummy = false;
    bool main = false;
    Task target;  // moved out and run by the new thread
};

}  // namespace concur::detail

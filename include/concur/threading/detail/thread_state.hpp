// concur/threading/detail/thread_state.hpp -- private: what a ThreadRef shares.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include <concur/detail/event_word.hpp>
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
    // One-shot events (one futex word each, detail/event_word.hpp): running
    // is set once the new thread has its identity (start() waits on it),
    // finished once run() has ended (joiners wait on it).
    concur::detail::EventWord<concur::detail::WordScope::process_local> running;
    concur::detail::EventWord<concur::detail::WordScope::process_local> finished;

    bool dummy = false;
    bool main = false;
    Task target;  // moved out and run by the new thread
};

// The internals' way to hand out a ThreadRef for a state (ThreadRef's
// constructor from a state is private).
struct ThreadRefAccess {
    static threading::ThreadRef make(std::shared_ptr<ThreadState> state) noexcept {
        return threading::ThreadRef(std::move(state));
    }
};

// For thread pools: starts a Thread without waiting until it runs, so that
// several threads start up side by side (the thread is "started" at once:
// join() and is_alive() behave as after start()).
struct ThreadStartAccess {
    static void launch(threading::Thread& thread) { thread.launch(); }
};

}  // namespace concur::detail

// concur/threading/local.hpp
// -----------------------------------------------------------------------------
// `concur::threading::local<T>` mirrors Python's `threading.local()`: one
// object, a separate value of T in every thread that touches it. Each
// thread's value is created on its first access (value-initialised, or a copy
// of the initial value given to the constructor, as a Python local subclass's
// __init__ runs again in each thread), and destroyed when that thread exits
// or when the local itself is destroyed, whichever comes first. A Thread's
// values are destroyed as its run() ends, before join() returns.
//
// Python's attribute access (`mydata.x`) becomes `mydata->x` or `*mydata`.
// Access from any thread is safe and, after the first one, lock-free (one
// lookup in a thread-local table). Destroying the local while other threads
// still use it is a data race, as destroying any shared object is.
//
// Example:
//
//   struct Data { int x = 0; };
//   threading::local<Data> mydata;
//   mydata->x = 1;                         // this thread's x
//   threading::Thread t([&] { threading::print(mydata->x); });   // prints 0
//   t.start(); t.join();
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace concur::detail {

// Shared by one local<T> and the per-thread tables that cache its values.
struct LocalControl {
    std::mutex mutex;
    std::unordered_map<std::uint64_t, std::shared_ptr<void>> values;  // by thread serial
    std::uint64_t id = 0;
};

// The calling thread's value of `control`, or null.
void* local_lookup(std::uint64_t local_id) noexcept;
// Stores the calling thread's new value (kept alive by `control`).
void local_insert(const std::shared_ptr<LocalControl>& control, std::shared_ptr<void> value);
std::uint64_t next_local_id() noexcept;
// Destroys the calling thread's values in every local that still exists. The
// thread runner calls it before the thread counts as ended, so that join()
// returns after them; other threads' values go with their thread_local storage.
void local_thread_exit() noexcept;

}  // namespace concur::detail

namespace concur::threading {

template <class T>
class local {
public:
    local() : make_([] { return std::make_shared<T>(); }) {}
    explicit local(T initial)
        : make_([initial = std::move(initial)] { return std::make_shared<T>(initial); }) {}
    local(const local&) = delete;
    local& operator=(const local&) = delete;

    // This thread's value, created on first use.
    T& get() {
        if (void* value = concur::detail::local_lookup(control_->id)) return *static_cast<T*>(value);
        std::shared_ptr<T> value = make_();
        T& ref = *value;
        concur::detail::local_insert(control_, std::move(value));
        return ref;
    }
    T& operator*() { return get(); }
    T* operator->() { return &get(); }

private:
    std::shared_ptr<concur::detail::LocalControl> control_ = [] {
        auto control = std::make_shared<concur::detail::LocalControl>();
        control->id = concur::detail::next_local_id();
        return control;
    }();
    std::function<std::shared_ptr<T>()> make_;
};

}  // namespace concur::threading

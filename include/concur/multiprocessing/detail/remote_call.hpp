// concur/multiprocessing/detail/remote_call.hpp -- private: a call in the
// form another process of the same program can run.
//
// The bytes of a call are the FunctionId of an entry point instantiated for
// the target's exact type and argument types, the FunctionId of the target,
// then the serialised arguments. The receiver resolves both ids, and the entry
// deserialises the arguments, calls the target and serialises its result.
// Pool and ProcessPoolExecutor (through futures::Executor) send their tasks
// this way; Process's spawn payload names its entry the same way.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <concur/multiprocessing/detail/function_id.hpp>
#include <concur/multiprocessing/detail/wire.hpp>

namespace concur::multiprocessing::detail {

// The function pointer a target converts to, or void when it does not.
template <class D>
auto as_function_pointer() {
    if constexpr (std::is_pointer_v<D> && std::is_function_v<std::remove_pointer_t<D>>) {
        return static_cast<D>(nullptr);
    } else if constexpr (std::is_class_v<D> && std::is_empty_v<D> && requires(D d) { +d; }) {
        using P = decltype(+std::declval<D>());
        if constexpr (std::is_pointer_v<P> && std::is_function_v<std::remove_pointer_t<P>>)
            return static_cast<P>(nullptr);
    }
}

// What a worker calls: deserialises the arguments from `in`, calls `target`,
// appends the serialised result to `out`.
using PoolEntry = void (*)(void* target, std::span<const std::byte>& in, Bytes& out);

template <class R>
void dump_result(Bytes& out, const R& value) {
    if constexpr (!std::is_void_v<R>) dump(out, value);
}

// One call: f(args...).
template <class Fp, class R, class... A>
void pool_call_entry(void* target, std::span<const std::byte>& in, Bytes& out) {
    auto* fn = reinterpret_cast<Fp>(target);
    std::tuple<A...> args{load<A>(in)...};  // braced: left to right
    if constexpr (std::is_void_v<R>) {
        std::apply(fn, std::move(args));
    } else {
        dump(out, std::apply(fn, std::move(args)));
    }
}

// A chunk of map(): a vector of items, one call each, a vector of results.
template <class Fp, class R, class T>
void pool_map_entry(void* target, std::span<const std::byte>& in, Bytes& out) {
    auto* fn = reinterpret_cast<Fp>(target);
    const auto items = load<std::vector<T>>(in);
    std::vector<R> results;
    results.reserve(items.size());
    for (const T& item : items) results.push_back(fn(item));
    dump(out, results);
}

// A chunk of starmap(): each item a tuple of arguments.
template <class Fp, class R, class Tuple>
void pool_starmap_entry(void* target, std::span<const std::byte>& in, Bytes& out) {
    auto* fn = reinterpret_cast<Fp>(target);
    auto items = load<std::vector<Tuple>>(in);
    std::vector<R> results;
    results.reserve(items.size());
    for (auto& item : items) results.push_back(std::apply(fn, std::move(item)));
    dump(out, results);
}

// The bytes of a call of `entry` on `target` (the arguments are appended by
// the caller).
template <class Fp>
Bytes call_header(PoolEntry entry, Fp target) {
    Bytes out;
    dump(out, function_id(reinterpret_cast<const void*>(entry)));
    dump(out, function_id(reinterpret_cast<const void*>(target)));
    return out;
}

// A call on its way to a worker, and what to do with its outcome. The
// callbacks run on the pool's handler thread.
struct PoolTask {
    Bytes call;                                                 // entry id, target id, arguments
    std::function<void(std::span<const std::byte>)> on_result;  // the result's bytes
    std::function<void(std::exception_ptr)> on_error;
    // Called when a worker takes the task; false: it was cancelled meanwhile
    // (then it is dropped). Empty: always runs.
    std::function<bool()> on_start = {};
    // Called for a task dropped unrun by cancel_pending().
    std::function<void()> on_cancel = {};
};

}  // namespace concur::multiprocessing::detail

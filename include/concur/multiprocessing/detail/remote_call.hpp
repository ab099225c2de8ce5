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

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <ranges>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <concur/multiprocessing/detail/function_id.hpp>
#include <concur/multiprocessing/detail/unshared_buffer.hpp>
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
// Numbers (wire_impl::kContiguous vectors) are read from the request and
// written to the reply in place -- the bytes dump() would make -- without a
// vector of items or of results in between.
template <class Fp, class R, class T>
void pool_map_entry(void* target, std::span<const std::byte>& in, Bytes& out) {
    auto* fn = reinterpret_cast<Fp>(target);
    if constexpr (wire_impl::kContiguous<std::vector<T>> &&
                  wire_impl::kContiguous<std::vector<R>>) {
        std::span<const std::byte> rest;
        const std::uint64_t count = wire_impl::contiguous_count<T>(in, rest);
        const std::size_t at = out.size();
        grow_for_writing(out, at + sizeof count + count * sizeof(R));
        std::memcpy(out.data() + at, &count, sizeof count);
        const std::byte* from = rest.data();
        std::byte* to = out.data() + at + sizeof count;
        for (std::size_t i = 0; i < count; ++i) {
            T item;
            std::memcpy(&item, from + i * sizeof(T), sizeof(T));
            const R result = fn(item);
            std::memcpy(to + i * sizeof(R), &result, sizeof(R));
        }
        in = rest.subspan(count * sizeof(T));
    } else {
        const auto items = load<std::vector<T>>(in);
        std::vector<R> results;
        results.reserve(items.size());
        for (const T& item : items) results.push_back(fn(item));
        dump(out, results);
    }
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

// The bytes of one call: its own, or a slice of a buffer that the calls of
// one map() share (encode_chunks()).
class CallBytes {
  public:
    CallBytes() = default;
    CallBytes(Bytes bytes)  // NOLINT: implicit -- a call's own bytes
        : owner_(std::make_shared<const Bytes>(std::move(bytes))),
          view_(*static_cast<const Bytes*>(owner_.get())) {}
    CallBytes(std::shared_ptr<const void> owner, std::span<const std::byte> view)
        : owner_(std::move(owner)), view_(view) {}
    std::span<const std::byte> view() const noexcept { return view_; }

  private:
    std::shared_ptr<const void> owner_;
    std::span<const std::byte> view_;
};

// The calls of a map()'s chunks: `entry` on `target` for each run of
// `chunksize` items, encoded back to back in one buffer they share -- for
// numbers an UnsharedBuffer (kept from map to map, never copy-on-write with
// forked workers). Chunk k holds items [bounds[k], bounds[k + 1]).
struct ChunkCalls {
    std::vector<CallBytes> calls;
    std::vector<std::size_t> bounds;  // calls.size() + 1 entries
};

// `items` holds `n` items; each converts to T. Numbers (kContiguous vectors)
// are written in place; other types are gathered into a vector per chunk
// and dump()ed.
template <class T, class Fp, class Range>
ChunkCalls encode_chunks(PoolEntry entry, Fp target, Range&& items, std::size_t n,
                         std::size_t chunksize) {
    const Bytes header = call_header(entry, target);
    const std::size_t chunks = n == 0 ? 0 : (n - 1) / chunksize + 1;
    ChunkCalls out;
    out.bounds.reserve(chunks + 1);
    for (std::size_t k = 0; k < chunks; ++k) out.bounds.push_back(k * chunksize);
    out.bounds.push_back(n);
    std::vector<std::size_t> offsets;  // of each call in the buffer, then its end
    offsets.reserve(chunks + 1);
    std::shared_ptr<const void> owner;
    const std::byte* base = nullptr;
    auto item = std::ranges::begin(items);
    if constexpr (wire_impl::kContiguous<std::vector<T>>) {
        auto buffer = shared_unshared_buffer();
        const std::size_t total = chunks * (header.size() + sizeof(std::uint64_t)) + n * sizeof(T);
        std::byte* at = buffer->resize(total).data();
        base = at;
        for (std::size_t k = 0; k < chunks; ++k) {
            offsets.push_back(static_cast<std::size_t>(at - base));
            const std::uint64_t count = out.bounds[k + 1] - out.bounds[k];
            std::memcpy(at, header.data(), header.size());
            std::memcpy(at += header.size(), &count, sizeof count);
            at += sizeof count;
            for (std::uint64_t i = 0; i < count; ++i, ++item, at += sizeof(T)) {
                const T value = static_cast<T>(*item);
                std::memcpy(at, &value, sizeof(T));
            }
        }
        offsets.push_back(total);
        owner = std::move(buffer);
    } else {
        auto buffer = std::make_shared<Bytes>();
        std::vector<T> part;
        part.reserve(std::min(chunksize, n));
        for (std::size_t k = 0; k < chunks; ++k) {
            for (std::size_t i = out.bounds[k]; i < out.bounds[k + 1]; ++i, ++item)
                part.push_back(static_cast<T>(*item));
            offsets.push_back(buffer->size());
            buffer->insert(buffer->end(), header.begin(), header.end());
            dump(*buffer, part);
            part.clear();
        }
        offsets.push_back(buffer->size());
        base = buffer->data();
        owner = std::move(buffer);
    }
    out.calls.reserve(chunks);
    for (std::size_t k = 0; k < chunks; ++k)
        out.calls.emplace_back(
            owner, std::span<const std::byte>(base + offsets[k], offsets[k + 1] - offsets[k]));
    return out;
}

// A call on its way to a worker, and what to do with its outcome. The
// callbacks run on the pool's handler thread.
struct PoolTask {
    CallBytes call;                                             // entry id, target id, arguments
    std::function<void(std::span<const std::byte>)> on_result;  // the result's bytes
    std::function<void(std::exception_ptr)> on_error;
    // Called when a worker takes the task; false: it was cancelled meanwhile
    // (then it is dropped). Empty: always runs.
    std::function<bool()> on_start = {};
    // Called for a task dropped unrun by cancel_pending().
    std::function<void()> on_cancel = {};
};

}  // namespace concur::multiprocessing::detail

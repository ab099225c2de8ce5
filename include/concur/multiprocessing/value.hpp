// concur/multiprocessing/value.hpp
// -----------------------------------------------------------------------------
// `concur::multiprocessing::Value<T>` mirrors Python's
// `multiprocessing.Value(typecode, value, lock=True)`: one T in shared memory,
// guarded by its own RLock. T must be trivially copyable (Python's ctypes
// types; here any such struct too). A *handle*: copies refer to the same
// value; pass it by value to a fork()ed child or serialise it for a "spawn"
// child (save/load inside detail::FdSendScope / FdReceiveScope).
//
//   value()      reads the value (Python's `.value`); never blocks.
//   value(x)     writes it; never blocks.
//   get_lock()   the RLock that guards it, usable with std::lock_guard.
//
// As in Python, value() and value(x) do NOT take the lock: each is one read or
// one write, so `v.value(v.value() + 1)` in two processes loses updates (as
// `v.value += 1` does in Python). Hold the lock for read-modify-write:
//
//   mp::Value<long> counter(0);
//   {
//       std::lock_guard guard(counter.get_lock());
//       counter.value(counter.value() + 1);
//   }
//
// `Value<T>(x, mp::lock_free)` is Python's `lock=False`: no lock; Python then
// returns a raw ctypes object without get_lock(), here get_lock() raises
// RuntimeError. Python's `lock=<existing lock>` is not offered.
//
// Memory ordering: when std::atomic_ref<T> is always lock-free (ints,
// pointers, small PODs), value() and value(x) are relaxed atomic accesses, so
// a reader never sees a torn value; other T are copied with memcpy and must
// not be read while written (hold the lock). Ordering between processes comes
// from the lock: what one holder wrote is visible to the next holder.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>

#include <concur/multiprocessing/detail/shared_segment.hpp>
#include <concur/multiprocessing/exceptions.hpp>
#include <concur/multiprocessing/rlock.hpp>

namespace concur::multiprocessing {

// The tag of Python's `lock=False`.
struct LockFree {
    explicit LockFree() = default;
};
inline constexpr LockFree lock_free{};

namespace detail {
// The start of a Value's or Array's segment: its lock, whether it has one,
// and (Array) the element count. The data follow at data_offset<T>().
struct SharedDataHeader {
    SharedDataHeader(bool with_lock, std::uint64_t n) noexcept : has_lock(with_lock), size(n) {}
    RLockState lock;
    bool has_lock;
    std::uint64_t size;
};
template <class T>
constexpr std::size_t data_offset() noexcept {
    return (sizeof(SharedDataHeader) + alignof(T) - 1) / alignof(T) * alignof(T);
}
// Reads/writes one T, atomically (relaxed) when that is lock-free.
template <class T>
T load_shared(const T* where) noexcept {
    if constexpr (std::atomic_ref<T>::is_always_lock_free &&
                  alignof(T) >= std::atomic_ref<T>::required_alignment) {
        return std::atomic_ref<T>(*const_cast<T*>(where)).load(std::memory_order_relaxed);
    } else {
        T result;
        std::memcpy(static_cast<void*>(&result), where, sizeof(T));
        return result;
    }
}
template <class T>
void store_shared(T* where, const T& value) noexcept {
    if constexpr (std::atomic_ref<T>::is_always_lock_free &&
                  alignof(T) >= std::atomic_ref<T>::required_alignment) {
        std::atomic_ref<T>(*where).store(value, std::memory_order_relaxed);
    } else {
        std::memcpy(static_cast<void*>(where), &value, sizeof(T));
    }
}
// A new segment with a header and room for `n` T (zero-filled).
template <class T>
SegmentRef make_shared_data(const char* name, bool with_lock, std::size_t n) {
    SegmentRef ref{SharedSegment::create(data_offset<T>() + n * sizeof(T), name), 0};
    new (ref.segment->data()) SharedDataHeader(with_lock, n);
    return ref;
}
}  // namespace detail

template <class T>
requires std::is_trivially_copyable_v<T>
class Value {
  public:
    // A value initialised to `initial`, with its own RLock (OSError if the
    // segment cannot be created).
    explicit Value(const T& initial = T{}) : Value(initial, true) {}
    // Python's lock=False: no lock (get_lock() raises RuntimeError).
    Value(const T& initial, LockFree) : Value(initial, false) {}

    // The value (one read; does not take the lock). Never blocks.
    T value() const noexcept { return detail::load_shared(data()); }
    // Replaces the value (one write; does not take the lock). Never blocks.
    void value(const T& x) noexcept { detail::store_shared(data(), x); }

    // The lock that guards the value. RuntimeError for a lock_free Value.
    RLock& get_lock() const {
        if (!ref_.get<detail::SharedDataHeader>()->has_lock)
            throw RuntimeError("this Value was created with lock_free and has no lock");
        return lock_;
    }

    // Serialisation for a "spawn" child (cereal; see the file comment).
    template <class Archive>
    void save(Archive& archive) const {
        ref_.save(archive, "Value");
        archive(static_cast<std::uint64_t>(sizeof(T)));
    }
    template <class Archive>
    void load(Archive& archive) {
        detail::SegmentRef ref;
        ref.load(archive);
        std::uint64_t size = 0;
        archive(size);
        if (size != sizeof(T)) throw ValueError("a Value of another type was received");
        ref_ = ref;
        lock_ = RLock(ref);
    }

  private:
    Value(const T& initial, bool with_lock)
        : ref_(detail::make_shared_data<T>("concur-mp-value", with_lock, 1)), lock_(ref_) {
        std::memcpy(static_cast<void*>(data()), &initial, sizeof(T));
    }
    T* data() const noexcept {
        return reinterpret_cast<T*>(static_cast<unsigned char*>(ref_.segment->data()) +
                                    detail::data_offset<T>());
    }

    detail::SegmentRef ref_;
    mutable RLock lock_;  // the header's lock (offset 0)
};

}  // namespace concur::multiprocessing

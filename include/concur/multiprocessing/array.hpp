// concur/multiprocessing/array.hpp
// -----------------------------------------------------------------------------
// `concur::multiprocessing::Array<T>` mirrors Python's
// `multiprocessing.Array(typecode, size_or_initializer, lock=True)`: a fixed
// number of T in shared memory, guarded by its own RLock. T must be trivially
// copyable. A *handle*: copies refer to the same array; pass it by value to a
// fork()ed child or serialise it for a "spawn" child (save/load inside
// detail::FdSendScope / FdReceiveScope).
//
//   Array<T>(n)                  n zero-filled elements (Python: Array('i', n))
//   Array<T>({1, 2, 3})          from a list; Array<T>(range) from any range
//   Array<T>(n, mp::lock_free)   Python's lock=False (get_lock() raises)
//   a[i], size(), begin(), end() plain access to the elements; never block
//   get_lock()                   the RLock, usable with std::lock_guard
//
// As in Python, element access does not take the lock: a read-modify-write
// (`a[i] += 1`) in several processes needs `std::lock_guard g(a.get_lock());`.
// Elements are plain memory: concurrent writes and reads of one element
// without the lock are a data race. operator[] is unchecked; at(i) raises
// std::out_of_range with Python's IndexError message ("array index out of
// range"). Braces pick the list: Array<std::size_t>{5} holds one element.
//
// Example:
//
//   mp::Array<double> samples(4);
//   if (::fork() == 0) {
//       std::lock_guard guard(samples.get_lock());
//       samples[0] = 1.5;
//       ::_exit(0);
//   }
//
// Memory ordering: between processes, from the lock: what one holder wrote
// is visible to the next holder.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <ranges>
#include <stdexcept>
#include <type_traits>

#include <concur/multiprocessing/detail/shared_segment.hpp>
#include <concur/multiprocessing/exceptions.hpp>
#include <concur/multiprocessing/rlock.hpp>
#include <concur/multiprocessing/value.hpp>

namespace concur::multiprocessing {

template <class T>
requires std::is_trivially_copyable_v<T>
class Array {
  public:
    using value_type = T;
    using iterator = T*;
    using const_iterator = const T*;

    // `n` zero-filled elements, with a lock (OSError if the segment cannot be
    // created).
    // An empty array (what a handle is deserialised into before it attaches;
    // also usable as a placeholder to assign to).
    Array() : Array(0, true) {}
    explicit Array(std::size_t n) : Array(n, true) {}
    Array(std::size_t n, LockFree) : Array(n, false) {}
    // The elements of `values`.
    Array(std::initializer_list<T> values) : Array(values.size(), true) {
        std::copy(values.begin(), values.end(), begin());
    }
    // The elements of `values` (any sized range of values convertible to T).
    // (Array itself is excluded: copying a handle shares the elements.)
    template <std::ranges::sized_range R>
    requires(std::convertible_to<std::ranges::range_reference_t<R>, T> &&
             !std::is_same_v<std::remove_cvref_t<R>, Array>) explicit Array(R&& values)
        : Array(static_cast<std::size_t>(std::ranges::size(values)), true) {
        std::ranges::copy(values, begin());
    }

    std::size_t size() const noexcept {
        return static_cast<std::size_t>(ref_.get<detail::SharedDataHeader>()->size);
    }
    T& operator[](std::size_t i) const noexcept { return data()[i]; }
    // Bounds-checked: std::out_of_range ("array index out of range").
    T& at(std::size_t i) const {
        if (i >= size()) throw std::out_of_range("array index out of range");
        return data()[i];
    }
    T* begin() const noexcept { return data(); }
    T* end() const noexcept { return data() + size(); }

    // The lock that guards the elements. RuntimeError for a lock_free Array.
    RLock& get_lock() const {
        if (!ref_.get<detail::SharedDataHeader>()->has_lock)
            throw RuntimeError("this Array was created with lock_free and has no lock");
        return lock_;
    }

    // Serialisation for a "spawn" child (cereal; see the file comment).
    template <class Archive>
    void save(Archive& archive) const {
        ref_.save(archive, "Array");
        archive(static_cast<std::uint64_t>(sizeof(T)));
    }
    template <class Archive>
    void load(Archive& archive) {
        detail::SegmentRef ref;
        ref.load(archive);
        std::uint64_t size = 0;
        archive(size);
        if (size != sizeof(T)) throw ValueError("an Array of another type was received");
        ref_ = ref;
        lock_ = RLock(ref);
    }

  private:
    Array(std::size_t n, bool with_lock)
        : ref_(detail::make_shared_data<T>("concur-mp-array", with_lock, n)), lock_(ref_) {}
    T* data() const noexcept {
        return reinterpret_cast<T*>(static_cast<unsigned char*>(ref_.segment->data()) +
                                    detail::data_offset<T>());
    }

    detail::SegmentRef ref_;
    mutable RLock lock_;  // the header's lock (offset 0)
};

}  // namespace concur::multiprocessing

// concur/multiprocessing/detail/shared_segment.hpp -- private: the shared
// memory every multiprocessing handle (Lock, Semaphore, Event, Condition,
// Barrier, Value, Array) keeps its state in.
//
// A SharedSegment is an anonymous shared mapping: memfd_create (MFD_CLOEXEC),
// ftruncate, mmap(MAP_SHARED). Nothing appears in /dev/shm and nothing has to
// be unlinked: the kernel frees the memory when the last process has unmapped
// it and closed the descriptor, so a crash leaks nothing. The descriptor is
// kept open so that a handle can travel to a "spawn"/"forkserver" child
// (fd_passing.hpp); a forked child simply inherits both mapping and descriptor.
//
// A handle holds a SegmentRef: a std::shared_ptr to the segment (handle copies
// in one process share one mapping) and the offset of its state in it. The
// creator constructs the state there with placement new; the states are words
// and plain integers, never destroyed (the kernel frees the pages).
//
// Errors: concur::OSError carrying errno. Thread-safety: a SharedSegment is
// immutable after construction; SegmentRef is a value (copy freely).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string_view>

#include <concur/multiprocessing/detail/fd_passing.hpp>

namespace concur::multiprocessing::detail {

class SharedSegment {
  public:
    // A new zero-filled segment of `size` bytes (at least 1). `name` only
    // labels the memfd (/proc/<pid>/fd shows "memfd:<name>").
    static std::shared_ptr<SharedSegment> create(std::size_t size, const char* name = "concur-mp");
    // Maps `size` bytes of the memfd `fd` (received from another process);
    // dup()s `fd`, the caller keeps its own. OSError if the descriptor is not
    // a mapping of at least `size` bytes.
    static std::shared_ptr<SharedSegment> attach(int fd, std::size_t size);

    ~SharedSegment();
    SharedSegment(const SharedSegment&) = delete;
    SharedSegment& operator=(const SharedSegment&) = delete;

    void* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    int fd() const noexcept { return fd_; }

  private:
    SharedSegment(int fd, void* data, std::size_t size) noexcept
        : fd_(fd), data_(data), size_(size) {}

    int fd_;
    void* data_;
    std::size_t size_;
};

// Where a handle's state lives: a segment and an offset in it.
struct SegmentRef {
    std::shared_ptr<SharedSegment> segment;
    std::size_t offset = 0;

    template <class T>
    T* get() const noexcept {
        return reinterpret_cast<T*>(static_cast<unsigned char*>(segment->data()) + offset);
    }

    // Serialisation inside an FdSendScope / FdReceiveScope (fd_passing.hpp):
    // the descriptor's index, the segment's size and the offset. `what` names
    // the handle in the error raised outside a scope ("Lock").
    template <class Archive>
    void save(Archive& archive, std::string_view what) const {
        const std::uint32_t index = send_fd(segment->fd(), what);
        archive(index, static_cast<std::uint64_t>(segment->size()),
                static_cast<std::uint64_t>(offset));
    }
    template <class Archive>
    void load(Archive& archive) {
        std::uint32_t index = 0;
        std::uint64_t size = 0;
        std::uint64_t at = 0;
        archive(index, size, at);
        segment = SharedSegment::attach(received_fd(index), static_cast<std::size_t>(size));
        offset = static_cast<std::size_t>(at);
    }
};

// A new segment holding one T constructed from `args` at offset 0.
template <class T, class... Args>
SegmentRef make_shared_state(const char* name, Args&&... args) {
    SegmentRef ref{SharedSegment::create(sizeof(T), name), 0};
    new (ref.segment->data()) T(static_cast<Args&&>(args)...);
    return ref;
}

}  // namespace concur::multiprocessing::detail

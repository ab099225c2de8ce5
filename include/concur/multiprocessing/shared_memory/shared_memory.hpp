// concur/multiprocessing/shared_memory/shared_memory.hpp
// -----------------------------------------------------------------------------
// `concur::multiprocessing::shared_memory::SharedMemory` mirrors Python's
// `multiprocessing.shared_memory.SharedMemory(name=None, create=False, size=0,
// *, track=True)`: a named POSIX shared-memory block (/dev/shm/<name>) that
// any process -- a child, an unrelated program, a Python program -- can attach
// to by name.
//
//   SharedMemory(std::nullopt, true, 4096)    creates a block with a new
//                                             unique name ("psm_" + 8 hex)
//   SharedMemory("psm_1a2b3c4d", true, 4096)  creates one with that name
//                                             (FileExistsError if it exists)
//   SharedMemory("psm_1a2b3c4d")              attaches to an existing block
//                                             (FileNotFoundError if none)
//
// A *handle*: copies refer to the same mapping, as every reference to one
// Python object does; the mapping is closed when the last copy goes (or by
// close()). Pass it by value to a Process under any start method, or send it
// through a Queue, Pipe or Pool: it travels by name and the receiver attaches,
// as Python pickles it.
//
// Lifetime, as in Python: close() unmaps this process's view; unlink()
// removes the name (call it once, from one process, when no one needs to
// attach any more); the memory is freed when the name is gone and every
// mapping is closed. A block that is never unlinked is unlinked by the
// program's resource tracker when the last process of the program has ended,
// even after a crash, with Python's warning ("resource_tracker: There appear
// to be 1 leaked shared_memory objects ..."): nothing is left in /dev/shm.
// `track = false` (Python 3.13) leaves the block to the caller entirely: use
// it when attaching to a block another program owns, whose lifetime this
// program must not shorten.
//
// Differences from Python: `size` is `std::size_t` (a negative size cannot be
// written); `buf()` is a `std::span<std::byte>` and raises ValueError once
// closed (Python's `buf` is then None).
//
// Thread-safety: all members are thread-safe, except that close() must not
// race with a use of a span obtained from buf() (as in Python, that memory is
// gone). The bytes themselves are not synchronised: guard them with an
// mp::Lock, or use atomics placed in them.
//
// Example:
//
//   namespace shm = concur::multiprocessing::shared_memory;
//   shm::SharedMemory block(std::nullopt, true, 16);
//   block.buf()[0] = std::byte{42};
//   mp::Process p([](shm::SharedMemory b) { b.buf()[1] = b.buf()[0]; }, block);
//   p.start(); p.join();                       // block.buf()[1] == std::byte{42}
//   block.close();
//   block.unlink();
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace concur::multiprocessing::shared_memory {

class SharedMemory {
  public:
    // Creates (create = true) or attaches to the block `name`; a null `name`
    // with `create` picks a new unique name. Raises ValueError for create with
    // size 0 or a null name without create, FileExistsError /
    // FileNotFoundError / PermissionError / OSError as the system reports.
    // Registers the block with the resource tracker unless `track` is false.
    explicit SharedMemory(std::optional<std::string> name, bool create = false,
                          std::size_t size = 0, bool track = true);
    // Refers to no block, as a closed one does (Python has no such object;
    // deserialisation starts from it): name() is empty, buf() raises.
    SharedMemory() noexcept = default;

    // The name, without the leading '/' (Python's `name`). Never blocks.
    const std::string& name() const noexcept;
    // The size in bytes of the mapping (Python's `size`). Never blocks.
    std::size_t size() const noexcept;
    // The block's bytes. Raises ValueError after close().
    std::span<std::byte> buf() const;

    // Unmaps this process's view, for every copy of this handle; idempotent.
    void close() noexcept;
    // Removes the name (and untracks it): later attaches raise
    // FileNotFoundError; mappings stay valid. FileNotFoundError if the name
    // is already gone.
    void unlink();

    // Python's repr: "SharedMemory('psm_1a2b3c4d', size=16)".
    std::string repr() const;

    // Serialisation (cereal): the name, then the receiver attaches (tracked).
    template <class Archive>
    void save(Archive& archive) const {
        archive(name(), static_cast<std::uint64_t>(size()));
    }
    template <class Archive>
    void load(Archive& archive) {
        std::string received;
        std::uint64_t bytes = 0;
        archive(received, bytes);
        *this = SharedMemory(received);
    }

  private:
    struct State;
    std::shared_ptr<State> state_;
};

}  // namespace concur::multiprocessing::shared_memory

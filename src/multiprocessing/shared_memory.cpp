// shared_memory::SharedMemory: shm_open + mmap, names as Python makes them,
// registration with the resource tracker.
#include <concur/multiprocessing/shared_memory/shared_memory.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>

#include <concur/detail/os_error.hpp>
#include <concur/exceptions.hpp>
#include <concur/multiprocessing/detail/resource_tracker.hpp>

namespace concur::multiprocessing::shared_memory {

struct SharedMemory::State {
    std::string name;        // without the leading '/'
    std::string posix_name;  // with it, as shm_open wants
    std::size_t size = 0;
    bool track = true;
    std::atomic<std::byte*> data{nullptr};  // null once closed
    std::mutex close_mutex;                 // munmap once

    ~State() { close(); }
    void close() noexcept {
        std::lock_guard lock(close_mutex);
        if (std::byte* mapped = data.exchange(nullptr)) ::munmap(mapped, size);
    }
};

namespace {

using concur::detail::OsErrorContext;
using concur::detail::raise_os_error;

// Python's _make_filename(): "psm_" + 8 random hex digits.
std::string random_name() {
    unsigned char random[4];
    if (::getrandom(random, sizeof random, 0) != sizeof random)
        concur::detail::raise_errno("getrandom");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string name = "psm_";
    for (unsigned char byte : random) {
        name += kHex[byte >> 4];
        name += kHex[byte & 15];
    }
    return name;
}

// shm_open; a name taken by someone else is tried again when we pick names.
int open_block(std::string& name, bool create, bool pick_name) {
    const int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0);
    for (;;) {
        if (pick_name) name = random_name();
        const std::string posix_name = "/" + name;
        const int fd = ::shm_open(posix_name.c_str(), flags, 0600);  // Python's mode
        if (fd >= 0) return fd;
        if (pick_name && errno == EEXIST) continue;
        raise_os_error(errno, posix_name, OsErrorContext::filename);
    }
}

}  // namespace

SharedMemory::SharedMemory(std::optional<std::string> name, bool create, std::size_t size,
                           bool track) {
    if (create && size == 0)
        throw ValueError("'size' must be a positive number different from zero");
    if (!name && !create) throw ValueError("'name' can only be None if create=True");
    auto state = std::make_shared<State>();
    state->track = track;
    state->name = name.value_or("");
    const int fd = open_block(state->name, create, !name);
    state->posix_name = "/" + state->name;
    const auto fail = [&](const char* call) {
        const int error = errno;
        ::close(fd);
        if (create) ::shm_unlink(state->posix_name.c_str());
        raise_os_error(error, call);
    };
    if (create && ::ftruncate(fd, static_cast<off_t>(size)) != 0) fail("ftruncate");
    struct stat status {};
    if (::fstat(fd, &status) != 0) fail("fstat");
    state->size = static_cast<std::size_t>(status.st_size);
    if (state->size == 0) {
        ::close(fd);
        throw ValueError("cannot mmap an empty file");
    }
    void* mapped = ::mmap(nullptr, state->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mapped == MAP_FAILED) fail("mmap");
    ::close(fd);  // the mapping keeps the block; the name stays until unlink()
    state->data.store(static_cast<std::byte*>(mapped));
    if (track) detail::track_shared_memory(state->posix_name);
    state_ = std::move(state);
}

const std::string& SharedMemory::name() const noexcept {
    static const std::string none;
    return state_ ? state_->name : none;
}

std::size_t SharedMemory::size() const noexcept {
    return state_ ? state_->size : 0;
}

std::span<std::byte> SharedMemory::buf() const {
    std::byte* data = state_ ? state_->data.load() : nullptr;
    if (data == nullptr)
        throw ValueError(state_ ? "operation on a closed SharedMemory"
                                : "this SharedMemory refers to no block");
    return {data, state_->size};
}

void SharedMemory::close() noexcept {
    if (state_) state_->close();
}

void SharedMemory::unlink() {
    if (!state_) throw ValueError("this SharedMemory refers to no block");
    if (::shm_unlink(state_->posix_name.c_str()) != 0)
        raise_os_error(errno, state_->posix_name, OsErrorContext::filename);
    if (state_->track) detail::untrack_shared_memory(state_->posix_name);
}

std::string SharedMemory::repr() const {
    return "SharedMemory('" + name() + "', size=" + std::to_string(size()) + ")";
}

}  // namespace concur::multiprocessing::shared_memory

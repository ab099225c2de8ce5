// The memfd-backed mappings of detail/shared_segment.hpp.
#include <concur/multiprocessing/detail/shared_segment.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <concur/detail/os_error.hpp>
#include <concur/exceptions.hpp>

namespace concur::multiprocessing::detail {

namespace {

void* map_fd(int fd, std::size_t size) {
    void* data = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (data == MAP_FAILED) {
        const int error = errno;
        ::close(fd);
        errno = error;
        concur::detail::raise_errno("mmap");
    }
    return data;
}
}  // namespace

std::shared_ptr<SharedSegment> SharedSegment::create(std::size_t size, const char* name) {
    if (size == 0) size = 1;
    const int fd = ::memfd_create(name, MFD_CLOEXEC);
    if (fd < 0) concur::detail::raise_errno("memfd_create");
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
        const int error = errno;
        ::close(fd);
        errno = error;
        concur::detail::raise_errno("ftruncate");
    }
    void* data = map_fd(fd, size);
    return std::shared_ptr<SharedSegment>(new SharedSegment(fd, data, size));
}

std::shared_ptr<SharedSegment> SharedSegment::attach(int fd, std::size_t size) {
    if (size == 0) throw ValueError("cannot attach a segment of size 0");
    const int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (own < 0) concur::detail::raise_errno("dup");
    struct stat status {};
    if (::fstat(own, &status) != 0) {
        const int error = errno;
        ::close(own);
        errno = error;
        concur::detail::raise_errno("fstat");
    }
    if (static_cast<std::size_t>(status.st_size) < size) {
        ::close(own);
        throw OSError("attach: the descriptor maps " + std::to_string(status.st_size) +
                          " bytes, fewer than the " + std::to_string(size) + " expected",
                      EINVAL);
    }
    void* data = map_fd(own, size);
    return std::shared_ptr<SharedSegment>(new SharedSegment(own, data, size));
}

SharedSegment::~SharedSegment() {
    ::munmap(data_, size_);
    ::close(fd_);
}

}  // namespace concur::multiprocessing::detail

#include "describe/mapped_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "describe/source.hpp"

namespace concur::describe {

MappedFile::MappedFile(const std::string& path) : name_(path == "-" ? "<stdin>" : path) {
    auto fail = [&](int error) {
        throw InputError(fmt::format("{}: cannot read: {}", name_, std::strerror(error)));
    };
    const bool is_stdin = path == "-";
    const int fd = is_stdin ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(errno);
    struct Closer {
        int fd;
        bool owned;
        ~Closer() {
            if (owned) ::close(fd);
        }
    } closer{fd, !is_stdin};
    struct stat st {};
    if (::fstat(fd, &st) != 0) fail(errno);
    if (S_ISDIR(st.st_mode)) fail(EISDIR);
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        size_ = static_cast<std::uint64_t>(st.st_size);
        void* mapping = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (mapping == MAP_FAILED) fail(errno);
        mapping_ = mapping;
        data_ = static_cast<const char*>(mapping);
        return;
    }
    char block[1 << 16];
    for (;;) {
        const ssize_t n = ::read(fd, block, sizeof block);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(errno);
        }
        buffer_.append(block, static_cast<std::size_t>(n));
    }
    data_ = buffer_.data();
    size_ = buffer_.size();
}

MappedFile::~MappedFile() {
    if (mapping_ != nullptr) ::munmap(mapping_, size_);
}

void MappedFile::release(std::uint64_t begin, std::uint64_t end) const noexcept {
    if (mapping_ == nullptr) return;
    static const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const std::uint64_t from = (begin + page - 1) / page * page;
    const std::uint64_t to = end / page * page;
    if (to > from) ::madvise(static_cast<char*>(mapping_) + from, to - from, MADV_DONTNEED);
}

}  // namespace concur::describe

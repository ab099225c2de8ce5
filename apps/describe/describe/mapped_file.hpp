// describe/mapped_file.hpp -- an input's bytes: a read-only mapping of a
// regular file, or what stdin (or a pipe) holds, read into memory.
#pragma once

#include <cstdint>
#include <string>

namespace concur::describe {

class MappedFile {
  public:
    // Opens `path` ("-" is stdin). Throws InputError naming the file: missing,
    // unreadable, a directory.
    explicit MappedFile(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::string& name() const noexcept { return name_; }  // "<stdin>" for "-"
    const char* data() const noexcept { return data_; }
    std::uint64_t size() const noexcept { return size_; }

    // Drops the whole pages of [begin, end) from this process's resident
    // memory (they stay in the page cache and come back when read again), so
    // that reading a file larger than memory keeps the resident size bounded.
    void release(std::uint64_t begin, std::uint64_t end) const noexcept;

  private:
    std::string name_;
    const char* data_ = nullptr;
    std::uint64_t size_ = 0;
    void* mapping_ = nullptr;
    std::string buffer_;
};

}  // namespace concur::describe

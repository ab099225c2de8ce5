// src/threading/print.cpp -- print()'s line-atomic write: one fwrite under the FILE's lock.
#include <concur/threading/print.hpp>

namespace concur::detail {

void write_line(std::FILE* file, std::string_view text, bool flush) {
    // One fwrite under the FILE's own lock: stdio calls from other threads
    // (printf, std::cout synced with stdio, other print()s) cannot split it.
    flockfile(file);
    fwrite_unlocked(text.data(), 1, text.size(), file);
    if (flush) fflush_unlocked(file);
    funlockfile(file);
}

}  // namespace concur::detail

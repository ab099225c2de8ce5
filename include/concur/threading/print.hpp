// concur/threading/print.hpp
// -----------------------------------------------------------------------------
// `concur::threading::print` is Python's built-in `print()` made line-atomic:
// the whole line (arguments joined by `sep`, then `end`) is rendered first and
// written with one call under stdout's stream lock, so lines from different
// threads never interleave inside each other (the seed's "Square:Cube: 4").
// Python's print() does not guarantee that; this is the difference.
//
// Values print as Python's str() shows them: bool as True/False, floating
// point in shortest round-trip form (5.67, 1.0), ranges as [1, 4, 9], tuples
// and pairs as (a, b), and anything else through its operator<<.
//
// Thread-safety: safe to call from any thread. Blocks only on stdout.
//
// Example:
//
//   namespace threading = concur::threading;
//   threading::print("Square:", 4);                       // Square: 4
//   threading::print(threading::PrintOptions{.sep = ""}, "a", "b");   // ab
//   threading::print(std::vector{100, 121, 144});         // [100, 121, 144]
#pragma once

#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

#include <concur/detail/py_str.hpp>

namespace concur::threading {

// Python's keyword arguments of print(): `sep`, `end`, `file`, `flush`.
struct PrintOptions {
    std::string_view sep = " ";
    std::string_view end = "\n";
    std::FILE* file = stdout;
    bool flush = true;  // Python defaults to false; a line-atomic print flushes its line
};

}  // namespace concur::threading

namespace concur::detail {
// Writes `text` with one call under the FILE's lock, then flushes if asked.
void write_line(std::FILE* file, std::string_view text, bool flush);
}  // namespace concur::detail

namespace concur::threading {

// print(*args, sep, end, file, flush)
template <class... Args>
void print(const PrintOptions& options, const Args&... args) {
    std::ostringstream line;
    bool first = true;
    ((line << (first ? std::string_view{} : options.sep),
      concur::detail::write_py_str(line, args), first = false),
     ...);
    line << options.end;
    concur::detail::write_line(options.file, std::move(line).str(), options.flush);
}

// print(*args) with Python's defaults.
template <class First, class... Rest>
    requires(!std::is_same_v<std::remove_cvref_t<First>, PrintOptions>)
void print(const First& first, const Rest&... rest) {
    print(PrintOptions{}, first, rest...);
}

// print(): an empty line.
inline void print() { print(PrintOptions{}); }

}  // namespace concur::threading

// describe/source.hpp -- where the numbers come from: a table of numeric
// columns, cut into chunks that can be read independently and more than once.
//
// Every statistic is computed in passes over the chunks (describe/scan.hpp):
// the first pass takes the moments and a coarse histogram, later ones narrow
// the histogram down to the order statistics. A source therefore reads any
// chunk, in any order, from any thread, as often as asked; the chunks' layout
// is fixed when the source is opened and does not depend on the number of
// workers, so results do not either.
//
// Sources: CSV/TSV text (csv_source.hpp), raw little-endian float64
// (binary_source.hpp), generators (generated_source.hpp), and values kept in
// memory by the first pass (stored_source.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace concur::describe {

// Bad input: the tool prints what() on one line and exits with code 2.
class InputError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Receives one chunk's values. A source calls values() for a column any
// number of times (in pieces; a NaN among them is a missing value, which the
// sink counts), missing() with counts of missing cells, and offense() for a
// cell that is neither a number nor a missing marker.
class ValueSink {
  public:
    virtual ~ValueSink() = default;
    virtual void values(std::size_t column, std::span<const double> values) = 0;
    virtual void missing(std::size_t column, std::uint64_t count) = 0;
    // `where` is a byte offset or line the source can turn into a message.
    virtual void offense(std::size_t column, std::uint64_t where, std::string text) = 0;
};

class Source {
  public:
    virtual ~Source() = default;

    virtual const std::vector<std::string>& column_names() const = 0;
    virtual std::size_t chunk_count() const = 0;

    // Reads chunk `chunk` into `sink`. Thread-safe (const). Throws InputError
    // for malformed input (a ragged row, an unterminated quote).
    virtual void read(std::size_t chunk, ValueSink& sink) const = 0;

    // Turns an offense position into text for the "skipped" reason:
    // "line 7" for text, "value 12" for binary input.
    virtual std::string describe_position(std::uint64_t where) const = 0;

    // Up to `count` values of `column` from pseudo-random positions spread
    // over the whole input (NaN among them possible), to guess where the
    // order statistics lie before the first pass; empty when single values
    // cannot be read cheaply (text).
    virtual std::vector<double> sample(std::size_t column, std::size_t count) const {
        (void)column;
        (void)count;
        return {};
    }

    // Whether reading a chunk again costs about as little as reading kept
    // values would (memory, a mapping of raw doubles, a generator): then the
    // first pass keeps nothing. Text that must be parsed again says no.
    virtual bool rereads_cheaply() const { return true; }

    // A hint for the progress bar and memory planning: bytes (or values x 8)
    // per chunk, roughly.
    virtual std::uint64_t chunk_bytes(std::size_t chunk) const = 0;
};

}  // namespace concur::describe

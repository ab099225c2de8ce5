#include "describe/csv_source.hpp"

#include <fast_float/fast_float.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "describe/cell.hpp"
#include "describe/mapped_file.hpp"

namespace concur::describe {

struct CsvSource::File : MappedFile {
    using MappedFile::MappedFile;
};

namespace {

constexpr std::uint64_t kOffsetBits = 48;  // offense positions: file << 48 | byte offset

bool ends_with(const std::string& s, const char* suffix) {
    const std::size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// Bytes equal to `c` in [p, end), eight at a time (the SWAR zero-byte test).
std::uint64_t count_byte(const char* p, const char* end, char c) {
    std::uint64_t count = 0;
    const std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    const std::uint64_t pattern = ones * static_cast<unsigned char>(c);
    for (; p + 8 <= end; p += 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        const std::uint64_t x = word ^ pattern;
        // High bit set exactly in the bytes of x that are zero.
        const std::uint64_t zero = ~(((x & ~highs) + ~highs) | x | ~highs);
        count += static_cast<std::uint64_t>(__builtin_popcountll(zero));
    }
    for (; p < end; ++p) count += *p == c;
    return count;
}

// Splits one record into cells, unquoting them (the header and the sniffed
// second row; the chunk parser has its own fast loop). Returns the offset
// after the record, or nullopt for an unterminated quote.
std::optional<std::uint64_t> split_record(const char* data, std::uint64_t size, std::uint64_t pos,
                                          char delimiter, std::vector<std::string>& cells) {
    cells.clear();
    std::string cell;
    for (;;) {
        cell.clear();
        while (pos < size && (data[pos] == ' ' || data[pos] == '\t') && data[pos] != delimiter)
            ++pos;
        if (pos < size && data[pos] == '"') {
            ++pos;
            for (;;) {
                if (pos >= size) return std::nullopt;
                if (data[pos] == '"') {
                    if (pos + 1 < size && data[pos + 1] == '"') {
                        cell += '"';
                        pos += 2;
                        continue;
                    }
                    ++pos;
                    break;
                }
                cell += data[pos++];
            }
            while (pos < size && data[pos] != delimiter && data[pos] != '\n') ++pos;
        } else {
            while (pos < size && data[pos] != delimiter && data[pos] != '\n') cell += data[pos++];
            while (!cell.empty() && (cell.back() == '\r' || cell.back() == ' ' ||
                                     (cell.back() == '\t' && delimiter != '\t')))
                cell.pop_back();
        }
        cells.push_back(cell);
        if (pos < size && data[pos] == delimiter) {
            ++pos;
            continue;
        }
        return pos < size ? pos + 1 : pos;
    }
}

// Skips blank lines (only \r or nothing before the newline).
std::uint64_t skip_blank_lines(const char* data, std::uint64_t size, std::uint64_t pos) {
    for (;;) {
        std::uint64_t p = pos;
        while (p < size && data[p] == '\r') ++p;
        if (p < size && data[p] == '\n') {
            pos = p + 1;
            continue;
        }
        return p >= size ? size : pos;
    }
}

Cell classify(const std::string& cell) {
    double ignored;
    return classify_cell(cell.data(), cell.data() + cell.size(), ignored);
}

}  // namespace

CsvSource::CsvSource(const std::vector<std::string>& paths, const CsvOptions& options) {
    std::vector<std::string> cells, below;
    for (std::size_t index = 0; index < paths.size(); ++index) {
        const std::string& path = paths[index];
        auto file = std::make_unique<File>(path);
        // A UTF-8 byte order mark (spreadsheets write one) is not part of the
        // first cell.
        const bool bom = file->size() >= 3 && std::memcmp(file->data(), "\xEF\xBB\xBF", 3) == 0;
        const std::uint64_t start = skip_blank_lines(file->data(), file->size(), bom ? 3 : 0);
        if (start >= file->size()) throw InputError(fmt::format("{}: empty file", file->name()));

        if (index == 0) {
            delimiter_ = options.delimiter;
            if (delimiter_ == '\0') {
                const char* first_end =
                    static_cast<const char*>(std::memchr(file->data(), '\n', file->size()));
                const std::uint64_t first_len =
                    first_end ? static_cast<std::uint64_t>(first_end - file->data()) : file->size();
                const bool tabs = std::memchr(file->data(), '\t', first_len) != nullptr;
                const bool commas = std::memchr(file->data(), ',', first_len) != nullptr;
                delimiter_ = ends_with(path, ".tsv") || ends_with(path, ".tab") || (tabs && !commas)
                                 ? '\t'
                                 : ',';
            }
        }

        const auto after_first = split_record(file->data(), file->size(), start, delimiter_, cells);
        if (!after_first) fail_at(*file, start, "unterminated quote");
        bool header = false;
        if (options.has_header) {
            header = *options.has_header;
        } else {
            const std::uint64_t next = skip_blank_lines(file->data(), file->size(), *after_first);
            const bool has_below =
                next < file->size() &&
                split_record(file->data(), file->size(), next, delimiter_, below).has_value();
            // A header when some cell is text while the cell below it is a
            // number or missing (or there is nothing below).
            for (std::size_t c = 0; c < cells.size() && !header; ++c) {
                if (classify(cells[c]) != Cell::kOther) continue;
                header = !has_below || c >= below.size() || classify(below[c]) != Cell::kOther;
            }
        }
        std::vector<std::string> names;
        if (header) {
            names = cells;
            for (std::size_t c = 0; c < names.size(); ++c)
                if (names[c].empty()) names[c] = fmt::format("column{}", c + 1);
        } else {
            for (std::size_t c = 0; c < cells.size(); ++c)
                names.push_back(fmt::format("column{}", c + 1));
        }
        if (index == 0) {
            names_ = names;
        } else if (names != names_) {
            throw InputError(fmt::format("{}: its columns ({}) differ from those of {} ({})",
                                         file->name(), fmt::join(names, ", "), files_[0]->name(),
                                         fmt::join(names_, ", ")));
        }
        files_.push_back(std::move(file));
        cut_into_chunks(files_.size() - 1, header ? *after_first : start, options.chunk_bytes);
    }
}

CsvSource::~CsvSource() = default;

void CsvSource::cut_into_chunks(std::size_t index, std::uint64_t body, std::uint64_t chunk_bytes) {
    const File& file = *files_[index];
    const char* data = file.data();
    const std::uint64_t size = file.size();
    std::uint64_t begin = body;
    while (begin < size) {
        const std::uint64_t cut = begin + chunk_bytes;
        if (cut >= size) {
            chunks_.push_back({index, begin, size});
            break;
        }
        // Inside a quoted field at the cut when an odd number of quotes
        // precede it since `begin`, a record boundary (memchr first: most
        // files have no quotes at all).
        const std::uint64_t length = cut - begin;
        bool in_quotes = std::memchr(data + begin, '"', length) != nullptr &&
                         (count_byte(data + begin, data + cut, '"') & 1) != 0;
        // Move the cut to just after the first newline outside quotes.
        std::uint64_t pos = cut;
        while (pos < size) {
            const char c = data[pos++];
            if (c == '"')
                in_quotes = !in_quotes;
            else if (c == '\n' && !in_quotes)
                break;
        }
        chunks_.push_back({index, begin, pos});
        file.release(begin, pos);  // a file larger than memory stays out of it
        begin = pos;
    }
}

void CsvSource::fail_at(const File& file, std::uint64_t offset, const std::string& what) const {
    const std::uint64_t line = 1 + count_byte(file.data(), file.data() + offset, '\n');
    throw InputError(fmt::format("{}:{}: {}", file.name(), line, what));
}

std::string CsvSource::describe_position(std::uint64_t where) const {
    const File& file = *files_[where >> kOffsetBits];
    const std::uint64_t offset = where & ((std::uint64_t{1} << kOffsetBits) - 1);
    const std::uint64_t line = 1 + count_byte(file.data(), file.data() + offset, '\n');
    return files_.size() > 1 ? fmt::format("{} line {}", file.name(), line)
                             : fmt::format("line {}", line);
}

std::uint64_t CsvSource::chunk_bytes(std::size_t chunk) const {
    return chunks_[chunk].end - chunks_[chunk].begin;
}

void CsvSource::read(std::size_t chunk_index, ValueSink& sink) const {
    const Chunk& chunk = chunks_[chunk_index];
    const File& file = *files_[chunk.file];
    const std::size_t columns = names_.size();
    const char delimiter = delimiter_;
    const bool trim_tabs = delimiter != '\t';

    // Per-thread buffers, reused from chunk to chunk.
    thread_local std::vector<std::vector<double>> values;
    thread_local std::vector<std::uint64_t> missing;
    thread_local std::vector<char> offended;
    thread_local std::string unquoted;
    values.resize(columns);
    for (auto& v : values) v.clear();
    missing.assign(columns, 0);
    offended.assign(columns, 0);

    const char* const base = file.data();
    const char* const file_end = base + file.size();
    const char* p = base + chunk.begin;
    const char* const end = base + chunk.end;
    const std::uint64_t file_tag = static_cast<std::uint64_t>(chunk.file) << kOffsetBits;

    // `at`: where the cell starts in the file (its text may be unquoted
    // elsewhere).
    auto take = [&](std::size_t column, const char* first, const char* last, const char* at) {
        while (first < last && (*first == ' ' || *first == '\t')) ++first;
        while (last > first && (last[-1] == ' ' || last[-1] == '\t')) --last;
        double value;
        switch (classify_cell(first, last, value)) {
            case Cell::kNumber:
                values[column].push_back(value);
                break;
            case Cell::kMissing:
                ++missing[column];
                break;
            case Cell::kOther:
                if (!offended[column]) {
                    offended[column] = 1;
                    sink.offense(column, file_tag | static_cast<std::uint64_t>(at - base),
                                 std::string(first, last));
                }
                break;
        }
    };

    while (p < end) {
        // Blank lines are skipped.
        if (*p == '\n') {
            ++p;
            continue;
        }
        if (*p == '\r' && p + 1 < file_end && p[1] == '\n') {
            p += 2;
            continue;
        }
        const char* const record = p;
        std::size_t column = 0;
        for (;;) {
            while (p < file_end && ((*p == ' ' && delimiter != ' ') || (*p == '\t' && trim_tabs)))
                ++p;
            if (p < file_end && *p == '"') {
                const char* const open = p++;
                const char* first = p;
                const char* last = nullptr;
                bool escaped = false;
                for (;;) {
                    const char* quote = static_cast<const char*>(
                        std::memchr(p, '"', static_cast<std::size_t>(file_end - p)));
                    if (quote == nullptr)
                        fail_at(file, static_cast<std::uint64_t>(open - base),
                                "unterminated quote");
                    if (quote + 1 < file_end && quote[1] == '"') {
                        escaped = true;
                        p = quote + 2;
                        continue;
                    }
                    last = quote;
                    p = quote + 1;
                    break;
                }
                while (p < file_end && (*p == ' ' || *p == '\r' || (*p == '\t' && trim_tabs))) ++p;
                if (p < file_end && *p != delimiter && *p != '\n')
                    fail_at(file, static_cast<std::uint64_t>(p - base),
                            fmt::format("column {}: unexpected character after a closing quote",
                                        column + 1));
                if (column < columns) {
                    if (escaped) {
                        unquoted.clear();
                        for (const char* q = first; q < last; ++q) {
                            unquoted += *q;
                            if (*q == '"') ++q;  // "" -> "
                        }
                        take(column, unquoted.data(), unquoted.data() + unquoted.size(), open);
                    } else {
                        take(column, first, last, open);
                    }
                }
            } else {
                const char* const first = p;
                // Fast path: a number ending at the delimiter or the newline.
                double value;
                const auto parsed = fast_float::from_chars(first, file_end, value);
                const char* after = parsed.ptr;
                if (after < file_end && *after == '\r' && after + 1 < file_end && after[1] == '\n')
                    ++after;
                if (parsed.ec == std::errc() && after < file_end &&
                    (*after == delimiter || *after == '\n') && !std::isnan(value) &&
                    column < columns) {
                    values[column].push_back(value);
                    p = after;
                } else {
                    while (p < file_end && *p != delimiter && *p != '\n') ++p;
                    const char* last = p;
                    while (last > first &&
                           (last[-1] == ' ' || last[-1] == '\r' || (last[-1] == '\t' && trim_tabs)))
                        --last;
                    if (column < columns) take(column, first, last, first);
                }
            }
            ++column;
            if (p < file_end && *p == delimiter) {
                ++p;
                continue;
            }
            if (p < file_end) ++p;  // the newline
            break;
        }
        if (column != columns)
            fail_at(file, static_cast<std::uint64_t>(record - base),
                    fmt::format("ragged row: {} field{}, expected {}", column,
                                column == 1 ? "" : "s", columns));
    }

    for (std::size_t c = 0; c < columns; ++c) {
        if (!values[c].empty()) sink.values(c, values[c]);
        if (missing[c] != 0) sink.missing(c, missing[c]);
    }
    file.release(chunk.begin, chunk.end);
}

}  // namespace concur::describe

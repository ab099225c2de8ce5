// describe/cell.hpp -- what one text cell holds: a number, a missing value,
// or something else (which makes the tool skip the column).
//
// Missing: an empty cell, NA, NaN, nan, null in any case (pandas' default
// markers that numeric data use), and any other spelling of NaN that the
// number parser accepts ("-nan"). Numbers: what Python's float() accepts in
// decimal -- an optional sign (a leading '+' too), digits, a decimal point,
// an exponent, inf and infinity -- parsed with fast_float, correctly rounded
// (integers beyond 2^53 round to the nearest double, as numpy's do).
// The caller trims blanks first.
#pragma once

#include <fast_float/fast_float.h>

#include <cmath>
#include <system_error>

namespace concur::describe {

enum class Cell { kNumber, kMissing, kOther };

inline bool equals_ignoring_case(const char* first, const char* last, const char* word) {
    for (; first < last; ++first, ++word) {
        if (*word == '\0') return false;
        char c = *first;
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != *word) return false;
    }
    return *word == '\0';
}

inline Cell classify_cell(const char* first, const char* last, double& value) {
    if (first == last) return Cell::kMissing;
    const char* start = first;
    if (*start == '+' && last - start > 1 && start[1] != '-' && start[1] != '+') ++start;
    const auto parsed = fast_float::from_chars(start, last, value);
    if (parsed.ec == std::errc() && parsed.ptr == last)
        return std::isnan(value) ? Cell::kMissing : Cell::kNumber;
    if (equals_ignoring_case(first, last, "na") || equals_ignoring_case(first, last, "nan") ||
        equals_ignoring_case(first, last, "null"))
        return Cell::kMissing;
    return Cell::kOther;
}

}  // namespace concur::describe

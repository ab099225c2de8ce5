// describe/format.hpp -- a Report as an aligned table, CSV or JSON.
//
//   table  one row per statistic, one column per data column (as pandas'
//          describe()), right-aligned; skipped columns listed below it
//   csv    a header `name,<stat>,...` and one row per data column; empty
//          where a statistic is undefined; skipped columns are not rows
//   json   {"columns": [{"name": ..., "count": ..., ...}], "skipped":
//          [{"name": ..., "reason": ...}]}; null where undefined or not
//          finite
//
// Numbers are printed with the shortest text that reads back as the same
// double (fmt's "{}", Python's repr), counts as integers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "describe/describe.hpp"

namespace concur::describe {

enum class Format { kTable, kCsv, kJson };

std::optional<Format> parse_format(std::string_view name);

std::string format_report(const Report& report, const std::vector<Stat>& stats, Format format);

}  // namespace concur::describe

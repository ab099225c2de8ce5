#include "describe/format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace concur::describe {

std::optional<Format> parse_format(std::string_view name) {
    if (name == "table") return Format::kTable;
    if (name == "csv") return Format::kCsv;
    if (name == "json") return Format::kJson;
    return std::nullopt;
}

namespace {

bool is_count(Stat stat) {
    return stat == Stat::kCount || stat == Stat::kMissing;
}

std::string number(const ColumnStats& column, Stat stat) {
    if (stat == Stat::kCount) return fmt::format("{}", column.count);
    if (stat == Stat::kMissing) return fmt::format("{}", column.missing);
    const std::optional<double> value = column.get(stat);
    return value ? fmt::format("{}", *value) : std::string();
}

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20)
                    out += fmt::format("\\u{:04x}", c);
                else
                    out += ch;
        }
    }
    return out + "\"";
}

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string json_report(const Report& report, const std::vector<Stat>& stats) {
    std::string out = "{\"columns\": [";
    for (std::size_t i = 0; i < report.columns.size(); ++i) {
        const ColumnStats& column = report.columns[i];
        out += i == 0 ? "{" : ", {";
        out += fmt::format("\"name\": {}", json_string(column.name));
        for (Stat stat : stats) {
            out += fmt::format(", \"{}\": ", stat_name(stat));
            const std::optional<double> value = column.get(stat);
            if (is_count(stat))
                out += number(column, stat);
            else if (value && std::isfinite(*value))
                out += fmt::format("{}", *value);
            else
                out += "null";
        }
        out += "}";
    }
    out += "], \"skipped\": [";
    for (std::size_t i = 0; i < report.skipped.size(); ++i) {
        out += i == 0 ? "{" : ", {";
        out += fmt::format("\"name\": {}, \"reason\": {}}}", json_string(report.skipped[i].name),
                           json_string(report.skipped[i].reason));
    }
    return out + "]}\n";
}

std::string csv_report(const Report& report, const std::vector<Stat>& stats) {
    std::string out = "name";
    for (Stat stat : stats) out += fmt::format(",{}", stat_name(stat));
    out += '\n';
    for (const ColumnStats& column : report.columns) {
        out += csv_field(column.name);
        for (Stat stat : stats) out += fmt::format(",{}", number(column, stat));
        out += '\n';
    }
    return out;
}

std::string table_report(const Report& report, const std::vector<Stat>& stats) {
    // cells[row][col]: row 0 the names, then one row per statistic.
    std::vector<std::vector<std::string>> cells(stats.size() + 1);
    cells[0].push_back("");
    for (std::size_t s = 0; s < stats.size(); ++s) cells[s + 1].push_back(stat_name(stats[s]));
    for (const ColumnStats& column : report.columns) {
        cells[0].push_back(column.name);
        for (std::size_t s = 0; s < stats.size(); ++s) {
            std::string text = number(column, stats[s]);
            cells[s + 1].push_back(text.empty() ? "-" : text);
        }
    }
    std::vector<std::size_t> widths(cells[0].size(), 0);
    for (const auto& row : cells)
        for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
    std::string out;
    for (const auto& row : cells) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            if (c == 0)
                line += fmt::format("{:<{}}", row[c], widths[c]);
            else
                line += fmt::format("  {:>{}}", row[c], widths[c]);
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + '\n';
    }
    for (const SkippedColumn& skipped : report.skipped)
        out += fmt::format("skipped {}: {}\n", skipped.name, skipped.reason);
    return out;
}

}  // namespace

std::string format_report(const Report& report, const std::vector<Stat>& stats, Format format) {
    switch (format) {
        case Format::kJson:
            return json_report(report, stats);
        case Format::kCsv:
            return csv_report(report, stats);
        case Format::kTable:
            return table_report(report, stats);
    }
    return {};
}

}  // namespace concur::describe

#include "describe/generated_source.hpp"

#include "describe/splitmix.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>

namespace concur::describe {

namespace {

double unit(std::uint64_t seed, std::uint64_t i) noexcept {
    return static_cast<double>(splitmix64(seed * 0x100000000ull + i) >> 11) * 0x1.0p-53;
}

bool parse_count(const std::string& text, std::uint64_t& out) {
    if (text.empty()) return false;
    // Accept 10_000_000 and 1e7 as well as 10000000.
    std::string digits;
    for (char c : text)
        if (c != '_') digits += c;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    if (ec == std::errc() && ptr == digits.data() + digits.size()) return true;
    double value;
    auto [dptr, dec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (dec != std::errc() || dptr != digits.data() + digits.size() || !(value >= 0) ||
        value > 0x1p62 || value != std::floor(value))
        return false;
    out = static_cast<std::uint64_t>(value);
    return true;
}

}  // namespace

GeneratedSource::GeneratedSource(const std::string& spec) {
    auto bad = [&](const std::string& why) {
        throw InputError(fmt::format(
            "--generate {}: {} (want arange:N, uniform:N[:SEED] or normal:N[:SEED])", spec, why));
    };
    const auto colon = spec.find(':');
    if (colon == std::string::npos) bad("no count");
    const std::string name = spec.substr(0, colon);
    std::string rest = spec.substr(colon + 1);
    std::string seed_text;
    if (const auto second = rest.find(':'); second != std::string::npos) {
        seed_text = rest.substr(second + 1);
        rest = rest.substr(0, second);
    }
    if (name == "arange")
        kind_ = Kind::kArange;
    else if (name == "uniform")
        kind_ = Kind::kUniform;
    else if (name == "normal")
        kind_ = Kind::kNormal;
    else
        bad("unknown generator '" + name + "'");
    if (!parse_count(rest, count_)) bad("bad count '" + rest + "'");
    if (!seed_text.empty()) {
        if (kind_ == Kind::kArange) bad("arange takes no seed");
        if (!parse_count(seed_text, seed_)) bad("bad seed '" + seed_text + "'");
    }
}

double GeneratedSource::value(std::uint64_t i) const noexcept {
    double x = 0.0;
    fill(i, std::span<double>(&x, 1));
    return x;
}

// out[k] = value(first + k), the generator chosen once per block rather
// than once per value.
void GeneratedSource::fill(std::uint64_t first, std::span<double> out) const noexcept {
    switch (kind_) {
        case Kind::kArange:
            for (std::size_t k = 0; k < out.size(); ++k) out[k] = static_cast<double>(first + k);
            return;
        case Kind::kUniform:
            for (std::size_t k = 0; k < out.size(); ++k) out[k] = unit(seed_, first + k);
            return;
        case Kind::kNormal:
            for (std::size_t k = 0; k < out.size(); ++k) {
                const std::uint64_t i = first + k;
                const double u1 = 1.0 - unit(seed_, 2 * i);  // (0, 1]: log is finite
                const double u2 = unit(seed_, 2 * i + 1);
                out[k] = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
            }
            return;
    }
}

void GeneratedSource::read(std::size_t chunk, ValueSink& sink) const {
    const std::uint64_t first = chunk * kChunkValues;
    const std::uint64_t last = std::min(count_, first + kChunkValues);
    double block[2048];
    for (std::uint64_t i = first; i < last;) {
        const std::uint64_t n = std::min<std::uint64_t>(std::size(block), last - i);
        fill(i, std::span<double>(block, n));
        sink.values(0, std::span<const double>(block, n));
        i += n;
    }
}

std::vector<double> GeneratedSource::sample(std::size_t, std::size_t count) const {
    std::vector<double> values;
    for (std::uint64_t i : sample_positions(count_, count)) values.push_back(value(i));
    return values;
}

std::string GeneratedSource::describe_position(std::uint64_t where) const {
    return fmt::format("value {}", where + 1);
}

std::uint64_t GeneratedSource::chunk_bytes(std::size_t chunk) const {
    const std::uint64_t first = chunk * kChunkValues;
    return (std::min(count_, first + kChunkValues) - first) * sizeof(double);
}

}  // namespace concur::describe

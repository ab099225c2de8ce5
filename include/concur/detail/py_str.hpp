// concur/detail/py_str.hpp -- private: Python's str() of C++ values.
//
// `threading::print` (and later every module's repr) renders values the way
// Python's print() does: bools as True/False, floats in shortest round-trip
// form with a ".0" on integral values, sequences as [a, b, c], pairs and
// tuples as (a, b), optionals as None, and anything else through operator<<.
#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <optional>
#include <ostream>
#include <ranges>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace concur::detail {

template <class T>
concept Streamable = requires(std::ostream& os, const T& v) { os << v; };

template <class T>
concept StringLike = std::is_convertible_v<const T&, std::string_view>;

template <class T>
concept TupleLike = requires { std::tuple_size<T>::value; } && !std::ranges::range<T>;

template <class T>
void write_py_str(std::ostream& os, const T& value);

// Inside containers Python shows repr(): strings get quotes.
template <class T>
void write_py_repr(std::ostream& os, const T& value) {
    if constexpr (StringLike<T> && !std::is_same_v<T, char>) {
        os << '\'' << std::string_view(value) << '\'';
    } else if constexpr (std::is_same_v<T, char>) {
        os << '\'' << value << '\'';
    } else {
        write_py_str(os, value);
    }
}

// Python's repr(float): the shortest digits that round-trip, written in
// fixed notation when the decimal exponent is in [-4, 16) (with ".0" on
// integral values), else as d.ddde+XX.
inline void write_py_float(std::ostream& os, double value) {
    char buffer[64];
    auto [end, ec] =
        std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
    std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
    if (text.find_first_of("0123456789") == std::string_view::npos) {  // inf, -inf, nan
        os << (text.find("nan") != std::string_view::npos ? "nan" : text);
        return;
    }
    const std::size_t e = text.find('e');
    const int exponent = std::stoi(std::string(text.substr(e + 1)));
    if (exponent < -4 || exponent >= 16) {
        os << text.substr(0, e) << 'e' << (exponent < 0 ? '-' : '+');
        const int magnitude = exponent < 0 ? -exponent : exponent;
        if (magnitude < 10) os << '0';
        os << magnitude;
        return;
    }
    std::string_view mantissa = text.substr(0, e);
    const bool negative = !mantissa.empty() && mantissa.front() == '-';
    if (negative) mantissa.remove_prefix(1);
    std::string digits;  // the significant digits without the point
    for (char c : mantissa)
        if (c != '.') digits += c;
    std::string fixed;
    if (exponent < 0) {
        fixed = "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    } else {
        const auto integral = static_cast<std::size_t>(exponent) + 1;
        if (digits.size() <= integral) {
            fixed = digits + std::string(integral - digits.size(), '0') + ".0";
        } else {
            fixed = digits.substr(0, integral) + "." + digits.substr(integral);
        }
    }
    if (negative) os << '-';
    os << fixed;
}

template <class T>
void write_py_str(std::ostream& os, const T& value) {
    if constexpr (std::is_same_v<T, bool>) {
        os << (value ? "True" : "False");
    } else if constexpr (std::is_floating_point_v<T>) {
        write_py_float(os, static_cast<double>(value));
    } else if constexpr (std::is_same_v<T, std::nullopt_t> || std::is_null_pointer_v<T>) {
        os << "None";
    } else if constexpr (StringLike<T>) {
        os << std::string_view(value);
    } else if constexpr (requires { value.has_value(); *value; } && !Streamable<T>) {
        if (value.has_value())
            write_py_str(os, *value);
        else
            os << "None";
    } else if constexpr (Streamable<T>) {
        os << value;
    } else if constexpr (std::ranges::range<T>) {
        os << '[';
        bool first = true;
        for (const auto& element : value) {
            if (!first) os << ", ";
            first = false;
            write_py_repr(os, element);
        }
        os << ']';
    } else if constexpr (TupleLike<T>) {
        os << '(';
        std::apply(
            [&os](const auto&... elements) {
                std::size_t index = 0;
                ((os << (index++ ? ", " : ""), write_py_repr(os, elements)), ...);
            },
            value);
        if constexpr (std::tuple_size_v<T> == 1) os << ',';
        os << ')';
    } else {
        static_assert(Streamable<T>, "concur: this type has no operator<< and is not a range");
    }
}

// Python's str(value).
template <class T>
std::string py_str(const T& value) {
    std::ostringstream os;
    write_py_str(os, value);
    return std::move(os).str();
}

}  // namespace concur::detail

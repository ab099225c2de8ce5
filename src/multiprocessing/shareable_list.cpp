// shared_memory::ShareableList in Python's layout (Lib/multiprocessing/
// shared_memory.py), so that either language can attach to the other's list:
//
//   int64 n | int64 offsets[n + 1] | data | char formats[n][8] | int8 codes[n]
//
// offsets[i] is item i's place in `data` (offsets[0] = 0, each slot at least
// 8 bytes); formats are the struct formats ("q", "d", "xxxxxxx?",
// "xxxxxx?x", "<N>s") NUL-padded to 8; codes say how to turn the unpacked
// value back: 0 as is (int, float, bool), 1 str, 2 bytes, 3 None. All native
// (little-endian) byte order.
#include <concur/multiprocessing/shared_memory/shareable_list.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include <concur/detail/py_str.hpp>
#include <concur/exceptions.hpp>

namespace concur::multiprocessing::shared_memory {

namespace {

constexpr std::size_t kAlignment = 8;
constexpr std::size_t kFormatWidth = 8;

enum Code : std::int8_t { kAsIs = 0, kStr = 1, kBytes = 2, kNone = 3 };

std::span<const std::byte> text_of(const ShareableList::Item& item) {
    if (const auto* s = std::get_if<std::string>(&item))
        return std::as_bytes(std::span(s->data(), s->size()));
    const auto& b = std::get<Bytes>(item);
    return {b.data(), b.size()};
}

bool is_text(const ShareableList::Item& item) {
    return std::holds_alternative<std::string>(item) || std::holds_alternative<Bytes>(item);
}

// The format Python gives a new item, and its code.
std::string format_of(const ShareableList::Item& item) {
    switch (item.index()) {
        case 0:
            return "xxxxxx?x";
        case 1:
            return "q";
        case 2:
            return "d";
        case 3:
            return "xxxxxxx?";
        default: {
            // Python sizes a str by its length in code points; so do we,
            // unless its UTF-8 bytes would not fit (Python then truncates).
            const std::span<const std::byte> text = text_of(item);
            std::size_t length = text.size();
            if (std::holds_alternative<std::string>(item))
                length = static_cast<std::size_t>(std::ranges::count_if(text, [](std::byte b) {
                    return (static_cast<unsigned char>(b) & 0xc0) != 0x80;  // not a continuation
                }));
            std::size_t width = kAlignment * (length / kAlignment + 1);
            if (text.size() > width) width = kAlignment * (text.size() / kAlignment + 1);
            std::string format = std::to_string(width) + "s";
            if (format.size() > kFormatWidth)
                throw ValueError("a str or bytes item of " + std::to_string(text.size()) +
                                 " bytes is too long for a ShareableList");
            return format;
        }
    }
}

Code code_of(const ShareableList::Item& item) {
    switch (item.index()) {
        case 0:
            return kNone;
        case 4:
            return kStr;
        case 5:
            return kBytes;
        default:
            return kAsIs;
    }
}

template <class T>
T read_at(std::span<const std::byte> bytes, std::size_t at) {
    T value;
    std::memcpy(&value, bytes.data() + at, sizeof value);
    return value;
}

template <class T>
void write_at(std::span<std::byte> bytes, std::size_t at, const T& value) {
    std::memcpy(bytes.data() + at, &value, sizeof value);
}

[[noreturn]] void not_a_list(const std::string& name) {
    throw ValueError("shared memory block '" + name + "' does not hold a ShareableList");
}

// Python's repr() of a bytes value: b'ab\x00'.
void write_bytes_repr(std::ostream& os, const Bytes& bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    os << "b'";
    for (std::byte b : bytes) {
        const auto c = static_cast<unsigned char>(b);
        if (c == '\\' || c == '\'')
            os << '\\' << c;
        else if (c == '\n')
            os << "\\n";
        else if (c == '\r')
            os << "\\r";
        else if (c == '\t')
            os << "\\t";
        else if (c < 0x20 || c >= 0x7f)
            os << "\\x" << kHex[c >> 4] << kHex[c & 15];
        else
            os << c;
    }
    os << '\'';
}

void write_item_repr(std::ostream& os, const ShareableList::Item& item) {
    switch (item.index()) {
        case 0:
            os << "None";
            break;
        case 1:
            os << std::get<std::int64_t>(item);
            break;
        case 2:
            concur::detail::write_py_str(os, std::get<double>(item));
            break;
        case 3:
            os << (std::get<bool>(item) ? "True" : "False");
            break;
        case 4:
            concur::detail::write_py_repr(os, std::get<std::string>(item));
            break;
        default:
            write_bytes_repr(os, std::get<Bytes>(item));
            break;
    }
}

}  // namespace

ShareableList::ShareableList(const std::vector<Item>& sequence, std::optional<std::string> name)
    : length_(sequence.size()) {
    std::vector<std::string> formats;
    formats.reserve(length_);
    offsets_.reserve(length_ + 1);
    offsets_.push_back(0);
    for (const Item& item : sequence) {
        formats.push_back(format_of(item));
        const std::size_t width =
            is_text(item) ? std::stoul(formats.back()) : kAlignment;  // "<N>s" -> N
        offsets_.push_back(offsets_.back() + static_cast<std::int64_t>(width));
    }
    const std::size_t data_start = (length_ + 2) * 8;
    const std::size_t formats_start = data_start + static_cast<std::size_t>(offsets_.back());
    const std::size_t codes_start = formats_start + length_ * kFormatWidth;
    shm_ = SharedMemory(std::move(name), true, codes_start + length_);

    const std::span<std::byte> out = bytes();
    write_at(out, 0, static_cast<std::int64_t>(length_));
    for (std::size_t i = 0; i <= length_; ++i) write_at(out, 8 + 8 * i, offsets_[i]);
    for (std::size_t i = 0; i < length_; ++i) {
        std::memcpy(out.data() + formats_start + i * kFormatWidth, formats[i].data(),
                    formats[i].size());  // the rest is already zero
        write_at(out, codes_start + i, static_cast<std::int8_t>(code_of(sequence[i])));
        set(static_cast<std::ptrdiff_t>(i), sequence[i]);
    }
}

ShareableList::ShareableList(std::nullopt_t, const std::string& name) : shm_(name) {
    const std::span<const std::byte> in = bytes();
    if (in.size() < 16) not_a_list(name);
    const auto length = read_at<std::int64_t>(in, 0);
    if (length < 0 || static_cast<std::uint64_t>(length) > (in.size() - 16) / 8) not_a_list(name);
    length_ = static_cast<std::size_t>(length);
    offsets_.resize(length_ + 1);
    for (std::size_t i = 0; i <= length_; ++i) {
        offsets_[i] = read_at<std::int64_t>(in, 8 + 8 * i);
        if (offsets_[i] < (i == 0 ? 0 : offsets_[i - 1] + static_cast<std::int64_t>(kAlignment)) ||
            (i == 0 && offsets_[0] != 0))
            not_a_list(name);
    }
    const std::size_t needed = (length_ + 2) * 8 + static_cast<std::size_t>(offsets_.back()) +
                               length_ * (kFormatWidth + 1);
    if (needed > in.size()) not_a_list(name);
}

std::size_t ShareableList::slot(std::ptrdiff_t index, const char* what) const {
    const auto n = static_cast<std::ptrdiff_t>(length_);
    if (index < 0) index += n;
    if (index < 0 || index >= n) throw IndexError(what);
    return static_cast<std::size_t>(index);
}

ShareableList::Item ShareableList::get(std::ptrdiff_t index) const {
    const std::size_t i = slot(index, "Requested position out of range.");
    const std::span<const std::byte> in = bytes();
    const std::size_t data_start = (length_ + 2) * 8;
    const std::size_t at = data_start + static_cast<std::size_t>(offsets_[i]);
    const std::size_t formats_start = data_start + static_cast<std::size_t>(offsets_.back());
    const auto* format_bytes =
        reinterpret_cast<const char*>(in.data() + formats_start + i * kFormatWidth);
    const std::string format(format_bytes, ::strnlen(format_bytes, kFormatWidth));
    const auto code = read_at<std::int8_t>(in, formats_start + length_ * kFormatWidth + i);

    if (code == kNone) return None;
    if (code == kStr || code == kBytes) {
        if (format.empty() || format.back() != 's')
            throw ValueError("malformed ShareableList item");
        const std::size_t width = std::min<std::size_t>(
            std::stoul(format), static_cast<std::size_t>(offsets_[i + 1] - offsets_[i]));
        const auto* text = reinterpret_cast<const char*>(in.data() + at);
        std::size_t length = width;
        while (length > 0 && text[length - 1] == '\0') --length;  // Python's rstrip(b'\0')
        if (code == kStr) return std::string(text, length);
        return Bytes(in.data() + at, in.data() + at + length);
    }
    if (format == "q") return read_at<std::int64_t>(in, at);
    if (format == "d") return read_at<double>(in, at);
    if (format == "xxxxxxx?") return read_at<std::uint8_t>(in, at + 7) != 0;
    throw ValueError("unsupported ShareableList format '" + format + "'");
}

void ShareableList::set(std::ptrdiff_t index, const Item& value) const {
    const std::size_t i = slot(index, "Requested position out of range.");
    const std::span<std::byte> out = bytes();
    const std::size_t data_start = (length_ + 2) * 8;
    const std::size_t at = data_start + static_cast<std::size_t>(offsets_[i]);
    const std::size_t formats_start = data_start + static_cast<std::size_t>(offsets_.back());
    char* format_bytes = reinterpret_cast<char*>(out.data() + formats_start + i * kFormatWidth);

    std::string format;
    std::size_t width = kAlignment;
    if (is_text(value)) {
        width = static_cast<std::size_t>(offsets_[i + 1] - offsets_[i]);
        if (text_of(value).size() > width)
            throw ValueError("bytes/str item exceeds available storage");
        const std::string current(format_bytes, ::strnlen(format_bytes, kFormatWidth));
        format = !current.empty() && current.back() == 's' ? current : std::to_string(width) + "s";
        width = std::min<std::size_t>(width, std::stoul(format));
    } else {
        format = format_of(value);
    }
    std::memset(format_bytes, 0, kFormatWidth);
    std::memcpy(format_bytes, format.data(), format.size());
    write_at(out, formats_start + length_ * kFormatWidth + i,
             static_cast<std::int8_t>(code_of(value)));

    std::byte slot_bytes[kAlignment] = {};
    switch (value.index()) {
        case 0:
            break;  // "xxxxxx?x" packs None as False: all zero
        case 1:
            std::memcpy(slot_bytes, &std::get<std::int64_t>(value), 8);
            break;
        case 2:
            std::memcpy(slot_bytes, &std::get<double>(value), 8);
            break;
        case 3:
            slot_bytes[7] = std::byte{std::get<bool>(value) ? std::uint8_t{1} : std::uint8_t{0}};
            break;
        default: {
            const std::span<const std::byte> text = text_of(value);
            std::memcpy(out.data() + at, text.data(), text.size());
            std::memset(out.data() + at + text.size(), 0, width - text.size());
            return;
        }
    }
    std::memcpy(out.data() + at, slot_bytes, kAlignment);
}

bool ShareableList::python_equal(const Item& a, const Item& b) noexcept {
    const auto number = [](const Item& item) -> std::optional<std::variant<std::int64_t, double>> {
        if (const auto* i = std::get_if<std::int64_t>(&item)) return *i;
        if (const auto* d = std::get_if<double>(&item)) return *d;
        if (const auto* f = std::get_if<bool>(&item)) return std::int64_t{*f};
        return std::nullopt;
    };
    const auto x = number(a);
    const auto y = number(b);
    if (x && y) {
        const auto* xi = std::get_if<std::int64_t>(&*x);
        const auto* yi = std::get_if<std::int64_t>(&*y);
        if (xi && yi) return *xi == *yi;
        if (!xi && !yi) return std::get<double>(*x) == std::get<double>(*y);
        const std::int64_t i = xi ? *xi : *yi;
        const double d = xi ? std::get<double>(*y) : std::get<double>(*x);
        // Exact, as Python compares int with float: no rounding of i.
        return std::trunc(d) == d && d >= -0x1p63 && d < 0x1p63 &&
               static_cast<std::int64_t>(d) == i;
    }
    return a == b;  // None, str, bytes: same alternative and value
}

std::vector<ShareableList::Item> ShareableList::to_list() const {
    std::vector<Item> items;
    items.reserve(length_);
    for (std::size_t i = 0; i < length_; ++i) items.push_back(get(static_cast<std::ptrdiff_t>(i)));
    return items;
}

std::size_t ShareableList::count(const Item& value) const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < length_; ++i)
        n += python_equal(get(static_cast<std::ptrdiff_t>(i)), value);
    return n;
}

std::size_t ShareableList::index(const Item& value) const {
    for (std::size_t i = 0; i < length_; ++i)
        if (python_equal(get(static_cast<std::ptrdiff_t>(i)), value)) return i;
    std::ostringstream os;
    write_item_repr(os, value);
    throw ValueError(os.str() + " not in this container");
}

std::string ShareableList::format() const {
    if (offsets_.empty()) return {};  // refers to no list
    const std::span<const std::byte> in = bytes();
    const std::size_t formats_start = (length_ + 2) * 8 + static_cast<std::size_t>(offsets_.back());
    std::string result;
    for (std::size_t i = 0; i < length_; ++i) {
        const auto* f = reinterpret_cast<const char*>(in.data() + formats_start + i * kFormatWidth);
        result.append(f, ::strnlen(f, kFormatWidth));
    }
    return result;
}

std::string ShareableList::repr() const {
    std::ostringstream os;
    os << "ShareableList([";
    for (std::size_t i = 0; i < length_; ++i) {
        if (i != 0) os << ", ";
        write_item_repr(os, get(static_cast<std::ptrdiff_t>(i)));
    }
    os << "], name='" << shm_.name() << "')";
    return os.str();
}

}  // namespace concur::multiprocessing::shared_memory

// concur/multiprocessing/detail/wire.hpp -- private: how values cross a
// process boundary (what Python's multiprocessing does with pickle).
//
// A value becomes bytes with dump()/dumps() and comes back with
// load()/loads(). Two kinds of types are Serialisable:
//
//  * trivially copyable types that are not pointers (int, double, a struct of
//    numbers, an enum): their object representation is copied as one block.
//    The receiving process runs the same program, so layout and byte order
//    agree. A struct that *contains* a pointer is copied too -- the pointer is
//    meaningless on the other side; don't send such structs.
//  * types cereal can save and load with a generic archive (a template
//    `serialize(Archive&)`, or `save`/`load` members or free functions):
//    std::string, vector, deque, list, map, set, their unordered forms, array,
//    pair, tuple, optional, variant, chrono durations, complex, and user types
//    that give cereal a `serialize` member. The headers for those std types
//    are included here. cereal sends vectors and arrays of arithmetic
//    elements as one block; vectors of trivially copyable user structs are
//    copied element by element as blocks, without any code from the user.
//
// A trivially copyable type with its own cereal functions goes through them.
// The Serialisable check is shallow: a container of a type that is neither
// passes it and fails to build inside cereal, with cereal's message.
//
// The archives are concur's own (WireOutputArchive / WireInputArchive,
// cereal's extension interface), not cereal's BinaryOutputArchive: a
// serialize() written as a template over the archive works with both; one
// written for cereal::BinaryOutputArchive only does not.
//
// Malformed input. load() checks every read against the bytes that are left,
// and a container's declared length against them too (so a corrupt length
// cannot ask for terabytes): truncated or corrupt input raises ValueError,
// never reads out of bounds. Limits of that check: a container may not
// declare more elements than bytes remain, so a container of elements that
// serialise to nothing (an empty user type with an empty serialize()) longer
// than the rest of the message is rejected; and a trivially copyable value is
// taken bit for bit (a corrupt message can put any bit pattern into it, e.g.
// an enum outside its enumerators; a top-level or cereal-read `bool` is
// checked).
//
// Exceptions cross as WireError (a Python-style type name, the message, and
// errno for OSErrors): capture() on the raising side, rethrow() on the other.
// One registry in src/multiprocessing/wire.cpp lists the known types.
//
// Thread-safety: every function here is safe to call concurrently (no shared
// state), except that a Connection inside a value uses the calling thread's
// fd scopes (detail/fd_passing.hpp).
//
// Example:
//
//   Bytes bytes;
//   dump(bytes, 42);
//   dump(bytes, std::string("answer"));
//   std::span<const std::byte> in(bytes);
//   int n = load<int>(in);                    // 42; `in` now starts at the string
//   std::string s = load<std::string>(in);    // "answer"; `in` is empty
//
//   // an exception raised in a child, raised again in the parent:
//   try { work(); } catch (...) { conn.send(capture(std::current_exception())); }
//   ...
//   rethrow(conn.recv<WireError>());          // same type and message (or RemoteError)
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <cereal/archives/binary.hpp>
#include <cereal/cereal.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/chrono.hpp>
#include <cereal/types/complex.hpp>
#include <cereal/types/deque.hpp>
#include <cereal/types/list.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/tuple.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/unordered_set.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>

#include <concur/detail/prefault.hpp>
#include <concur/exceptions.hpp>

namespace concur::multiprocessing::detail {

using Bytes = std::vector<std::byte>;

// cereal output archive appending to a Bytes.
class WireOutputArchive : public cereal::OutputArchive<WireOutputArchive> {
  public:
    explicit WireOutputArchive(Bytes& out)
        : cereal::OutputArchive<WireOutputArchive>(this), out_(&out) {}

    void write(const void* data, std::size_t size) {
        if (size == 0) return;
        const std::size_t at = out_->size();
        out_->resize(at + size);
        std::memcpy(out_->data() + at, data, size);
    }

  private:
    Bytes* out_;
};

// cereal input archive consuming a span from the front. Every read is
// bounds-checked (ValueError).
class WireInputArchive : public cereal::InputArchive<WireInputArchive> {
  public:
    explicit WireInputArchive(std::span<const std::byte>& in)
        : cereal::InputArchive<WireInputArchive>(this), in_(&in) {}

    void read(void* data, std::size_t size) {
        if (size > in_->size())
            throw ValueError("malformed message: " + std::to_string(size) + " bytes wanted, " +
                             std::to_string(in_->size()) + " left");
        if (size == 0) return;
        std::memcpy(data, in_->data(), size);
        *in_ = in_->subspan(size);
    }
    std::size_t remaining() const noexcept { return in_->size(); }

  private:
    std::span<const std::byte>* in_;
};

// Whether T goes as a raw block where cereal has nothing for it: trivially
// copyable, not a pointer, and cereal cannot already serialise it (so
// std::array<int, 3> or std::optional<int> keep cereal's functions and there
// is never a second candidate).
// (std::conjunction: cereal's traits are only instantiated for trivially
// copyable types, so asking about a type of this namespace does not recurse.)
template <class T>
inline constexpr bool kBlob = std::conjunction_v<
    std::is_trivially_copyable<T>, std::negation<std::is_pointer<T>>,
    std::negation<std::is_member_pointer<T>>, std::negation<std::is_arithmetic<T>>,
    std::negation<std::is_enum<T>>, std::negation<std::is_array<T>>,
    std::negation<cereal::traits::is_output_serializable<T, cereal::BinaryOutputArchive>>,
    std::negation<cereal::traits::is_input_serializable<T, cereal::BinaryInputArchive>>>;

// --- cereal functions of the two archives (found by ADL on the archive) ---
// The blob functions test trivial copyability first, as a separate atomic
// constraint: cereal's traits for a type of this namespace (FunctionId,
// WireError) find these functions by ADL, and kBlob<T> would then depend on
// itself.

template <class T>
requires std::is_arithmetic_v<T>
void CEREAL_SAVE_FUNCTION_NAME(WireOutputArchive& ar, const T& value) {
    ar.write(std::addressof(value), sizeof(T));
}

template <class T>
requires std::is_arithmetic_v<T>
void CEREAL_LOAD_FUNCTION_NAME(WireInputArchive& ar, T& value) {
    if constexpr (std::is_same_v<T, bool>) {
        unsigned char byte = 0;
        ar.read(&byte, 1);
        if (byte > 1) throw ValueError("malformed message: a bool is neither 0 nor 1");
        value = byte != 0;
    } else {
        ar.read(std::addressof(value), sizeof(T));
    }
}

template <class T>
requires(std::is_trivially_copyable_v<T>&& kBlob<T>) void CEREAL_SAVE_FUNCTION_NAME(
    WireOutputArchive& ar, const T& value) {
    ar.write(std::addressof(value), sizeof(T));
}

template <class T>
requires(std::is_trivially_copyable_v<T>&& kBlob<T>) void CEREAL_LOAD_FUNCTION_NAME(
    WireInputArchive& ar, T& value) {
    ar.read(std::addressof(value), sizeof(T));
}

template <class T>
void CEREAL_SERIALIZE_FUNCTION_NAME(WireOutputArchive& ar, cereal::NameValuePair<T>& nvp) {
    ar(nvp.value);
}
template <class T>
void CEREAL_SERIALIZE_FUNCTION_NAME(WireInputArchive& ar, cereal::NameValuePair<T>& nvp) {
    ar(nvp.value);
}

template <class T>
void CEREAL_SERIALIZE_FUNCTION_NAME(WireOutputArchive& ar, cereal::SizeTag<T>& tag) {
    ar(tag.size);
}
// A container's length: it may not claim more elements than bytes are left
// (see the header comment), so corrupt input cannot make cereal allocate.
template <class T>
void CEREAL_SERIALIZE_FUNCTION_NAME(WireInputArchive& ar, cereal::SizeTag<T>& tag) {
    ar(tag.size);
    if (tag.size > ar.remaining())
        throw ValueError("malformed message: a container of " + std::to_string(tag.size) +
                         " elements in " + std::to_string(ar.remaining()) + " bytes");
}

template <class T>
void CEREAL_SAVE_FUNCTION_NAME(WireOutputArchive& ar, const cereal::BinaryData<T>& data) {
    ar.write(data.data, static_cast<std::size_t>(data.size));
}
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(WireInputArchive& ar, cereal::BinaryData<T>& data) {
    ar.read(data.data, static_cast<std::size_t>(data.size));
}

}  // namespace concur::multiprocessing::detail

CEREAL_REGISTER_ARCHIVE(concur::multiprocessing::detail::WireOutputArchive)
CEREAL_REGISTER_ARCHIVE(concur::multiprocessing::detail::WireInputArchive)
CEREAL_SETUP_ARCHIVE_TRAITS(concur::multiprocessing::detail::WireInputArchive,
                            concur::multiprocessing::detail::WireOutputArchive)

namespace concur::multiprocessing::detail {

// Whether T can cross a process boundary: see the header comment.
template <class T>
concept Serialisable = std::is_object_v<T> && !std::is_array_v<T> && !std::is_pointer_v<T> &&
                       !std::is_member_pointer_v<T> &&
                       (std::is_trivially_copyable_v<T> ||
                        (std::is_default_constructible_v<T> &&
                         cereal::traits::is_output_serializable<T, WireOutputArchive>::value &&
                         cereal::traits::is_input_serializable<T, WireInputArchive>::value));

namespace wire_impl {
// Types dumped without a cereal archive: a block of bytes.
template <class T>
inline constexpr bool kRaw =
    std::is_trivially_copyable_v<T> && !std::is_array_v<T> && !std::is_pointer_v<T> &&
    !std::is_member_pointer_v<T> && (std::is_arithmetic_v<T> || std::is_enum_v<T> || kBlob<T>);

// std::string and std::vector of numbers: loaded from the bytes cereal
// writes for them (a 64-bit element count, then the elements as one block)
// without an archive and without zero-filling a buffer that is then
// overwritten; senders may gather those two parts without a copy.
template <class T>
inline constexpr bool kContiguous = false;
template <class C>
inline constexpr bool kContiguous<std::basic_string<C>> = std::is_arithmetic_v<C>;
template <class E>
inline constexpr bool kContiguous<std::vector<E>> =
    std::is_arithmetic_v<E> && !std::is_same_v<E, bool>;

// The element count of a contiguous container of E at the front of `in`,
// checked against the bytes after it; `rest` is set to those bytes (`in` is
// left alone). ValueError when either does not fit.
template <class E>
std::size_t contiguous_count(std::span<const std::byte> in, std::span<const std::byte>& rest) {
    std::uint64_t count = 0;
    if (in.size() < sizeof count)
        throw ValueError("malformed message: 8 bytes wanted, " + std::to_string(in.size()) +
                         " left");
    std::memcpy(&count, in.data(), sizeof count);
    rest = in.subspan(sizeof count);
    if (count > rest.size() / sizeof(E))
        throw ValueError("malformed message: a container of " + std::to_string(count) +
                         " elements in " + std::to_string(rest.size()) + " bytes");
    return static_cast<std::size_t>(count);
}

template <class T>
T load_contiguous(std::span<const std::byte>& in) {
    using E = typename T::value_type;
    std::span<const std::byte> rest;
    const std::size_t size = contiguous_count<E>(in, rest);
    T value;
    if constexpr (sizeof(E) == 1) {  // char types may alias the bytes
        const E* first = reinterpret_cast<const E*>(rest.data());
        value.assign(first, first + size);
    } else {  // possibly misaligned: copy bytes
        value.resize(size);
        if (size != 0) std::memcpy(value.data(), rest.data(), size * sizeof(E));
    }
    in = rest.subspan(size * sizeof(E));
    return value;
}

// Text that is not a std::string -- a string literal, a char array, a
// C string, a std::string_view: dump() sends it as a std::string (a char
// array up to its first NUL), so the receiver loads a std::string.
template <class T>
inline constexpr bool kText = std::is_same_v<T, std::string_view> ||
                              std::is_same_v<T, const char*> || std::is_same_v<T, char*> ||
                              (std::is_array_v<T> &&
                               std::is_same_v<std::remove_cv_t<std::remove_extent_t<T>>, char>);

template <class T>
std::string_view text_of(const T& value) {
    if constexpr (std::is_array_v<T>) {
        return std::string_view(value, ::strnlen(value, std::extent_v<T>));
    } else if constexpr (std::is_pointer_v<T>) {
        if (value == nullptr) throw ValueError("cannot send a null C string");
        return std::string_view(value);
    } else {
        return value;
    }
}

[[noreturn]] void throw_malformed(const char* what);
}  // namespace wire_impl

// Reads a std::vector<E> of exactly `count` elements from the front of `in`
// (E as std::vector<E> is wire_impl::kContiguous) into out[0, count), and
// advances `in` past it: map()'s results go straight to their place in the
// output. ValueError for another count or malformed input.
template <class E>
void load_contiguous_into(std::span<const std::byte>& in, E* out, std::size_t count) {
    static_assert(wire_impl::kContiguous<std::vector<E>>);
    std::span<const std::byte> rest;
    const std::size_t have = wire_impl::contiguous_count<E>(in, rest);
    if (have != count)
        throw ValueError("malformed message: " + std::to_string(have) + " results for " +
                         std::to_string(count) + " items");
    if (count != 0) std::memcpy(out, rest.data(), count * sizeof(E));
    in = rest.subspan(count * sizeof(E));
}

// Appends the bytes of `value` to `out` (text that is not a std::string goes
// as a std::string). Blocks: no. Throws: whatever a user's cereal function
// throws; RuntimeError for a handle (Connection, Lock) outside an
// FdSendScope; ValueError for a null C string. Thread-safe: yes.
template <class T>
void dump(Bytes& out, const T& value) {
    if constexpr (wire_impl::kText<T>) {
        dump(out, std::string(wire_impl::text_of(value)));
    } else if constexpr (!Serialisable<T>) {
        static_assert(Serialisable<T>,
                      "concur::multiprocessing: this type is not serialisable: make it trivially "
                      "copyable or give it a cereal serialize() member");
    } else if constexpr (wire_impl::kRaw<T>) {
        const std::size_t at = out.size();
        out.resize(at + sizeof(T));
        std::memcpy(out.data() + at, std::addressof(value), sizeof(T));
    } else {
        WireOutputArchive archive(out);
        archive(value);
    }
}

// Reads a T from the front of `in` and advances `in` past it. On failure `in`
// is left as it was. Blocks: no. Throws ValueError for truncated or malformed
// input (also what a user's cereal function throws). Thread-safe: yes.
template <class T>
T load(std::span<const std::byte>& in) {
    if constexpr (!Serialisable<T>) {
        static_assert(Serialisable<T>,
                      "concur::multiprocessing: this type is not serialisable: make it trivially "
                      "copyable or give it a cereal serialize() member");
        return *static_cast<T*>(nullptr);  // not reached: the build stops above
    } else if constexpr (wire_impl::kRaw<T>) {
        if (in.size() < sizeof(T))
            throw ValueError("malformed message: " + std::to_string(sizeof(T)) + " bytes wanted, " +
                             std::to_string(in.size()) + " left");
        if constexpr (std::is_same_v<T, bool>) {
            if (static_cast<unsigned char>(in[0]) > 1)
                throw ValueError("malformed message: a bool is neither 0 nor 1");
        }
        alignas(T) std::byte storage[sizeof(T)];
        std::memcpy(storage, in.data(), sizeof(T));
        in = in.subspan(sizeof(T));
        return *std::launder(reinterpret_cast<T*>(storage));
    } else if constexpr (wire_impl::kContiguous<T>) {
        return wire_impl::load_contiguous<T>(in);
    } else {
        std::span<const std::byte> rest = in;
        T value{};
        try {
            WireInputArchive archive(rest);
            archive(value);
        } catch (const cereal::Exception& e) {
            wire_impl::throw_malformed(e.what());
        }
        in = rest;
        return value;
    }
}

// Makes `bytes` at least `size` long (never shorter). New capacity grows
// geometrically, and the part about to be written is mapped in with one call
// (prefault.hpp) from kMapInAtOnce bytes on: message buffers are often fresh
// memory, written whole at once, in a process that has just started.
inline constexpr std::size_t kMapInAtOnce = 64 * 1024;
inline void grow_for_writing(Bytes& bytes, std::size_t size) {
    const std::size_t had = bytes.size();
    if (had >= size) return;
    if (bytes.capacity() < size) {
        bytes.reserve(std::max(size, 2 * bytes.capacity()));
        concur::detail::prefault_for_writing(bytes.data() + had, size - had, kMapInAtOnce);
    }
    bytes.resize(size);
}

// The bytes of `value` alone.
template <class T>
Bytes dumps(const T& value) {
    Bytes out;
    dump(out, value);
    return out;
}

// The T that `bytes` holds, all of them: ValueError if bytes are left over
// (a sign the sender sent another type) or missing.
template <class T>
T loads(std::span<const std::byte> bytes) {
    T value = load<T>(bytes);
    if (!bytes.empty())
        throw ValueError("malformed message: " + std::to_string(bytes.size()) +
                         " bytes left over after the value");
    return value;
}

// --- exceptions across processes -------------------------------------------

// An exception as it crosses: `type` is the Python-style name of a concur
// exception ("ValueError", "queue.Empty", "multiprocessing.RemoteError"), the
// qualified name of a standard one ("std::out_of_range"), or another type's
// demangled name; `message` its what(); `errno_value` an OSError's errno.
struct WireError {
    std::string type;
    std::string message;
    int errno_value = 0;

    template <class Archive>
    void serialize(Archive& archive) {
        archive(type, message, errno_value);
    }
    bool operator==(const WireError&) const = default;
};

// What rethrow() needs to raise the exception `error` holds. Types are
// matched by their exact dynamic type: a user's subclass of ValueError crosses
// under its own demangled name (and arrives as a RemoteError). A non-std
// exception becomes {"unknown exception", ""}. A null exception_ptr raises
// ValueError. Blocks: no. Thread-safe: yes.
WireError capture(std::exception_ptr error);

// Raises the exception `error` describes: the same C++ type with the same
// message (and errno) when the type is one the registry knows, else
// multiprocessing::RemoteError whose what() is "<type>: <message>".
[[noreturn]] void rethrow(const WireError& error);

}  // namespace concur::multiprocessing::detail

// detail/wire.hpp: values and exceptions as bytes. Round trips of the types
// multiprocessing sends, truncated and corrupt input (ValueError, never a
// crash), and the exception registry.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <new>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <concur/futures/exceptions.hpp>
#include <concur/multiprocessing/detail/wire.hpp>
#include <concur/multiprocessing/exceptions.hpp>
#include <concur/queue/exceptions.hpp>
#include <concur/threading/exceptions.hpp>

namespace mp = concur::multiprocessing;
namespace wire = concur::multiprocessing::detail;

namespace {

struct Point {  // trivially copyable: goes as a block
    int x;
    double y;
    bool operator==(const Point&) const = default;
};

enum class Colour : std::uint8_t { red = 1, green = 2 };

struct Named {  // needs cereal
    std::string name;
    std::vector<Point> points;
    std::map<std::string, int> counts;
    template <class Archive>
    void serialize(Archive& archive) {
        archive(name, points, counts);
    }
    bool operator==(const Named&) const = default;
};

class Private {  // a private serialize() through cereal::access
  public:
    Private() = default;
    explicit Private(int v) : value_(v) {}
    int value() const { return value_; }

  private:
    friend class cereal::access;
    template <class Archive>
    void serialize(Archive& archive) {
        archive(value_);
    }
    int value_ = 0;
};

struct NoSerialise {
    std::string text;  // not trivially copyable, no serialize()
};

template <class T>
T round_trip(const T& value) {
    return wire::loads<T>(wire::dumps(value));
}

static_assert(wire::Serialisable<int>);
static_assert(wire::Serialisable<Point>);
static_assert(wire::Serialisable<Colour>);
static_assert(wire::Serialisable<std::string>);
static_assert(wire::Serialisable<std::vector<Point>>);
static_assert(wire::Serialisable<Named>);
static_assert(wire::Serialisable<Private>);
static_assert(wire::Serialisable<std::optional<int>>);
static_assert(!wire::Serialisable<int*>);
static_assert(!wire::Serialisable<const char*>);
static_assert(!wire::Serialisable<NoSerialise>);
static_assert(!wire::Serialisable<int[3]>);  // a C array cannot be returned; use std::array

TEST(Wire, TextGoesAsAString) {
    EXPECT_EQ(wire::loads<std::string>(wire::dumps("literal")), "literal");
    const char unterminated[4] = {'a', 'b', 'c', 'd'};
    EXPECT_EQ(wire::loads<std::string>(wire::dumps(unterminated)), "abcd");
    const char* c_string = "c string";
    EXPECT_EQ(wire::loads<std::string>(wire::dumps(c_string)), "c string");
    EXPECT_EQ(wire::loads<std::string>(wire::dumps(std::string_view("view"))), "view");
    EXPECT_EQ(wire::dumps("same"), wire::dumps(std::string("same")));
    const char* null = nullptr;
    EXPECT_THROW(wire::dumps(null), concur::ValueError);
}

TEST(Wire, RoundTripsArithmetic) {
    EXPECT_EQ(round_trip(42), 42);
    EXPECT_EQ(round_trip(-7LL), -7LL);
    EXPECT_EQ(round_trip(std::numeric_limits<std::uint64_t>::max()),
              std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(round_trip(3.25), 3.25);
    EXPECT_EQ(round_trip(1.5f), 1.5f);
    EXPECT_EQ(round_trip('x'), 'x');
    EXPECT_EQ(round_trip(true), true);
    EXPECT_EQ(round_trip(false), false);
    EXPECT_EQ(round_trip(Colour::green), Colour::green);
    EXPECT_EQ(wire::dumps(42).size(), sizeof(int));  // raw, no framing
}

TEST(Wire, RoundTripsTriviallyCopyableStructsAsBlocks) {
    EXPECT_EQ(round_trip(Point{3, 4.5}), (Point{3, 4.5}));
    EXPECT_EQ(wire::dumps(Point{3, 4.5}).size(), sizeof(Point));
    const std::vector<Point> points{{1, 1.5}, {2, 2.5}, {3, 3.5}};
    EXPECT_EQ(round_trip(points), points);
    // a size and the elements, nothing per element
    EXPECT_EQ(wire::dumps(points).size(), sizeof(std::uint64_t) + 3 * sizeof(Point));
    const std::array<Point, 2> array{Point{5, 0.5}, Point{6, 0.25}};
    EXPECT_EQ(round_trip(array), array);
}

TEST(Wire, RoundTripsStandardTypes) {
    EXPECT_EQ(round_trip(std::string()), "");
    EXPECT_EQ(round_trip(std::string("hello, world")), "hello, world");
    const std::string binary("a\0b\xff", 4);
    EXPECT_EQ(round_trip(binary), binary);
    const std::vector<int> ints{1, 2, 3, -4};
    EXPECT_EQ(round_trip(ints), ints);
    EXPECT_EQ(wire::dumps(ints).size(), sizeof(std::uint64_t) + 4 * sizeof(int));  // one block
    const std::vector<std::string> strings{"a", "", "ccc"};
    EXPECT_EQ(round_trip(strings), strings);
    const std::map<std::string, std::vector<double>> map{{"x", {1.0}}, {"y", {}}};
    EXPECT_EQ(round_trip(map), map);
    const std::unordered_map<int, std::string> hashed{{1, "one"}, {2, "two"}};
    EXPECT_EQ(round_trip(hashed), hashed);
    const std::set<int> set{3, 1, 2};
    EXPECT_EQ(round_trip(set), set);
    const std::tuple<int, std::string, double> tuple{1, "two", 3.0};
    EXPECT_EQ(round_trip(tuple), tuple);
    const std::pair<std::string, int> pair{"p", 9};
    EXPECT_EQ(round_trip(pair), pair);
    EXPECT_EQ(round_trip(std::optional<std::string>()), std::nullopt);
    EXPECT_EQ(round_trip(std::optional<std::string>("set")), "set");
    EXPECT_EQ(round_trip(std::optional<int>(5)), 5);
    const std::variant<int, std::string> variant{std::string("v")};
    EXPECT_EQ(round_trip(variant), variant);
}

TEST(Wire, RoundTripsUserTypesWithCerealSerialize) {
    const Named named{"n", {{1, 2.0}, {3, 4.0}}, {{"k", 7}}};
    EXPECT_EQ(round_trip(named), named);
    const std::vector<Named> many{named, Named{}, named};
    EXPECT_EQ(round_trip(many), many);
    EXPECT_EQ(round_trip(Private(17)).value(), 17);
}

TEST(Wire, DumpAppendsAndLoadConsumesFromTheFront) {
    wire::Bytes bytes;
    wire::dump(bytes, 7);
    wire::dump(bytes, std::string("seven"));
    wire::dump(bytes, Point{7, 7.0});
    std::span<const std::byte> in(bytes);
    EXPECT_EQ(wire::load<int>(in), 7);
    EXPECT_EQ(wire::load<std::string>(in), "seven");
    EXPECT_EQ(wire::load<Point>(in), (Point{7, 7.0}));
    EXPECT_TRUE(in.empty());
}

TEST(Wire, TruncatedInputRaisesValueError) {
    const Named named{"a name", {{1, 2.0}, {3, 4.0}}, {{"key", 7}, {"other", 8}}};
    const wire::Bytes whole = wire::dumps(named);
    for (std::size_t size = 0; size < whole.size(); ++size) {
        std::span<const std::byte> in(whole.data(), size);
        EXPECT_THROW(wire::load<Named>(in), concur::ValueError) << "prefix of " << size;
        EXPECT_EQ(in.size(), size) << "a failed load leaves its input alone";
    }
    const wire::Bytes number = wire::dumps(12345);
    EXPECT_THROW(wire::loads<int>(std::span(number).first(3)), concur::ValueError);
    EXPECT_THROW(wire::loads<Point>(std::span(number)), concur::ValueError);
}

TEST(Wire, CorruptLengthsRaiseValueErrorWithoutAllocating) {
    wire::Bytes bytes;
    wire::dump(bytes, std::uint64_t{1} << 60);  // a string "of 2^60 characters"
    wire::dump(bytes, 'a');
    EXPECT_THROW(wire::loads<std::string>(bytes), concur::ValueError);
    EXPECT_THROW(wire::loads<std::vector<double>>(bytes), concur::ValueError);
    EXPECT_THROW((wire::loads<std::map<int, int>>(bytes)), concur::ValueError);
}

// A std::string or vector of numbers at the top of a message is loaded
// without cereal (wire_impl::load_contiguous); inside another value cereal
// reads it. Both read the same bytes: a 64-bit count, then the elements.
struct NumbersAndText {
    std::vector<double> numbers;
    std::string text;
    template <class Archive>
    void serialize(Archive& archive) {
        archive(numbers, text);
    }
};

TEST(Wire, StringsAndNumberVectorsLoadTheBytesCerealWrites) {
    const NumbersAndText holder{{1.5, -2.25, 1e300}, "text"};
    const wire::Bytes bytes = wire::dumps(holder);
    ASSERT_EQ(bytes.size(), 8 + 3 * sizeof(double) + 8 + 4);
    std::span<const std::byte> in(bytes);
    EXPECT_EQ(wire::load<std::vector<double>>(in), holder.numbers);  // misaligned after it
    EXPECT_EQ(wire::loads<std::string>(in), "text");
    const wire::Bytes as_cereal = wire::dumps(holder.numbers);
    EXPECT_EQ(wire::loads<std::vector<double>>(as_cereal), holder.numbers);
    EXPECT_EQ(wire::loads<std::vector<char>>(wire::dumps(std::vector<char>{'a', 'b'})),
              (std::vector<char>{'a', 'b'}));
    EXPECT_TRUE(wire::loads<std::string>(wire::dumps(std::string())).empty());
    wire::Bytes lying = wire::dumps(std::vector<std::int32_t>{1, 2});
    lying[0] = std::byte{3};  // three elements claimed, two there
    EXPECT_THROW((void)wire::loads<std::vector<std::int32_t>>(lying), concur::ValueError);
    EXPECT_THROW((void)wire::loads<std::string>(wire::Bytes(5)), concur::ValueError);
}

// map()'s results go from a reply straight into their place in the output.
TEST(Wire, LoadContiguousIntoFillsThePlaceAndChecksTheCount) {
    const wire::Bytes bytes = wire::dumps(std::vector<std::uint64_t>{7, 8, 9});
    std::vector<std::uint64_t> out(5, 0);
    std::span<const std::byte> in(bytes);
    wire::load_contiguous_into(in, out.data() + 1, 3);
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(out, (std::vector<std::uint64_t>{0, 7, 8, 9, 0}));
    std::span<const std::byte> again(bytes);
    EXPECT_THROW(wire::load_contiguous_into(again, out.data(), 2), concur::ValueError);
    EXPECT_EQ(again.size(), bytes.size());  // left as it was
    wire::Bytes lying = bytes;
    lying[0] = std::byte{4};  // four elements claimed, three there
    std::span<const std::byte> short_in(lying);
    EXPECT_THROW(wire::load_contiguous_into(short_in, out.data(), 4), concur::ValueError);
}

TEST(Wire, GrowForWritingKeepsTheBytesAndNeverShrinks) {
    wire::Bytes bytes{std::byte{1}, std::byte{2}};
    wire::grow_for_writing(bytes, 1 << 20);  // above the prefault threshold
    ASSERT_EQ(bytes.size(), std::size_t{1} << 20);
    EXPECT_EQ(bytes[0], std::byte{1});
    EXPECT_EQ(bytes[1], std::byte{2});
    EXPECT_EQ(bytes.back(), std::byte{0});
    const std::byte* data = bytes.data();
    wire::grow_for_writing(bytes, 16);
    EXPECT_EQ(bytes.size(), std::size_t{1} << 20);
    EXPECT_EQ(bytes.data(), data);
}

TEST(Wire, InvalidBoolAndVariantIndexRaiseValueError) {
    const wire::Bytes two{std::byte{2}};
    EXPECT_THROW(wire::loads<bool>(two), concur::ValueError);
    EXPECT_THROW(wire::loads<std::optional<int>>(two), concur::ValueError);
    wire::Bytes variant;
    wire::dump(variant, std::int32_t{9});  // no alternative 9
    wire::dump(variant, 1);
    EXPECT_THROW((wire::loads<std::variant<int, std::string>>(variant)), concur::ValueError);
}

TEST(Wire, LoadsRejectsBytesLeftOver) {
    wire::Bytes bytes = wire::dumps(1);
    wire::dump(bytes, 2);
    EXPECT_THROW(wire::loads<int>(bytes), concur::ValueError);
    EXPECT_EQ((wire::loads<std::pair<int, int>>(bytes)), std::make_pair(1, 2));
}

// --- exceptions --------------------------------------------------------------

// Throws `error`, captures it, sends the WireError through bytes and rethrows:
// the same dynamic type and message come out.
template <class E>
void expect_round_trip(const E& error, const char* name) {
    wire::WireError captured;
    try {
        throw error;
    } catch (...) {
        captured = wire::capture(std::current_exception());
    }
    EXPECT_EQ(captured.type, name);
    const wire::WireError received = wire::loads<wire::WireError>(wire::dumps(captured));
    EXPECT_EQ(received, captured);
    try {
        wire::rethrow(received);
    } catch (const std::exception& e) {
        EXPECT_EQ(typeid(e), typeid(E)) << name << " came back as " << typeid(e).name();
        EXPECT_STREQ(e.what(), error.what()) << name;
        return;
    }
    ADD_FAILURE() << name << " was not rethrown";
}

TEST(WireError, ConcurExceptionsRoundTripWithTheirTypeAndMessage) {
    expect_round_trip(concur::RuntimeError("r"), "RuntimeError");
    expect_round_trip(concur::ValueError("v"), "ValueError");
    expect_round_trip(concur::TimeoutError("t"), "TimeoutError");
    expect_round_trip(concur::CancelledError(), "CancelledError");
    expect_round_trip(concur::OSError("o", EACCES), "OSError");
    expect_round_trip(concur::FileNotFoundError("f"), "FileNotFoundError");
    expect_round_trip(concur::BrokenPipeError("b"), "BrokenPipeError");
    expect_round_trip(concur::ConnectionRefusedError("r"), "ConnectionRefusedError");
    expect_round_trip(concur::ConnectionResetError("r"), "ConnectionResetError");
    expect_round_trip(concur::FileExistsError("e"), "FileExistsError");
    expect_round_trip(concur::PermissionError("p"), "PermissionError");
    expect_round_trip(concur::IndexError("i"), "IndexError");
    expect_round_trip(concur::TypeError("t"), "TypeError");
    expect_round_trip(concur::EOFError("e"), "EOFError");
    expect_round_trip(concur::queue::Empty(), "queue.Empty");
    expect_round_trip(concur::queue::Full(), "queue.Full");
    expect_round_trip(concur::queue::ShutDown(), "queue.ShutDown");
    expect_round_trip(mp::ProcessError("p"), "multiprocessing.ProcessError");
    expect_round_trip(mp::BufferTooShort("short"), "multiprocessing.BufferTooShort");
    expect_round_trip(mp::TimeoutError("mt"), "multiprocessing.TimeoutError");
    expect_round_trip(mp::WorkerLostError("w"), "multiprocessing.WorkerLostError");
    expect_round_trip(mp::RemoteError("Other: x"), "multiprocessing.RemoteError");
    expect_round_trip(concur::futures::InvalidStateError("i"),
                      "concurrent.futures.InvalidStateError");
    expect_round_trip(concur::futures::BrokenExecutor("be"), "concurrent.futures.BrokenExecutor");
    expect_round_trip(concur::futures::BrokenThreadPool("bt"),
                      "concurrent.futures.thread.BrokenThreadPool");
    expect_round_trip(concur::futures::BrokenProcessPool("bp"),
                      "concurrent.futures.process.BrokenProcessPool");
    expect_round_trip(concur::threading::BrokenBarrierError(), "threading.BrokenBarrierError");
}

TEST(WireError, StandardExceptionsRoundTripWithTheirTypeAndMessage) {
    expect_round_trip(std::runtime_error("a"), "std::runtime_error");
    expect_round_trip(std::logic_error("b"), "std::logic_error");
    expect_round_trip(std::invalid_argument("c"), "std::invalid_argument");
    expect_round_trip(std::out_of_range("d"), "std::out_of_range");
    expect_round_trip(std::length_error("e"), "std::length_error");
    expect_round_trip(std::domain_error("f"), "std::domain_error");
    expect_round_trip(std::range_error("g"), "std::range_error");
    expect_round_trip(std::overflow_error("h"), "std::overflow_error");
    expect_round_trip(std::underflow_error("i"), "std::underflow_error");
    expect_round_trip(std::bad_alloc(), "std::bad_alloc");
    expect_round_trip(std::exception(), "std::exception");
}

TEST(WireError, OSErrorKeepsItsErrno) {
    try {
        wire::rethrow(wire::capture(std::make_exception_ptr(concur::OSError("denied", EACCES))));
    } catch (const concur::OSError& e) {
        EXPECT_EQ(e.errno_value(), EACCES);
        EXPECT_STREQ(e.what(), "denied");
    }
    const wire::WireError pipe =
        wire::capture(std::make_exception_ptr(concur::BrokenPipeError("gone")));
    EXPECT_EQ(pipe.errno_value, EPIPE);
}

struct MyError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

TEST(WireError, UnknownTypesArriveAsRemoteErrorWithTheirName) {
    const wire::WireError captured = wire::capture(std::make_exception_ptr(MyError("boom")));
    EXPECT_NE(captured.type.find("MyError"), std::string::npos) << captured.type;
    EXPECT_EQ(captured.message, "boom");
    try {
        wire::rethrow(captured);
    } catch (const mp::RemoteError& e) {
        EXPECT_EQ(std::string(e.what()), captured.type + ": boom");
    }
    EXPECT_THROW(wire::rethrow({"SomePythonError", "m", 0}), mp::RemoteError);
    try {
        wire::rethrow({"KeyError", "'k'", 0});
    } catch (const mp::RemoteError& e) {
        EXPECT_STREQ(e.what(), "KeyError: 'k'");
    }
}

TEST(WireError, NonStandardExceptionIsUnknown) {
    const wire::WireError captured = wire::capture(std::make_exception_ptr(42));
    EXPECT_EQ(captured.type, "unknown exception");
    try {
        wire::rethrow(captured);
    } catch (const mp::RemoteError& e) {
        EXPECT_STREQ(e.what(), "unknown exception");
    }
    EXPECT_THROW(wire::capture(nullptr), concur::ValueError);
}

}  // namespace

// detail/remote_call.hpp: a map()'s chunks encoded into one shared buffer
// (the same bytes as one call per chunk), and the map entry's in-place path
// for numbers (the same reply as the general path). No CPython counterpart:
// pickle-level details of Pool._map_async / _MapResult.
#include <gtest/gtest.h>

#include <cstdint>
#include <ranges>
#include <span>
#include <string>
#include <vector>

#include <concur/exceptions.hpp>
#include <concur/multiprocessing/detail/remote_call.hpp>

namespace wire = concur::multiprocessing::detail;

namespace {

std::uint64_t triple(std::uint64_t x) {
    return 3 * x;
}
std::string exclaim(std::string s) {
    return s + "!";
}

using TripleEntry =
    decltype(&wire::pool_map_entry<std::uint64_t (*)(std::uint64_t), std::uint64_t, std::uint64_t>);

// What a call was before chunks shared a buffer: the header, then the chunk.
template <class T, class Fp>
wire::Bytes one_call(wire::PoolEntry entry, Fp fn, const std::vector<T>& part) {
    wire::Bytes call = wire::call_header(entry, fn);
    wire::dump(call, part);
    return call;
}

template <class T>
std::vector<T> chunk_of(const std::vector<T>& all, std::size_t begin, std::size_t end) {
    return std::vector<T>(all.begin() + static_cast<std::ptrdiff_t>(begin),
                          all.begin() + static_cast<std::ptrdiff_t>(end));
}

TEST(EncodeChunks, NumbersAreTheBytesOfOneCallPerChunk) {
    const wire::PoolEntry entry =
        &wire::pool_map_entry<decltype(&triple), std::uint64_t, std::uint64_t>;
    std::vector<std::uint64_t> all(23);
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i * 11;
    for (std::size_t chunksize : {1u, 5u, 23u, 100u}) {
        // From a view (converted item by item) and from the vector itself.
        const auto calls = wire::encode_chunks<std::uint64_t>(
            entry, &triple,
            std::views::iota(std::uint64_t{0}, std::uint64_t{23}) |
                std::views::transform([](std::uint64_t i) { return i * 11; }),
            all.size(), chunksize);
        ASSERT_EQ(calls.calls.size(), (all.size() + chunksize - 1) / chunksize);
        ASSERT_EQ(calls.bounds.size(), calls.calls.size() + 1);
        EXPECT_EQ(calls.bounds.front(), 0u);
        EXPECT_EQ(calls.bounds.back(), all.size());
        for (std::size_t k = 0; k < calls.calls.size(); ++k) {
            const auto expected =
                one_call(entry, &triple, chunk_of(all, calls.bounds[k], calls.bounds[k + 1]));
            const auto view = calls.calls[k].view();
            EXPECT_EQ(wire::Bytes(view.begin(), view.end()), expected) << chunksize << " " << k;
        }
    }
}

TEST(EncodeChunks, OtherTypesAreTheBytesOfOneCallPerChunk) {
    const wire::PoolEntry entry =
        &wire::pool_map_entry<decltype(&exclaim), std::string, std::string>;
    const std::vector<std::string> all{"a", "bb", "", "dddd", "e"};
    const auto calls = wire::encode_chunks<std::string>(entry, &exclaim, all, all.size(), 2);
    ASSERT_EQ(calls.calls.size(), 3u);
    EXPECT_EQ(calls.bounds, (std::vector<std::size_t>{0, 2, 4, 5}));
    for (std::size_t k = 0; k < 3; ++k) {
        const auto view = calls.calls[k].view();
        EXPECT_EQ(wire::Bytes(view.begin(), view.end()),
                  one_call(entry, &exclaim, chunk_of(all, calls.bounds[k], calls.bounds[k + 1])));
    }
    EXPECT_TRUE(wire::encode_chunks<std::string>(entry, &exclaim, all, 0, 2).calls.empty());
}

TEST(CallBytes, OwnBytesAndSharedSlicesOutliveTheirSource) {
    wire::CallBytes own(wire::Bytes{std::byte{1}, std::byte{2}});
    ASSERT_EQ(own.view().size(), 2u);
    EXPECT_EQ(own.view()[1], std::byte{2});
    wire::CallBytes slice;
    {
        auto shared = std::make_shared<wire::Bytes>(wire::Bytes{std::byte{5}, std::byte{6}});
        slice = wire::CallBytes(shared, std::span<const std::byte>(shared->data() + 1, 1));
    }
    ASSERT_EQ(slice.view().size(), 1u);
    EXPECT_EQ(slice.view()[0], std::byte{6});
}

// The entry as a worker runs it: the request after the two ids.
wire::Bytes run_entry(wire::PoolEntry entry, void* target, const wire::Bytes& arguments) {
    std::span<const std::byte> in(arguments);
    wire::Bytes out{std::byte{42}};  // a message header before the result
    entry(target, in, out);
    EXPECT_TRUE(in.empty());
    return out;
}

TEST(PoolMapEntry, NumbersInPlaceGiveTheBytesOfTheResultVector) {
    const wire::PoolEntry entry =
        &wire::pool_map_entry<decltype(&triple), std::uint64_t, std::uint64_t>;
    for (std::size_t n : {0u, 1u, 100000u}) {  // 100,000: a buffer above the prefault threshold
        std::vector<std::uint64_t> items(n), expected(n);
        for (std::size_t i = 0; i < n; ++i) items[i] = i, expected[i] = 3 * i;
        wire::Bytes want{std::byte{42}};
        wire::dump(want, expected);
        EXPECT_EQ(run_entry(entry, reinterpret_cast<void*>(&triple), wire::dumps(items)), want);
    }
    wire::Bytes lying = wire::dumps(std::vector<std::uint64_t>{1, 2});
    lying[0] = std::byte{3};  // three items claimed, two there
    std::span<const std::byte> in(lying);
    wire::Bytes out;
    EXPECT_THROW(entry(reinterpret_cast<void*>(&triple), in, out), concur::ValueError);
}

TEST(PoolMapEntry, OtherTypesGiveTheBytesOfTheResultVector) {
    const wire::PoolEntry entry =
        &wire::pool_map_entry<decltype(&exclaim), std::string, std::string>;
    wire::Bytes want{std::byte{42}};
    wire::dump(want, std::vector<std::string>{"x!", "!"});
    EXPECT_EQ(run_entry(entry, reinterpret_cast<void*>(&exclaim),
                        wire::dumps(std::vector<std::string>{"x", ""})),
              want);
}

}  // namespace

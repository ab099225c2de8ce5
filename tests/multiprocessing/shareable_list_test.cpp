// shared_memory.ShareableList. Ports CPython's
// test_shared_memory_ShareableList_basics and _pickling, and checks that
// Python itself reads and writes our lists (same layout).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <concur/multiprocessing.hpp>
#include <concur/multiprocessing/shared_memory.hpp>

#include "../support/eventually.hpp"

namespace mp = concur::multiprocessing;
namespace shm = concur::multiprocessing::shared_memory;
using Item = shm::ShareableList::Item;
using concur_test_support::kPatience;

namespace {

shm::Bytes bytes_of(std::string_view text) {
    shm::Bytes out;
    for (char c : text) out.push_back(static_cast<std::byte>(c));
    return out;
}

shm::ShareableList python_example() {
    return shm::ShareableList({std::string("howdy"), bytes_of("HoWdY"), -273.154, std::int64_t{100},
                               shm::None, true, 42});
}

}  // namespace

// Python: test_shared_memory_ShareableList_basics.
TEST(ShareableList, PythonsBasics) {
    shm::ShareableList sl = python_example();
    EXPECT_EQ(sl.size(), 7u);
    EXPECT_EQ(sl.format(), "8s8sdqxxxxxx?xxxxxxxx?q");
    EXPECT_EQ(sl.to_list(), (std::vector<Item>{std::string("howdy"), bytes_of("HoWdY"), -273.154,
                                               std::int64_t{100}, shm::None, true, 42}));
    EXPECT_THROW((void)sl.get(7), concur::IndexError);
    EXPECT_THROW(sl[7] = 2, concur::IndexError);
    EXPECT_EQ(Item(sl[0]), Item("howdy"));
    EXPECT_EQ(Item(sl[-2]), Item(true));

    EXPECT_THROW((void)sl.index("100"), concur::ValueError);
    EXPECT_EQ(sl.index(100), 3u);

    sl[3] = 42;
    EXPECT_EQ(Item(sl[3]), Item(42));
    sl[4] = "some";  // a new type at a position
    EXPECT_EQ(Item(sl[4]), Item("some"));
    EXPECT_EQ(sl.format(), "8s8sdq8sxxxxxxx?q");
    try {
        sl[4] = "far too many";
        ADD_FAILURE() << "a str longer than its slot was stored";
    } catch (const concur::ValueError& e) {
        EXPECT_NE(std::string(e.what()).find("exceeds available storage"), std::string::npos);
    }
    EXPECT_EQ(Item(sl[4]), Item("some"));
    sl[0] = "encod\xc3\xa9s";  // exactly 8 bytes of UTF-8
    EXPECT_EQ(Item(sl[0]), Item("encod\xc3\xa9s"));
    EXPECT_EQ(Item(sl[1]), Item(bytes_of("HoWdY")));                 // no spillage
    EXPECT_THROW(sl[0] = "encod\xc3\xa9\x65s", concur::ValueError);  // 9 bytes
    EXPECT_THROW(sl[1] = bytes_of("123456789"), concur::ValueError);
    EXPECT_EQ(Item(sl[1]), Item(bytes_of("HoWdY")));

    EXPECT_EQ(sl.count(42), 2u);
    EXPECT_EQ(sl.count(bytes_of("HoWdY")), 1u);
    EXPECT_EQ(sl.count(bytes_of("adios")), 0u);

    // A duplicate under a given name.
    const std::string duplicate_name = "concur_test_sl_" + std::to_string(::getpid());
    shm::ShareableList copy(sl.to_list(), duplicate_name);
    EXPECT_EQ(copy.shm().name(), duplicate_name);
    EXPECT_EQ(copy.to_list(), sl.to_list());
    EXPECT_EQ(copy.format(), sl.format());
    copy[-1] = 77;
    EXPECT_EQ(Item(copy[-1]), Item(77));
    EXPECT_NE(Item(sl[-1]), Item(77));
    copy.shm().unlink();

    // A second handle on the same list.
    shm::ShareableList tethered(std::nullopt, sl.shm().name());
    tethered[-1] = 880;
    EXPECT_EQ(Item(sl[-1]), Item(880));

    EXPECT_NE(sl.repr().find("name='" + sl.shm().name() + "'"), std::string::npos);
    EXPECT_EQ(sl.repr().rfind("ShareableList(['encod\xc3\xa9s', b'HoWdY', -273.154, 42, 'some', "
                              "True, 880], name=",
                              0),
              0u)
        << sl.repr();
    sl.shm().unlink();
}

// Python: test_shared_memory_ShareableList_basics (the empty list).
TEST(ShareableList, EmptyList) {
    shm::ShareableList empty(std::vector<Item>{});
    EXPECT_EQ(empty.size(), 0u);
    EXPECT_EQ(empty.format(), "");
    EXPECT_EQ(empty.count("any"), 0u);
    EXPECT_THROW((void)empty.index(shm::None), concur::ValueError);
    empty.shm().unlink();
}

TEST(ShareableList, PythonEqualityAcrossNumberTypes) {
    shm::ShareableList sl({1, 1.0, true, 2.5, shm::None, std::string("1")});
    EXPECT_EQ(sl.count(1), 3u);  // 1 == 1.0 == True, as in Python
    EXPECT_EQ(sl.count(2.5), 1u);
    EXPECT_EQ(sl.count(shm::None), 1u);
    EXPECT_EQ(sl.index(std::string("1")), 5u);
    sl.shm().unlink();
}

TEST(ShareableList, AttachingToSomethingElseRaisesValueError) {
    shm::SharedMemory block(std::nullopt, true, 8);
    std::ranges::fill(block.buf(), std::byte{0xff});
    EXPECT_THROW(shm::ShareableList(std::nullopt, block.name()), concur::ValueError);
    EXPECT_THROW(shm::ShareableList(std::nullopt, "concur_test_no_such_list"),
                 concur::FileNotFoundError);
    block.unlink();
}

TEST(ShareableList, TooLongAnItemRaisesValueError) {
    EXPECT_THROW(shm::ShareableList({std::string(10'000'000, 'x')}), concur::ValueError);
}

void bump_first(shm::ShareableList sl) {
    sl[0] = std::get<std::int64_t>(Item(sl[0])) + 1;
    sl[1] = "child";
}

// Python: test_shared_memory_ShareableList_pickling, and a child writing.
TEST(ShareableList, TravelsByNameToAChildAndThroughAPipe) {
    shm::ShareableList sl({std::int64_t{41}, std::string("parent")});
    for (const char* method : {"fork", "spawn"}) {
        sl[0] = 41;
        mp::Process p = mp::get_context(method).Process(bump_first, sl);
        p.start();
        ASSERT_TRUE(p.join(kPatience));
        EXPECT_EQ(p.exitcode(), 0) << method;
        EXPECT_EQ(Item(sl[0]), Item(42)) << method;
        EXPECT_EQ(Item(sl[1]), Item("child")) << method;
    }
    auto [reader, writer] = mp::Pipe();
    writer.send(sl);
    auto received = reader.recv<shm::ShareableList>();
    EXPECT_EQ(received.shm().name(), sl.shm().name());
    EXPECT_EQ(received.to_list(), sl.to_list());
    sl.shm().unlink();
}

// The layout is Python's: CPython attaches to our list, reads it and writes
// into it. (Skipped where there is no python3.)
TEST(ShareableList, PythonReadsAndWritesOurList) {
    if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
    shm::ShareableList sl = python_example();
    const std::string command =
        "timeout 60 /usr/bin/python3 -c \""
        "import sys\n"
        "from multiprocessing import shared_memory, resource_tracker\n"
        "sl = shared_memory.ShareableList(name=sys.argv[1])\n"
        "resource_tracker.unregister(sl.shm._name, 'shared_memory')\n"
        "print(list(sl), sl.format)\n"
        "sl[3] = 7\n"
        "sl[4] = 'py'\n"
        "sl.shm.close()\n"
        "\" " +
        sl.shm().name() + " 2>&1";
    std::FILE* python = ::popen(command.c_str(), "r");
    ASSERT_NE(python, nullptr);
    std::string said;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, python) != nullptr) said += buffer;
    EXPECT_EQ(::pclose(python), 0) << said;
    EXPECT_EQ(said, "['howdy', b'HoWdY', -273.154, 100, None, True, 42] 8s8sdqxxxxxx?xxxxxxxx?q\n");
    EXPECT_EQ(Item(sl[3]), Item(7));
    EXPECT_EQ(Item(sl[4]), Item("py"));
    sl.shm().unlink();
}

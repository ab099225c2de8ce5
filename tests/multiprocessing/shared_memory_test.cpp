// shared_memory.SharedMemory and the resource tracker. Ports the cases of
// CPython's _TestSharedMemory named in each test.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <concur/multiprocessing.hpp>
#include <concur/multiprocessing/shared_memory.hpp>

#include "../support/eventually.hpp"
#include "shm_helper.hpp"

namespace mp = concur::multiprocessing;
namespace shm = concur::multiprocessing::shared_memory;
using concur_test_support::eventually;
using concur_test_support::kPatience;

namespace {

bool in_dev_shm(const std::string& name) {
    return std::filesystem::exists("/dev/shm/" + name);
}

// Unlinks a block a test made, whatever the test's outcome.
struct Unlinker {
    std::string name;
    ~Unlinker() {
        if (!name.empty()) ::shm_unlink(("/" + name).c_str());
    }
};

std::string fresh_name() {
    return "concur_test_" + std::to_string(::getpid()) + "_" +
           std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

}  // namespace

// Python: test_shared_memory_basics.
TEST(SharedMemory, CreatesANamedBlockOthersAttachTo) {
    shm::SharedMemory block(std::nullopt, true, 512);
    Unlinker cleanup{block.name()};
    EXPECT_EQ(block.name().rfind("psm_", 0), 0u) << block.name();
    EXPECT_EQ(block.name().size(), 12u);
    EXPECT_EQ(block.size(), 512u);
    EXPECT_TRUE(in_dev_shm(block.name()));
    std::ranges::fill(block.buf(), std::byte{0});
    block.buf()[0] = std::byte{'a'};
    block.buf()[511] = std::byte{'z'};

    shm::SharedMemory same(block.name());
    EXPECT_EQ(same.size(), 512u);
    EXPECT_EQ(same.buf()[0], std::byte{'a'});
    EXPECT_EQ(same.buf()[511], std::byte{'z'});
    same.buf()[1] = std::byte{'b'};
    EXPECT_EQ(block.buf()[1], std::byte{'b'});  // one block, two mappings

    same.close();
    block.close();
    block.unlink();
    EXPECT_FALSE(in_dev_shm(block.name()));
}

// Python: test_shared_memory_basics (the named forms).
TEST(SharedMemory, CreateWithAGivenName) {
    const std::string name = fresh_name();
    Unlinker cleanup{name};
    shm::SharedMemory block(name, true, 100);
    EXPECT_EQ(block.name(), name);
    EXPECT_GE(block.size(), 100u);
    EXPECT_THROW(shm::SharedMemory(name, true, 100), concur::FileExistsError);
    block.unlink();
}

TEST(SharedMemory, AttachingAMissingNameRaisesFileNotFoundError) {
    try {
        shm::SharedMemory missing("concur_test_no_such_block");
        ADD_FAILURE() << "attached to a block that does not exist";
    } catch (const concur::FileNotFoundError& e) {
        EXPECT_EQ(e.errno_value(), ENOENT);
        EXPECT_NE(std::string(e.what()).find("'/concur_test_no_such_block'"), std::string::npos)
            << e.what();
    }
    // A FileNotFoundError is an OSError, as in Python.
    EXPECT_THROW(shm::SharedMemory("concur_test_no_such_block"), concur::OSError);
}

// Python: test_shared_memory_basics (argument checks).
TEST(SharedMemory, BadArgumentsRaiseValueError) {
    EXPECT_THROW(shm::SharedMemory(std::nullopt, true, 0), concur::ValueError);
    EXPECT_THROW(shm::SharedMemory(std::nullopt, false, 10), concur::ValueError);
    EXPECT_THROW(shm::SharedMemory("bad/name", true, 10), concur::OSError);
}

TEST(SharedMemory, CloseUnmapsEveryCopyAndIsIdempotent) {
    shm::SharedMemory block(std::nullopt, true, 64);
    Unlinker cleanup{block.name()};
    shm::SharedMemory copy = block;  // a handle: the same mapping
    block.close();
    EXPECT_THROW((void)copy.buf(), concur::ValueError);
    EXPECT_NO_THROW(block.close());
    EXPECT_NO_THROW(copy.unlink());  // the name does not need the mapping
    EXPECT_THROW(block.unlink(), concur::FileNotFoundError);
}

TEST(SharedMemory, DefaultConstructedRefersToNothing) {
    shm::SharedMemory nothing;
    EXPECT_EQ(nothing.name(), "");
    EXPECT_EQ(nothing.size(), 0u);
    EXPECT_THROW((void)nothing.buf(), concur::ValueError);
    EXPECT_THROW(nothing.unlink(), concur::ValueError);
    EXPECT_NO_THROW(nothing.close());
}

TEST(SharedMemory, ReprIsPythons) {
    const std::string name = fresh_name();
    Unlinker cleanup{name};
    shm::SharedMemory block(name, true, 16);
    EXPECT_EQ(block.repr(), "SharedMemory('" + name + "', size=16)");
    block.unlink();
}

// Python: test_shared_memory_pickle_unpickle -- it travels by name.
TEST(SharedMemory, TravelsThroughAPipeByName) {
    shm::SharedMemory block(std::nullopt, true, 32);
    Unlinker cleanup{block.name()};
    block.buf()[3] = std::byte{7};
    auto [reader, writer] = mp::Pipe();
    writer.send(block);
    auto received = reader.recv<shm::SharedMemory>();
    EXPECT_EQ(received.name(), block.name());
    EXPECT_EQ(received.buf()[3], std::byte{7});
    EXPECT_NE(received.buf().data(), block.buf().data());  // attached anew
    block.unlink();
}

// Python: test_shared_memory_across_processes, under every start method.
class SharedMemoryMethods : public testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Methods, SharedMemoryMethods,
                         testing::Values("fork", "spawn", "forkserver"),
                         [](const auto& info) { return info.param; });

void copy_first_byte(shm::SharedMemory block) {
    block.buf()[1] = block.buf()[0];
}

TEST_P(SharedMemoryMethods, AChildWritesThroughAHandleArgument) {
    shm::SharedMemory block(std::nullopt, true, 16);
    Unlinker cleanup{block.name()};
    block.buf()[0] = std::byte{42};
    mp::Process p = mp::get_context(GetParam()).Process(copy_first_byte, block);
    p.start();
    ASSERT_TRUE(p.join(kPatience));
    EXPECT_EQ(p.exitcode(), 0);
    EXPECT_EQ(block.buf()[1], std::byte{42});
    block.unlink();
}

void create_and_leave(mp::Connection out) {
    shm::SharedMemory block(std::nullopt, true, 8);
    block.buf()[0] = std::byte{9};
    out.send(block.name());
}

// A block a child creates and leaves is not unlinked when that child ends:
// the child shares the program's tracker (Python's forkserver and spawn
// children do too), which only acts when the whole program has ended.
TEST_P(SharedMemoryMethods, ABlockAChildLeavesOutlivesTheChild) {
    shm::SharedMemory mine(std::nullopt, true, 8);  // the tracker runs before the child
    Unlinker mine_cleanup{mine.name()};
    auto [reader, writer] = mp::Pipe(false);
    mp::Process p = mp::get_context(GetParam()).Process(create_and_leave, writer);
    p.start();
    ASSERT_TRUE(reader.poll(kPatience));
    const auto name = reader.recv<std::string>();
    Unlinker cleanup{name};
    ASSERT_TRUE(p.join(kPatience));
    EXPECT_TRUE(in_dev_shm(name));
    shm::SharedMemory left(name);
    EXPECT_EQ(left.buf()[0], std::byte{9});
    left.unlink();
    mine.unlink();
}

// ---- the resource tracker, in a program of its own (shm_helper.hpp) --------

namespace {

struct Helper {
    pid_t pid = -1;
    int out = -1;  // the helper's stdout and stderr, and its tracker's stderr
};

Helper start_helper(const std::string& mode, const std::string& name) {
    int pipe_fds[2];
    EXPECT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    const std::string variable =
        std::string(concur_test::kShmHelperVariable) + "=" + mode + ":" + name;
    std::vector<std::string> environment{variable};
    for (char** entry = environ; *entry != nullptr; ++entry)
        if (std::strncmp(*entry, "CONCUR_", 7) != 0) environment.emplace_back(*entry);
    std::vector<char*> envp;
    for (auto& e : environment) envp.push_back(e.data());
    envp.push_back(nullptr);
    char self[] = "/proc/self/exe";
    char* argv[] = {self, nullptr};
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(pipe_fds[1], 1);
        ::dup2(pipe_fds[1], 2);
        ::execve("/proc/self/exe", argv, envp.data());
        ::_exit(127);
    }
    ::close(pipe_fds[1]);
    return Helper{pid, pipe_fds[0]};
}

// What the helper and its tracker wrote, up to end-of-file (both gone) or
// kPatience.
std::string read_until_eof(int fd) {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char buffer[4096];
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return text;
}

// Reads the helper's "created" line.
bool wait_for_line(int fd, const std::string& line) {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (std::chrono::steady_clock::now() < deadline && text.find(line) == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char c;
        if (::read(fd, &c, 1) != 1) break;
        text += c;
    }
    return text.find(line) != std::string::npos;
}

int reap(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

// Runs the helper to its normal end: what it and its tracker said.
std::string run_helper(const std::string& mode, const std::string& name) {
    Helper helper = start_helper(mode, name);
    EXPECT_EQ(reap(helper.pid), 0) << mode;
    return read_until_eof(helper.out);
}

}  // namespace

// Python: test_shared_memory_cleaned_after_process_termination -- a program
// killed while its block exists leaves nothing in /dev/shm.
TEST(ResourceTracker, UnlinksTheBlocksOfAKilledProgram) {
    const std::string name = fresh_name();
    Unlinker cleanup{name};
    Helper helper = start_helper("wait", name);
    const bool created = wait_for_line(helper.out, "created\n");
    EXPECT_TRUE(created) << "the helper did not start";
    EXPECT_TRUE(!created || in_dev_shm(name));
    ::kill(helper.pid, SIGKILL);
    reap(helper.pid);
    const std::string said = read_until_eof(helper.out);
    EXPECT_TRUE(eventually([&] { return !in_dev_shm(name); }))
        << "the tracker left /dev/shm/" << name;
    EXPECT_NE(said.find("resource_tracker: There appear to be 1 leaked shared_memory objects"),
              std::string::npos)
        << said;
}

// A program that forgets unlink() at a normal exit: cleaned up, with Python's
// warning naming the block.
TEST(ResourceTracker, WarnsAboutAndUnlinksALeakedBlockAtExit) {
    const std::string name = fresh_name();
    Unlinker cleanup{name};
    const std::string said = run_helper("leak", name);
    EXPECT_NE(said.find("leaked shared_memory objects to clean up at shutdown: {'/" + name + "'}"),
              std::string::npos)
        << said;
    EXPECT_TRUE(eventually([&] { return !in_dev_shm(name); }));
}

// unlink() tells the tracker: no warning for a block cleaned up properly.
TEST(ResourceTracker, SaysNothingWhenTheProgramUnlinked) {
    const std::string name = fresh_name();
    const std::string said = run_helper("unlink", name);
    EXPECT_EQ(said.find("leaked"), std::string::npos) << said;
    EXPECT_FALSE(in_dev_shm(name));
}

// Python 3.13's track=False: the block is the caller's to unlink.
TEST(ResourceTracker, UntrackedBlocksAreLeftAlone) {
    const std::string name = fresh_name();
    Unlinker cleanup{name};
    const std::string said = run_helper("untracked", name);
    EXPECT_EQ(said.find("leaked"), std::string::npos) << said;
    EXPECT_TRUE(in_dev_shm(name));
    shm::SharedMemory(name).unlink();
}

// The "spawn" and "forkserver" start methods: the child is this test program
// exec'd afresh, or forked by the fork server that is (both enter through
// freeze_support() in tests/multiprocessing/main.cpp); the target is found by
// name despite ASLR, the arguments serialised, handles (a Connection here)
// carried as descriptors (inherited across exec, or SCM_RIGHTS). Ports the spawn-context runs of
// CPython's _TestProcess (test_process, test_exitcode, test_args_argument).
#include <gtest/gtest.h>

#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <thread>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <concur/multiprocessing/array.hpp>
#include <concur/multiprocessing/connection.hpp>
#include <concur/multiprocessing/context.hpp>
#include <concur/multiprocessing/process.hpp>
#include <concur/multiprocessing/value.hpp>

#include "../support/eventually.hpp"
#include "fork_support.hpp"

namespace mp = concur::multiprocessing;
using concur_test_support::kPatience;

namespace {

// The address of a local static differs between processes under ASLR; the
// child reports its own, and the names it sees.
void report_identity(mp::Connection out, int number, std::string text,
                     std::map<std::string, std::vector<int>> table) {
    out.send(std::to_string(number) + text + std::to_string(table.at("k").size()));
    out.send(mp::current_process().name());
    out.send(mp::parent_process()->pid().value());
    out.send(static_cast<long>(reinterpret_cast<std::uintptr_t>(&report_identity)));
}

void exit_with(int code) {
    std::_Exit(code);
}
void throw_runtime_error() {
    throw concur::RuntimeError("spawned and failed");
}

class Spawn : public testing::TestWithParam<std::string> {
  protected:
    mp::Context ctx() const { return mp::get_context(GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(Methods, Spawn, testing::Values("spawn", "forkserver"),
                         [](const auto& info) { return info.param; });

TEST_P(Spawn, RunsAFunctionWithSerialisedArgumentsAndAConnection) {
    auto [reader, writer] = mp::Pipe(false);
    auto ctx = this->ctx();
    mp::Process p = ctx.Process(report_identity, writer, 42, std::string("x"),
                                std::map<std::string, std::vector<int>>{{"k", {1, 2, 3}}});
    p.start();
    writer.close();
    ASSERT_TRUE(reader.poll(kPatience)) << "the spawned child sent nothing";
    EXPECT_EQ(reader.recv<std::string>(), "42x3");
    EXPECT_EQ(reader.recv<std::string>(), p.name());
    EXPECT_EQ(reader.recv<int>(), ::getpid());
    (void)reader.recv<long>();  // its own address of the function: found by name
    ASSERT_TRUE(p.join(kPatience));
    EXPECT_EQ(p.exitcode(), 0);
}

TEST_P(Spawn, CaptureLessLambdaIsATarget) {
    auto [reader, writer] = mp::Pipe(false);
    mp::Process p = ctx().Process([](mp::Connection out, int x) { out.send(x * x); }, writer, 7);
    p.start();
    writer.close();
    ASSERT_TRUE(reader.poll(kPatience));
    EXPECT_EQ(reader.recv<int>(), 49);
    ASSERT_TRUE(p.join(kPatience));
}

TEST_P(Spawn, ExitcodesAndTheExceptionReport) {
    auto ctx = this->ctx();
    mp::Process exits = ctx.Process(exit_with, 3);
    exits.start();
    ASSERT_TRUE(exits.join(kPatience));
    EXPECT_EQ(exits.exitcode(), 3);

    mp::Process thrower = ctx.Process(throw_runtime_error);
    thrower.start();
    ASSERT_TRUE(thrower.join(kPatience));
    EXPECT_EQ(thrower.exitcode(), 1);
}

TEST_P(Spawn, CapturingLambdaOrUnserialisableArgumentIsAValueErrorAtStart) {
    int captured = 1;
    mp::Process capturing = ctx().Process([captured] { (void)captured; });
    EXPECT_THROW(capturing.start(), concur::ValueError);
    struct NotSerialisable {
        std::string text;
    };
    mp::Process unserialisable = ctx().Process([](NotSerialisable) {}, NotSerialisable{"x"});
    EXPECT_THROW(unserialisable.start(), concur::ValueError);
    EXPECT_FALSE(capturing.pid());
}

TEST_P(Spawn, TerminateAndKill) {
    for (int signal : {SIGTERM, SIGKILL}) {
        mp::Process p =
            ctx().Process([] { std::this_thread::sleep_for(std::chrono::seconds(60)); });
        p.start();
        EXPECT_TRUE(p.is_alive());
        EXPECT_FALSE(p.join(std::chrono::milliseconds(20)));
        if (signal == SIGTERM)
            p.terminate();
        else
            p.kill();
        ASSERT_TRUE(p.join(kPatience));
        EXPECT_EQ(p.exitcode(), -signal);
        EXPECT_FALSE(p.is_alive());
    }
}

TEST_P(Spawn, SentinelBecomesReadableWhenTheChildEnds) {
    mp::Process p = ctx().Process(exit_with, 0);
    p.start();
    pollfd watch{p.sentinel(), POLLIN, 0};
    EXPECT_EQ(::poll(&watch, 1, 20'000), 1);
    ASSERT_TRUE(p.join(kPatience));
    EXPECT_EQ(p.exitcode(), 0);
}

// Many children at once through one server (or many execs).
TEST_P(Spawn, ManyChildren) {
    std::vector<mp::Process> children;
    for (int i = 0; i < 8; ++i) children.push_back(ctx().Process(exit_with, i));
    for (auto& c : children) c.start();
    for (int i = 0; i < 8; ++i) {
        ASSERT_TRUE(children[i].join(kPatience));
        EXPECT_EQ(children[i].exitcode(), i);
    }
}

}  // namespace

namespace {

// A spawned program whose main() forgot freeze_support() must not start
// children (it would run main() again: a fork bomb). Python: the
// "bootstrapping phase" RuntimeError.
TEST(SpawnBootstrap, StartingAProcessBeforeFreezeSupportIsARuntimeError) {
    ::setenv("CONCUR_MP_SPAWN", "3 -1 1", 1);
    mp::Process p(exit_with, 0);
    EXPECT_THROW(p.start(), concur::RuntimeError);
    ::unsetenv("CONCUR_MP_SPAWN");
}

}  // namespace

namespace {

// A forkserver child dies with the process that asked for it, even when that
// process is SIGKILLed: the server reads EOF on its control socket and exits,
// and its children die with it (Python: test_forkserver_sigkill... family).
TEST(ForkserverFaults, ChildDiesWithAKilledRequester) {
    auto [reader, writer] = mp::Pipe(false);
    mp::Process middle(
        [](mp::Connection out) {
            mp::Process grandchild = mp::get_context("forkserver").Process([] {
                std::this_thread::sleep_for(std::chrono::seconds(60));
            });
            grandchild.start();
            out.send(*grandchild.pid());
            std::this_thread::sleep_for(std::chrono::seconds(60));
        },
        writer);
    middle.start();
    writer.close();
    ASSERT_TRUE(reader.poll(kPatience));
    const int grandchild = reader.recv<int>();
    middle.kill();
    ASSERT_TRUE(middle.join(kPatience));
    EXPECT_TRUE(concur_test_support::eventually([&] { return concur_test::has_ended(grandchild); }))
        << "the forkserver child outlived its killed requester";
}

}  // namespace

namespace {

void fill_squares(mp::Array<int> out, mp::Value<double> v) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<int>((i + 2) * (i + 2));
    v.value(5.67);
}

// Lesson L16 under spawn and forkserver: shared memory handles as arguments.
TEST_P(Spawn, SharedArrayAndValueAsArguments) {
    mp::Array<int> result(3);
    mp::Value<double> v(0.0);
    mp::Process p = ctx().Process(fill_squares, result, v);
    p.start();
    ASSERT_TRUE(p.join(kPatience));
    EXPECT_EQ(p.exitcode(), 0);
    EXPECT_EQ(std::vector<int>(result.begin(), result.end()), (std::vector{4, 9, 16}));
    EXPECT_EQ(v.value(), 5.67);
    EXPECT_EQ(mp::Array<int>().size(), 0u);
}

}  // namespace

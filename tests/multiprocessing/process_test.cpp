// multiprocessing.Process with the "fork" start method: lifecycle, exit
// codes, signals, names, misuse, and the module functions. Ports the cases of
// CPython's Lib/test/_test_multiprocessing.py _TestProcess named in each test.
// Every child is joined with a bound; a test fails, never hangs.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <concur/multiprocessing/context.hpp>
#include <concur/multiprocessing/process.hpp>
#include <concur/multiprocessing/value.hpp>

#include "../support/eventually.hpp"
#include "fork_support.hpp"

namespace mp = concur::multiprocessing;
using namespace std::chrono_literals;
using concur_test_support::kPatience;

namespace {

// A pipe whose read end the test reads with a bound: the child's report.
class Report {
  public:
    Report() {
        if (::pipe2(fds_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    }
    ~Report() {
        ::close(fds_[0]);
        if (fds_[1] >= 0) ::close(fds_[1]);
    }
    // In the child.
    void write(const std::string& text) const {
        const std::string line = text + "\n";
        (void)!::write(fds_[1], line.data(), line.size());
    }
    // In the parent: the first line, or "<nothing>" after kPatience.
    std::string read_line() {
        if (fds_[1] >= 0) {
            ::close(fds_[1]);
            fds_[1] = -1;
        }
        std::string line;
        const auto deadline = std::chrono::steady_clock::now() + kPatience;
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{fds_[0], POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            char c;
            const ssize_t n = ::read(fds_[0], &c, 1);
            if (n <= 0) break;
            if (c == '\n') return line;
            line += c;
        }
        return line.empty() ? "<nothing>" : line;
    }

  private:
    int fds_[2];
};

void exit_with(int code) {
    std::_Exit(code);
}

using concur_test::has_ended;
void throw_value_error() {
    throw concur::ValueError("boom");
}
void sleep_long() {
    std::this_thread::sleep_for(60s);
}

// Python: test_process -- name, daemon, pid, is_alive, exitcode, and what the
// child sees of itself and its parent.
TEST(Process, RunsTargetInAChildWithItsArguments) {
    Report report;
    mp::Process p(
        [&report](int a, const std::string& b) {
            report.write(std::to_string(a) + b + " " + mp::current_process().name() + " " +
                         std::to_string(::getpid()) + " " +
                         std::to_string(mp::current_process().pid().value()) + " " +
                         std::to_string(mp::parent_process()->pid().value()));
        },
        42, std::string("x"));
    EXPECT_FALSE(p.pid());
    EXPECT_FALSE(p.exitcode());
    EXPECT_FALSE(p.is_alive());
    p.start();
    ASSERT_TRUE(p.pid());
    EXPECT_NE(*p.pid(), ::getpid());
    const std::string line = report.read_line();
    ASSERT_TRUE(p.join(kPatience));
    EXPECT_EQ(line, "42x " + p.name() + " " + std::to_string(*p.pid()) + " " +
                        std::to_string(*p.pid()) + " " + std::to_string(::getpid()));
    EXPECT_EQ(p.exitcode(), 0);
    EXPECT_FALSE(p.is_alive());
}

// Python allows p.run() in the calling process: the target runs there. Here
// its arguments are moved into that call, so a second run() does nothing;
// close() afterwards is fine.
TEST(Process, RunCallsTheTargetOnceInTheCallingProcess) {
    int calls = 0;
    std::string seen;
    mp::Process p(
        [&](std::string s) {
            ++calls;
            seen = std::move(s);
        },
        std::string("here"));
    p.run();
    p.run();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(seen, "here");
    p.close();
}

// Python: test_process -- a child's changes to its memory stay in the child
// (lesson L15).
TEST(Process, ChildHasItsOwnCopyOfMemory) {
    static std::vector<int> result;
    result.clear();
    mp::Process p([] { result.push_back(1); });
    p.start();
    ASSERT_TRUE(p.join(kPatience));
    EXPECT_TRUE(result.empty());
}

// Python: test_exitcode / _test_sys_exit.
TEST(Process, ExitcodeIsWhatTheChildExitedWith) {
    for (int code : {0, 1, 7, 255}) {
        mp::Process p(exit_with, code);
        p.start();
        ASSERT_TRUE(p.join(kPatience));
        EXPECT_EQ(p.exitcode(), code);
    }
}

// Python: a target that raises -> exitcode 1 and "Process <name>:" on stderr.
TEST(Process, TargetThatThrowsExitsWithOneAndReports) {
    mp::Process p(mp::ProcessOptions{.name = "Thrower", .daemon = {}, .method = {}},
                  throw_value_error);
    testing::internal::CaptureStderr();
    p.start();
    const bool joined = p.join(kPatience);
    const std::string err = testing::internal::GetCapturedStderr();
    ASSERT_TRUE(joined);
    EXPECT_EQ(p.exitcode(), 1);
    EXPECT_NE(err.find("Process Thrower:"), std::string::npos) << err;
    EXPECT_NE(err.find("ValueError: boom"), std::string::npos) << err;
}

// Python: test_terminate / test_kill.
TEST(Process, TerminateAndKillGiveNegativeSignalExitcodes) {
    for (bool kill : {false, true}) {
        mp::Process p(sleep_long);
        p.start();
        EXPECT_TRUE(p.is_alive());
        EXPECT_FALSE(p.join(50ms));  // still running
        EXPECT_FALSE(p.exitcode());
        if (kill)
            p.kill();
        else
            p.terminate();
        ASSERT_TRUE(p.join(kPatience));
        EXPECT_EQ(p.exitcode(), kill ? -SIGKILL : -SIGTERM);
        EXPECT_NE(p.repr().find(kill ? "exitcode=-SIGKILL" : "exitcode=-SIGTERM"),
                  std::string::npos)
            << p.repr();
        p.terminate();  // no effect once ended
    }
}

// Python: test_sentinel -- readable exactly when the child ended.
TEST(Process, SentinelBecomesReadableWhenTheChildEnds) {
    mp::Process p(sleep_long);
    EXPECT_THROW((void)p.sentinel(), concur::ValueError);
    p.start();
    pollfd watch{p.sentinel(), POLLIN, 0};
    EXPECT_EQ(::poll(&watch, 1, 0), 0);
    p.kill();
    watch.revents = 0;
    EXPECT_EQ(::poll(&watch, 1, static_cast<int>(kPatience.count() * 1000)), 1);
    ASSERT_TRUE(p.join(kPatience));
}

// Python: the AssertionErrors of Process (here RuntimeError).
TEST(Process, MisuseRaisesRuntimeError) {
    mp::Process p(exit_with, 0);
    EXPECT_THROW(p.join(), concur::RuntimeError);
    EXPECT_THROW(p.terminate(), concur::RuntimeError);
    EXPECT_THROW(p.kill(), concur::RuntimeError);
    p.start();
    EXPECT_THROW(p.start(), concur::RuntimeError);
    EXPECT_THROW(p.daemon(true), concur::RuntimeError);
    ASSERT_TRUE(p.join(kPatience));
    EXPECT_THROW(mp::Process(std::move(p)), concur::RuntimeError);  // started: not movable
}

// Python: test_close.
TEST(Process, CloseRefusesARunningChildThenMakesTheObjectUnusable) {
    mp::Process p(sleep_long);
    p.start();
    EXPECT_THROW(p.close(), concur::ValueError);
    p.kill();
    ASSERT_TRUE(p.join(kPatience));
    p.close();
    EXPECT_THROW((void)p.pid(), concur::ValueError);
    EXPECT_THROW((void)p.is_alive(), concur::ValueError);
    EXPECT_THROW(p.join(), concur::ValueError);
    EXPECT_THROW(p.start(), concur::ValueError);
    p.close();  // twice is fine
}

TEST(Process, MovableUntilStarted) {
    mp::Process a(exit_with, 3);
    mp::Process b(std::move(a));
    b.start();
    ASSERT_TRUE(b.join(kPatience));
    EXPECT_EQ(b.exitcode(), 3);
    std::vector<mp::Process> many;
    for (int i = 0; i < 4; ++i) many.emplace_back(exit_with, i);
    for (auto& p : many) p.start();
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(many[i].join(kPatience));
        EXPECT_EQ(many[i].exitcode(), i);
    }
}

// Python: test_process -- default names Process-N, the main process's name.
TEST(Process, NamesAndRepr) {
    EXPECT_EQ(mp::current_process().name(), "MainProcess");
    EXPECT_FALSE(mp::parent_process());
    mp::Process p(exit_with, 0);
    EXPECT_EQ(p.name().rfind("Process-", 0), 0u) << p.name();
    p.name("renamed");
    EXPECT_EQ(p.name(), "renamed");
    EXPECT_NE(p.repr().find("name='renamed'"), std::string::npos);
    EXPECT_NE(p.repr().find("initial"), std::string::npos);
    p.start();
    ASSERT_TRUE(p.join(kPatience));
    EXPECT_NE(p.repr().find("stopped exitcode=0"), std::string::npos) << p.repr();
}

// A grandchild is named Process-N:M, as Python's identity tuples.
TEST(Process, GrandchildNamesNest) {
    Report report;
    mp::Process p([&report] {
        mp::Process q([&report] { report.write(mp::current_process().name()); });
        q.start();
        q.join();
    });
    p.start();
    const std::string line = report.read_line();
    ASSERT_TRUE(p.join(kPatience));
    EXPECT_EQ(line.rfind(p.name() + ":", 0), 0u) << line;
}

// Python's _bootstrap ends a child with util._exit_function(): a child joins
// its own non-daemonic children before it ends, under every start method.
void set_after_a_while(mp::Value<int> done) {
    std::this_thread::sleep_for(300ms);
    done.value(1);
}
void start_a_slow_child_and_leave(mp::Value<int> done) {
    // Not joined, and outliving the target (a Process object joins its
    // process when destroyed): only the child's ending can wait for it.
    auto* q = new mp::Process(set_after_a_while, done);
    q->start();
}
TEST(Process, AChildJoinsItsChildrenBeforeItEnds) {
    for (const char* method : {"fork", "forkserver"}) {
        SCOPED_TRACE(method);
        mp::Value<int> done(0);
        mp::Process p = mp::get_context(method).Process(start_a_slow_child_and_leave, done);
        p.start();
        ASSERT_TRUE(p.join(kPatience));
        EXPECT_EQ(p.exitcode(), 0);
        EXPECT_EQ(done.value(), 1) << "the child ended before its own child";
    }
}

// Python: test_active_children.
TEST(Process, ActiveChildrenListsRunningChildrenOnly) {
    mp::Process p(sleep_long);
    auto listed = [&] {
        for (const auto& c : mp::active_children())
            if (c == p.ref()) return true;
        return false;
    };
    EXPECT_FALSE(listed());
    p.start();
    EXPECT_TRUE(listed());
    p.terminate();
    ASSERT_TRUE(p.join(kPatience));
    EXPECT_FALSE(listed());
}

// Python: test_daemon_argument / daemonic processes cannot have children.
TEST(Process, DaemonChildCannotStartChildren) {
    Report report;
    mp::Process p(mp::ProcessOptions{.name = {}, .daemon = true, .method = {}}, [&report] {
        mp::Process q(exit_with, 0);
        try {
            q.start();
            q.join();
            report.write("started");
        } catch (const concur::RuntimeError& e) {
            report.write(e.what());
        }
    });
    EXPECT_TRUE(p.daemon());
    p.start();
    EXPECT_EQ(report.read_line(), "daemonic processes are not allowed to have children");
    ASSERT_TRUE(p.join(kPatience));
}

// RAII: destroying a started daemon Process terminates it.
TEST(Process, DestroyingADaemonTerminatesIt) {
    int pid;
    {
        mp::Process p(mp::ProcessOptions{.name = {}, .daemon = true, .method = {}}, sleep_long);
        p.start();
        pid = *p.pid();
    }
    EXPECT_NE(::kill(pid, 0), 0);  // gone and reaped (it was our child)
}

// Python: test_parent_process -- the child's view of its parent.
TEST(Process, ParentProcessIsAliveWhileTheParentRuns) {
    Report report;
    mp::Process p([&report] {
        auto parent = mp::parent_process();
        report.write(parent ? parent->name() + " " + (parent->is_alive() ? "alive" : "dead")
                            : "none");
    });
    p.start();
    EXPECT_EQ(report.read_line(), "MainProcess alive");
    ASSERT_TRUE(p.join(kPatience));
}

// A child whose parent is SIGKILLed dies with it (within a second or so).
TEST(ProcessFaults, ChildrenDieWithAKilledParent) {
    Report report;
    mp::Process middle([&report] {
        mp::Process grandchild(sleep_long);
        grandchild.start();
        report.write(std::to_string(*grandchild.pid()));
        sleep_long();
    });
    middle.start();
    const int grandchild = std::stoi(report.read_line());
    middle.kill();
    ASSERT_TRUE(middle.join(kPatience));
    EXPECT_TRUE(concur_test_support::eventually([&] { return has_ended(grandchild); }))
        << "the grandchild outlived its killed parent";
}

// The same when the Process was started by a thread that has since ended
// (PR_SET_PDEATHSIG would fire at the thread's end: the lifeline is used).
TEST(ProcessFaults, ChildStartedByAnEndedThreadLivesOn) {
    std::unique_ptr<mp::Process> p;
    std::thread([&] {
        p = std::make_unique<mp::Process>(exit_with, 5);
        mp::Process& child = *p;
        // Give the child a moment after the thread ends.
        child.start();
    }).join();
    ASSERT_TRUE(p->join(kPatience));
    EXPECT_EQ(p->exitcode(), 5);
}

// ...and a child started by a thread of a parent that is then SIGKILLed dies
// too (the lifeline pipe, not PR_SET_PDEATHSIG).
TEST(ProcessFaults, ChildOfANonMainThreadDiesWithAKilledParent) {
    Report report;
    mp::Process middle([&report] {
        std::unique_ptr<mp::Process> grandchild;
        std::thread([&] {
            grandchild = std::make_unique<mp::Process>(sleep_long);
            grandchild->start();
        }).join();
        report.write(std::to_string(*grandchild->pid()));
        sleep_long();
    });
    middle.start();
    const int grandchild = std::stoi(report.read_line());
    middle.kill();
    ASSERT_TRUE(middle.join(kPatience));
    EXPECT_TRUE(concur_test_support::eventually([&] { return has_ended(grandchild); }))
        << "the grandchild outlived its killed parent";
}

TEST(Context, StartMethodsAndNames) {
    EXPECT_EQ(mp::get_context("spawn").get_start_method(), "spawn");
    EXPECT_EQ(mp::get_context("forkserver").get_start_method(), "forkserver");
    EXPECT_EQ(mp::get_context("fork").get_start_method(), "fork");
    EXPECT_THROW(mp::get_context("teleport"), concur::ValueError);
    EXPECT_THROW(mp::set_start_method("teleport", true), concur::ValueError);
    const auto all = mp::get_all_start_methods();
    EXPECT_EQ(all.size(), 3u);
    mp::set_start_method("fork", true);
    EXPECT_EQ(mp::get_start_method(), "fork");
    // Python: set_start_method raises RuntimeError once the context is set.
    EXPECT_THROW(mp::set_start_method("spawn"), concur::RuntimeError);
    mp::set_start_method("fork", true);
}

TEST(Context, ContextProcessUsesTheContextsMethod) {
    auto ctx = mp::get_context("fork");
    mp::Process p = ctx.Process(exit_with, 4);
    p.start();
    ASSERT_TRUE(p.join(kPatience));
    EXPECT_EQ(p.exitcode(), 4);
}

TEST(Module, CpuCountIsPositive) {
    EXPECT_GE(mp::cpu_count(), 1);
}

}  // namespace

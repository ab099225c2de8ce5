// Tests for asyncio's subprocesses: pipes, communicate, exit codes,
// signals (CPython's Lib/test/test_asyncio/test_subprocess.py cases).
#include <concur/asyncio.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

namespace asyncio = concur::asyncio;

template <class T>
T run_bounded(asyncio::Coroutine<T> main_) {
    return asyncio::run(asyncio::wait_for(std::move(main_), 20.0));
}

TEST(Subprocess, ExecCapturesStdout) {
    auto main_ = []() -> asyncio::Coroutine<std::string> {
        std::vector<std::string> args{"hello",
                                      "world"};  // named: GCC 12 and braced lists in co_await
        auto p =
            co_await asyncio::create_subprocess_exec("/bin/echo", args, {.stdout_ = asyncio::PIPE});
        EXPECT_GT(p.pid(), 0);
        auto [out, err] = co_await p.communicate();
        EXPECT_EQ(p.returncode(), 0);
        co_return out;
    };
    EXPECT_EQ(run_bounded(main_()), "hello world\n");
}

TEST(Subprocess, CommunicateFeedsStdin) {
    auto main_ = []() -> asyncio::Coroutine<std::string> {
        auto p = co_await asyncio::create_subprocess_exec(
            "/bin/cat", {}, {.stdin_ = asyncio::PIPE, .stdout_ = asyncio::PIPE});
        auto [out, err] = co_await p.communicate(std::string(100000, 'z'));
        co_return out;
    };
    EXPECT_EQ(run_bounded(main_()), std::string(100000, 'z'));
}

TEST(Subprocess, ShellExitCodeAndStderr) {
    auto main_ = []() -> asyncio::Coroutine<int> {
        auto p = co_await asyncio::create_subprocess_shell(
            "echo oops >&2; exit 3", {.stdout_ = asyncio::DEVNULL, .stderr_ = asyncio::PIPE});
        auto [out, err] = co_await p.communicate();
        EXPECT_EQ(err, "oops\n");
        co_return *p.returncode();
    };
    EXPECT_EQ(run_bounded(main_()), 3);
}

// test_subprocess.py test_stderr_redirect_to_stdout: stderr=STDOUT merges
// both streams into the one stdout pipe.
TEST(Subprocess, StderrToStdoutSharesThePipe) {
    auto main_ = []() -> asyncio::Coroutine<std::string> {
        auto p = co_await asyncio::create_subprocess_shell(
            "echo out; echo err >&2; echo end",
            {.stdout_ = asyncio::PIPE, .stderr_ = asyncio::STDOUT});
        auto [out, err] = co_await p.communicate();
        EXPECT_EQ(err, "");
        EXPECT_EQ(*p.returncode(), 0);
        co_return out;
    };
    EXPECT_EQ(run_bounded(main_()), "out\nerr\nend\n");
}

TEST(Subprocess, StderrToStdoutFollowsDevnull) {
    auto main_ = []() -> asyncio::Coroutine<int> {
        auto p = co_await asyncio::create_subprocess_shell(
            "echo err >&2; exit 4", {.stdout_ = asyncio::DEVNULL, .stderr_ = asyncio::STDOUT});
        co_return co_await p.wait();
    };
    EXPECT_EQ(run_bounded(main_()), 4);
}

TEST(Subprocess, StdoutRedirectOutsideStderrIsValueError) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        try {
            std::vector<std::string> args;
            co_await asyncio::create_subprocess_exec("/bin/true", std::move(args),
                                                     {.stdout_ = asyncio::STDOUT});
        } catch (const concur::ValueError&) {
            co_return true;
        }
        co_return false;
    };
    EXPECT_TRUE(run_bounded(main_()));
}

TEST(Subprocess, KillGivesMinusSignal) {
    auto main_ = []() -> asyncio::Coroutine<int> {
        std::vector<std::string> args{"30"};
        auto p = co_await asyncio::create_subprocess_exec("/bin/sleep", args);
        EXPECT_FALSE(p.returncode().has_value());
        p.kill();
        co_return co_await p.wait();
    };
    EXPECT_EQ(run_bounded(main_()), -9);
}

TEST(Subprocess, TerminateGivesMinus15) {
    auto main_ = []() -> asyncio::Coroutine<int> {
        std::vector<std::string> args{"30"};
        auto p = co_await asyncio::create_subprocess_exec("/bin/sleep", args);
        p.terminate();
        co_return co_await p.wait();
    };
    EXPECT_EQ(run_bounded(main_()), -15);
}

TEST(Subprocess, StreamsLineByLine) {
    auto main_ = []() -> asyncio::Coroutine<int> {
        auto p = co_await asyncio::create_subprocess_shell("for i in 1 2 3; do echo $i; done",
                                                           {.stdout_ = asyncio::PIPE});
        int sum = 0;
        for (;;) {
            std::string line = co_await p.stdout_stream().readline();
            if (line.empty()) break;
            sum += std::stoi(line);
        }
        co_await p.wait();
        EXPECT_THROW(p.stdin_stream(), concur::RuntimeError);
        co_return sum;
    };
    EXPECT_EQ(run_bounded(main_()), 6);
}

TEST(Subprocess, MissingProgramIsFileNotFoundError) {
    auto main_ = []() -> asyncio::Coroutine<void> {
        co_await asyncio::create_subprocess_exec("/no/such/program");
    };
    EXPECT_THROW(run_bounded(main_()), concur::FileNotFoundError);
}

}  // namespace

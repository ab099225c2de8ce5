// concur/asyncio/subprocess.hpp
// -----------------------------------------------------------------------------
// asyncio's subprocesses, mirroring Python's asyncio.create_subprocess_exec
// and create_subprocess_shell (on libuv's process handles).
//
//   Python                                  concur
//   --------------------------------------  ----------------------------------------
//   p = await asyncio.create_subprocess_exec(
//       "prog", "a", stdout=PIPE)           auto p = co_await asyncio::
//                                               create_subprocess_exec("prog", args,
//                                               {.stdout_ = asyncio::PIPE});
//   await asyncio.create_subprocess_shell(  co_await asyncio::create_subprocess_shell(
//       cmd)                                    cmd, {...})
//   out, err = await p.communicate(input)   auto [out, err] = co_await
//                                               p.communicate(input);
//   await p.wait()                          co_await p.wait()
//   p.returncode; p.pid                     p.returncode(); p.pid()
//   p.stdin / p.stdout / p.stderr           p.stdin_stream() / stdout_stream() /
//                                               stderr_stream()
//   p.send_signal(s), terminate(), kill()   the same
//
// Redirections: INHERIT (the default: the parent's stream), PIPE (a
// StreamWriter for stdin, a StreamReader for stdout/stderr), DEVNULL, and for
// stderr STDOUT (stderr goes where stdout goes: with stdout a PIPE, both are
// read from stdout_stream()); STDOUT for stdin or stdout is ValueError.
// returncode() is empty while the child runs, its exit status after, or
// -signal when a signal ended it (as Python's). A program that cannot be
// started raises FileNotFoundError/PermissionError (an OSError) from
// create_subprocess_exec. stdin_stream() etc. raise RuntimeError when that
// stream is not a PIPE. Loop-thread only.
//
// GCC 12 cannot compile a braced list of strings inside a co_await operand
// ("array used as initializer"): name the argument vector first.
//
// Example:
//
//   std::vector<std::string> args{"hi"};
//   auto p = co_await asyncio::create_subprocess_exec("/bin/echo", args,
//                                                     {.stdout_ = asyncio::PIPE});
//   auto [out, err] = co_await p.communicate();   // out == "hi\n"
#pragma once

#include <concur/asyncio/coroutine.hpp>
#include <concur/asyncio/streams.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace concur::asyncio {

enum class Redirect { inherit, pipe, devnull, to_stdout };
inline constexpr Redirect INHERIT = Redirect::inherit;
inline constexpr Redirect PIPE = Redirect::pipe;
inline constexpr Redirect DEVNULL = Redirect::devnull;
inline constexpr Redirect STDOUT = Redirect::to_stdout;  // for stderr only

struct SubprocessOptions {
    Redirect stdin_ = Redirect::inherit;
    Redirect stdout_ = Redirect::inherit;
    Redirect stderr_ = Redirect::inherit;
    std::optional<std::string> cwd = std::nullopt;  // the child's working directory
};

namespace detail {
struct ProcessState;
}

class SubprocessProcess {
  public:
    int pid() const noexcept;
    std::optional<int> returncode() const noexcept;
    // Suspends until the child exits; its returncode.
    Coroutine<int> wait();
    // Sends `input` (if any) to stdin and closes it, reads stdout and stderr
    // (those that are PIPEs) to EOF, waits for the exit.
    Coroutine<std::pair<std::string, std::string>> communicate(
        std::optional<std::string> input = std::nullopt);
    void send_signal(int signum);
    void terminate();  // SIGTERM
    void kill();       // SIGKILL

    StreamWriter& stdin_stream();
    StreamReader& stdout_stream();
    StreamReader& stderr_stream();

    // Internal.
    explicit SubprocessProcess(std::shared_ptr<detail::ProcessState> state) noexcept
        : state_(std::move(state)) {}

  private:
    std::shared_ptr<detail::ProcessState> state_;
};

Coroutine<SubprocessProcess> create_subprocess_exec(std::string program,
                                                    std::vector<std::string> args = {},
                                                    SubprocessOptions options = {});
// Runs `command` with /bin/sh -c.
Coroutine<SubprocessProcess> create_subprocess_shell(std::string command,
                                                     SubprocessOptions options = {});

}  // namespace concur::asyncio

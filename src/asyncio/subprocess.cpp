// asyncio's subprocesses on libuv: uv_spawn with pipes, exit status, signals.
#include <concur/asyncio/gather.hpp>
#include <concur/asyncio/subprocess.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include "transport.hpp"

namespace concur::asyncio {

namespace detail {

struct ProcessState final : Closable {
    EventLoop* loop = nullptr;
    uv_process_t handle{};
    std::shared_ptr<ProcessState> self;  // alive until libuv's close callback
    std::optional<int> returncode;
    int pid = 0;
    bool uv_closing = false;
    WaitQueue exit_waiters;
    std::optional<StreamWriter> stdin_writer;
    std::optional<StreamReader> stdout_reader;
    std::optional<StreamReader> stderr_reader;

    void close_handle() noexcept {
        if (uv_closing) return;
        uv_closing = true;
        uv_close(reinterpret_cast<uv_handle_t*>(&handle), [](uv_handle_t* h) {
            auto* state = static_cast<ProcessState*>(h->data);
            std::shared_ptr<ProcessState> keep = std::move(state->self);
            LoopAccess::remove_closable(*state->loop, *state);
            state->exit_waiters.wake_all();
        });
    }
    void force_close() noexcept override { close_handle(); }

    static void on_exit(uv_process_t* process, int64_t exit_status, int term_signal) {
        auto* state = static_cast<ProcessState*>(process->data);
        state->returncode = term_signal != 0 ? -term_signal : static_cast<int>(exit_status);
        state->exit_waiters.wake_all();
        state->close_handle();
    }
};

}  // namespace detail

Coroutine<SubprocessProcess> create_subprocess_exec(std::string program,
                                                    std::vector<std::string> args,
                                                    SubprocessOptions options) {
    EventLoop& loop = detail::require_running_loop();
    auto* uv_loop = static_cast<uv_loop_t*>(detail::LoopAccess::uv_loop(loop));
    auto state = std::make_shared<detail::ProcessState>();
    state->loop = &loop;
    state->handle.data = state.get();

    std::vector<char*> argv;
    argv.push_back(program.data());
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    if (options.stdin_ == Redirect::to_stdout || options.stdout_ == Redirect::to_stdout)
        throw ValueError("STDOUT can only be used for stderr");
    const bool merged = options.stderr_ == Redirect::to_stdout;

    // Pipes are transports whose uv_pipe_t libuv connects to the child.
    std::shared_ptr<detail::Transport> pipes[3];
    int devnull = -1;
    int merged_child_end = -1;  // stderr=STDOUT with a stdout pipe: our socketpair's child end
    uv_stdio_container_t stdio[3];
    const Redirect redirects[3] = {options.stdin_, options.stdout_, options.stderr_};
    for (int fd = 0; fd < 3; ++fd) {
        if (fd == 2 && merged) {
            stdio[2] = stdio[1];  // a created pipe was made an inherited fd below
            break;
        }
        if (fd == 1 && merged && redirects[1] == Redirect::pipe) {
            // libuv creates a pipe for one child fd only: make the pair
            // here, read our end, give the other to the child as 1 and 2.
            int ends[2];
            if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0)
                concur::detail::raise_errno("socketpair");
            pipes[1] = detail::Transport::create(loop, true, default_stream_limit);
            if (const int rc = uv_pipe_open(&pipes[1]->uv.pipe, ends[0]); rc != 0) {
                ::close(ends[0]);
                ::close(ends[1]);
                pipes[1]->close_now();
                detail::raise_uv(rc, "uv_pipe_open");
            }
            merged_child_end = ends[1];
            stdio[1].flags = UV_INHERIT_FD;
            stdio[1].data.fd = merged_child_end;
            continue;
        }
        switch (redirects[fd]) {
            case Redirect::to_stdout:
                break;  // (stderr: handled above)
            case Redirect::inherit:
                stdio[fd].flags = UV_INHERIT_FD;
                stdio[fd].data.fd = fd;
                break;
            case Redirect::devnull:
                if (devnull < 0) devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
                if (devnull < 0) concur::detail::raise_errno("open /dev/null");
                stdio[fd].flags = UV_INHERIT_FD;
                stdio[fd].data.fd = devnull;
                break;
            case Redirect::pipe:
                pipes[fd] = detail::Transport::create(loop, true, default_stream_limit);
                stdio[fd].flags = static_cast<uv_stdio_flags>(
                    UV_CREATE_PIPE | (fd == 0 ? UV_READABLE_PIPE : UV_WRITABLE_PIPE));
                stdio[fd].data.stream = &pipes[fd]->uv.stream;
                break;
        }
    }
    uv_process_options_t spawn{};
    spawn.file = program.c_str();
    spawn.args = argv.data();
    spawn.exit_cb = &detail::ProcessState::on_exit;
    spawn.stdio_count = 3;
    spawn.stdio = stdio;
    if (options.cwd) spawn.cwd = options.cwd->c_str();
    const int rc = uv_spawn(uv_loop, &state->handle, &spawn);
    if (devnull >= 0) ::close(devnull);
    if (merged_child_end >= 0) ::close(merged_child_end);
    if (rc != 0) {
        for (auto& pipe : pipes)
            if (pipe) pipe->close_now();
        // libuv needs the handle closed even when spawning failed.
        state->self = state;
        detail::LoopAccess::add_closable(loop, *state);
        state->close_handle();
        concur::detail::raise_os_error(-rc, program, concur::detail::OsErrorContext::filename);
    }
    state->self = state;
    state->pid = state->handle.pid;
    detail::LoopAccess::add_closable(loop, *state);
    if (pipes[0]) state->stdin_writer.emplace(detail::make_writer(pipes[0]));
    for (int fd = 1; fd < 3; ++fd) {
        if (!pipes[fd]) continue;
        pipes[fd]->start_reading();
        (fd == 1 ? state->stdout_reader : state->stderr_reader)
            .emplace(StreamReader(pipes[fd]->reader));
    }
    co_return SubprocessProcess(state);
}

Coroutine<SubprocessProcess> create_subprocess_shell(std::string command,
                                                     SubprocessOptions options) {
    std::vector<std::string> args{
        "-c", std::move(command)};  // named: GCC 12 and braced lists in co_await
    co_return co_await create_subprocess_exec("/bin/sh", std::move(args), std::move(options));
}

int SubprocessProcess::pid() const noexcept {
    return state_->pid;
}
std::optional<int> SubprocessProcess::returncode() const noexcept {
    return state_->returncode;
}

Coroutine<int> SubprocessProcess::wait() {
    auto state = state_;
    while (!state->returncode) co_await state->exit_waiters.park("wait for a subprocess");
    co_return *state->returncode;
}

namespace {
Coroutine<void> feed_stdin(StreamWriter writer, std::optional<std::string> input) {
    std::exception_ptr error;
    try {
        if (input) {
            writer.write(*input);
            co_await writer.drain();
        }
    } catch (const concur::BrokenPipeError&) {  // the child did not read it all: as Python, ignore
    } catch (const concur::ConnectionResetError&) {
    }
    writer.close();
    co_await writer.wait_closed();
}
Coroutine<std::string> read_all(std::optional<StreamReader> reader) {
    if (!reader) co_return std::string();
    co_return co_await reader->read();
}
}  // namespace

Coroutine<std::pair<std::string, std::string>> SubprocessProcess::communicate(
    std::optional<std::string> input) {
    auto state = state_;
    if (state->stdin_writer) {
        auto [ignored, out, err] =
            co_await gather(feed_stdin(*state->stdin_writer, std::move(input)),
                            read_all(state->stdout_reader), read_all(state->stderr_reader));
        (void)ignored;
        co_await wait();
        co_return std::pair<std::string, std::string>(std::move(out), std::move(err));
    }
    auto [out, err] =
        co_await gather(read_all(state->stdout_reader), read_all(state->stderr_reader));
    co_await wait();
    co_return std::pair<std::string, std::string>(std::move(out), std::move(err));
}

void SubprocessProcess::send_signal(int signum) {
    if (state_->returncode || state_->uv_closing) return;  // already exited
    if (int rc = uv_process_kill(&state_->handle, signum); rc != 0 && rc != UV_ESRCH)
        concur::detail::raise_os_error(-rc, "kill");
}
void SubprocessProcess::terminate() {
    send_signal(SIGTERM);
}
void SubprocessProcess::kill() {
    send_signal(SIGKILL);
}

StreamWriter& SubprocessProcess::stdin_stream() {
    if (!state_->stdin_writer) throw RuntimeError("stdin is not a PIPE");
    return *state_->stdin_writer;
}
StreamReader& SubprocessProcess::stdout_stream() {
    if (!state_->stdout_reader) throw RuntimeError("stdout is not a PIPE");
    return *state_->stdout_reader;
}
StreamReader& SubprocessProcess::stderr_stream() {
    if (!state_->stderr_reader) throw RuntimeError("stderr is not a PIPE");
    return *state_->stderr_reader;
}

}  // namespace concur::asyncio

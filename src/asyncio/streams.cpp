// asyncio's streams on libuv: StreamReader's buffer, the TCP / Unix-domain
// transport behind StreamWriter, servers, and the connect/listen calls.
#include <concur/asyncio/detail/wait_queue.hpp>
#include <concur/asyncio/event.hpp>
#include <concur/asyncio/streams.hpp>
#include <concur/asyncio/task.hpp>
#include <concur/detail/os_error.hpp>

#include "transport.hpp"

#include <uv.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace concur::asyncio {

namespace detail {

// The one-task-at-a-time guard of a read call, and the wait for more data.
struct ReadGuard {
    ReaderState& state;
    explicit ReadGuard(ReaderState& s) : state(s) {
        if (state.reading)
            throw RuntimeError(
                "read() called while another coroutine is already waiting for incoming data");
        state.reading = true;
    }
    ~ReadGuard() { state.reading = false; }
};

// --- servers ---

struct ServerState final : Closable {
    EventLoop* loop = nullptr;
    ClientConnected callback;
    std::size_t limit = default_stream_limit;
    StreamHandle uv{};
    bool is_pipe = false;
    bool serving = false;
    bool uv_closing = false;
    bool closed = false;
    std::string unix_path;
    std::vector<ServerSocket> sockets;
    std::size_t active = 0;
    std::shared_ptr<ServerState> self;  // alive until the listener's close callback
    std::weak_ptr<ServerState> weak;
    WaitQueue close_waiters;

    void close() noexcept {
        if (uv_closing) return;
        uv_closing = true;
        serving = false;
        uv_close(&uv.handle, [](uv_handle_t* handle) {
            auto* s = static_cast<ServerState*>(handle->data);
            std::shared_ptr<ServerState> keep = std::move(s->self);
            s->closed = true;
            LoopAccess::remove_closable(*s->loop, *s);
            if (!s->unix_path.empty()) ::unlink(s->unix_path.c_str());
            s->close_waiters.wake_all();
        });
    }
    void force_close() noexcept override { close(); }

    static void on_connection(uv_stream_t* listener, int status);
};

Coroutine<void> run_client(std::shared_ptr<ServerState> server, StreamReader reader,
                           StreamWriter writer) {
    std::exception_ptr error;
    try {
        co_await server->callback(reader, writer);
    } catch (const CancelledError&) {
    } catch (...) {
        error = std::current_exception();
    }
    if (error) {
        server->loop->call_exception_handler(
            {"Unhandled exception in client_connected_cb", error, {}});
        writer.close();
    }
    if (--server->active == 0) server->close_waiters.wake_all();
}

void ServerState::on_connection(uv_stream_t* listener, int status) {
    auto* s = static_cast<ServerState*>(listener->data);
    if (status < 0) {
        s->loop->call_exception_handler({"Error on accepting a connection",
                                         uv_exception(status, "accept"),
                                         {{"server", "<Server>"}}});
        return;
    }
    std::shared_ptr<Transport> t;
    try {
        t = Transport::create(*s->loop, s->is_pipe, s->limit);
    } catch (...) {
        return;
    }
    if (uv_accept(listener, &t->uv.stream) != 0) {
        t->close_now();
        return;
    }
    t->begin();
    std::shared_ptr<ServerState> server = s->weak.lock();
    if (!server) {
        t->close_now();
        return;
    }
    ++server->active;
    try {
        s->loop->create_task(run_client(server, StreamReader(t->reader), make_writer(t)));
    } catch (...) {
        --server->active;
        t->close_now();
    }
}

// --- resolving and connecting ---

// host:port as a socket address, resolving names on libuv's thread pool.
Coroutine<sockaddr_storage> resolve(EventLoop& loop, std::string host, int port) {
    if (port < 0 || port > 65535) throw ValueError("port must be 0-65535.");
    sockaddr_storage out{};
    const std::string name = host.empty() ? std::string("0.0.0.0") : host;
    if (uv_ip4_addr(name.c_str(), port, reinterpret_cast<sockaddr_in*>(&out)) == 0) co_return out;
    if (uv_ip6_addr(name.c_str(), port, reinterpret_cast<sockaddr_in6*>(&out)) == 0) co_return out;
    struct Request {
        uv_getaddrinfo_t req;
        Future<sockaddr_storage> done;
        std::string host;
    };
    auto* request = new Request{{}, Future<sockaddr_storage>(loop), name};
    request->req.data = request;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    const std::string service = std::to_string(port);
    int rc = uv_getaddrinfo(
        static_cast<uv_loop_t*>(LoopAccess::uv_loop(loop)), &request->req,
        [](uv_getaddrinfo_t* req, int status, addrinfo* result) {
            auto* r = static_cast<Request*>(req->data);
            if (!r->done.done()) {
                if (status == 0 && result != nullptr) {
                    sockaddr_storage address{};
                    std::memcpy(&address, result->ai_addr, result->ai_addrlen);
                    r->done.set_result(address);
                } else {
                    r->done.set_exception(std::make_exception_ptr(
                        concur::OSError("[Errno " + std::to_string(-status) + "] " +
                                            uv_strerror(status) + ": '" + r->host + "'",
                                        -status)));
                }
            }
            uv_freeaddrinfo(result);
            delete r;
        },
        name.c_str(), service.c_str(), &hints);
    if (rc != 0) {
        delete request;
        throw concur::OSError(
            "[Errno " + std::to_string(-rc) + "] " + uv_strerror(rc) + ": '" + name + "'", -rc);
    }
    Future<sockaddr_storage> done = request->done;
    co_return co_await done;
}

// Connects a new transport; its status arrives through `done`.
struct ConnectRequest {
    union {
        uv_connect_t req;
    };
    Future<int> done;
    explicit ConnectRequest(EventLoop& loop) : done(loop) { std::memset(&req, 0, sizeof req); }
    static void on_connect(uv_connect_t* req, int status) {
        auto* r = static_cast<ConnectRequest*>(req->data);
        if (!r->done.done()) r->done.set_result(status);
        delete r;
    }
};

Coroutine<std::pair<StreamReader, StreamWriter>> finish_connect(std::shared_ptr<Transport> t,
                                                                Future<int> done,
                                                                std::string what) {
    int status = 0;
    std::exception_ptr error;
    try {
        status = co_await done;
    } catch (...) {
        error = std::current_exception();  // cancelled: libuv cancels the request on close
    }
    if (error || status != 0) {
        t->close_now();
        if (error) std::rethrow_exception(error);
        raise_uv(status, what);
    }
    t->begin();
    co_return std::pair<StreamReader, StreamWriter>(StreamReader(t->reader), make_writer(t));
}

Coroutine<Server> listen_on(std::shared_ptr<ServerState> s, int backlog) {
    int rc = uv_listen(&s->uv.stream, backlog, &ServerState::on_connection);
    if (rc != 0) {
        s->close();
        raise_uv(rc, "listen");
    }
    s->serving = true;
    co_return Server(s);
}

std::shared_ptr<ServerState> new_server(EventLoop& loop, ClientConnected callback,
                                        std::size_t limit, bool pipe) {
    auto s = std::make_shared<ServerState>();
    s->loop = &loop;
    s->callback = std::move(callback);
    s->limit = limit;
    s->is_pipe = pipe;
    auto* uv_loop = static_cast<uv_loop_t*>(LoopAccess::uv_loop(loop));
    int rc = pipe ? uv_pipe_init(uv_loop, &s->uv.pipe, 0) : uv_tcp_init(uv_loop, &s->uv.tcp);
    if (rc != 0) raise_uv(rc, "socket");
    s->uv.handle.data = s.get();
    s->self = s;
    s->weak = s;
    LoopAccess::add_closable(loop, *s);
    return s;
}

}  // namespace detail

// --- StreamReader ---

StreamReader::StreamReader(std::size_t limit)
    : state_(std::make_shared<detail::ReaderState>(limit)) {
    if (limit == 0) throw ValueError("Limit cannot be <= 0");
}

bool StreamReader::at_eof() const noexcept {
    return state_->eof && state_->size() == 0;
}
void StreamReader::feed_data(std::string_view data) {
    state_->feed_data(data);
}
void StreamReader::feed_eof() {
    state_->feed_eof();
}
std::size_t StreamReader::limit() const noexcept {
    return state_->limit;
}

namespace {
// Waits for more data (or EOF, or an error) in a read call.
// Waits for data, EOF or an error. An awaitable, not a coroutine: no frame
// to allocate per wait on the read path.
struct DataWait {
    detail::ReaderState& state;
    detail::WaitQueue::Park park;
    bool await_ready() const {
        if (state.error) std::rethrow_exception(state.error);
        return false;
    }
    void await_suspend(std::coroutine_handle<> awaiting) { park.await_suspend(awaiting); }
    void await_resume() {
        park.await_resume();
        if (state.error) std::rethrow_exception(state.error);
    }
};
DataWait wait_for_data(detail::ReaderState& state) {
    return DataWait{state, state.waiter.park("read from a stream")};
}
}  // namespace

Coroutine<std::string> StreamReader::read(std::int64_t n) {
    auto state = state_;
    detail::ReadGuard guard(*state);
    if (n == 0) co_return std::string();
    if (n < 0) {
        while (!state->eof) co_await wait_for_data(*state);
        co_return state->take(state->size());
    }
    while (state->size() == 0 && !state->eof) co_await wait_for_data(*state);
    co_return state->take(static_cast<std::size_t>(n));
}

Coroutine<std::string> StreamReader::readexactly(std::size_t n) {
    auto state = state_;
    detail::ReadGuard guard(*state);
    while (state->size() < n) {
        if (state->eof) throw IncompleteReadError(state->take(state->size()), n);
        co_await wait_for_data(*state);
    }
    co_return state->take(n);
}

Coroutine<std::string> StreamReader::readuntil(std::string separator) {
    if (separator.empty()) throw ValueError("Separator should be at least one-byte string");
    auto state = state_;
    detail::ReadGuard guard(*state);
    std::size_t searched = 0;  // where the next search may start
    for (;;) {
        const std::string_view data = state->view();
        const std::size_t found = data.find(separator, searched);
        if (found != std::string_view::npos) {
            const std::size_t end = found + separator.size();
            if (end > state->limit)
                throw LimitOverrunError("Separator is found, but chunk is longer than limit",
                                        found);
            co_return state->take(end);
        }
        if (data.size() + 1 > separator.size()) searched = data.size() + 1 - separator.size();
        if (searched > state->limit)
            throw LimitOverrunError("Separator is not found, and chunk exceed the limit", searched);
        if (state->eof) throw IncompleteReadError(state->take(state->size()), std::nullopt);
        co_await wait_for_data(*state);
    }
}

Coroutine<std::string> StreamReader::readline() {
    try {
        co_return co_await readuntil("\n");
    } catch (const IncompleteReadError& e) {
        co_return e.partial();
    } catch (const LimitOverrunError& e) {
        // Python drops the overlong data (through the separator if it was
        // found) and raises ValueError.
        auto& state = *state_;
        const std::string_view data = state.view();
        if (data.substr(e.consumed()).starts_with("\n")) {
            state.take(e.consumed() + 1);
        } else {
            state.take(state.size());
        }
        throw ValueError(e.what());
    }
}

// --- StreamWriter ---

void StreamWriter::write(std::string_view data) {
    transport_->write(data);
}

void StreamWriter::writelines(const std::vector<std::string>& lines) {
    for (const std::string& line : lines) transport_->write(line);
}

Coroutine<void> StreamWriter::drain() {
    auto t = transport_;
    if (t->error) std::rethrow_exception(t->error);
    while (!t->uv_closing && t->queued() > t->high) {
        co_await t->drainers.park("drain a stream");
        if (t->error) std::rethrow_exception(t->error);
    }
    if (t->error) std::rethrow_exception(t->error);
}

void StreamWriter::write_eof() {
    transport_->write_eof();
}
void StreamWriter::close() {
    transport_->close();
}
bool StreamWriter::is_closing() const noexcept {
    return transport_->closing;
}

Coroutine<void> StreamWriter::wait_closed() {
    auto t = transport_;
    while (!t->closed) co_await t->close_waiters.park("wait for a stream to close");
}

std::optional<SocketAddress> StreamWriter::get_extra_info(std::string_view name) const {
    if (name == "peername") return transport_->address(true);
    if (name == "sockname") return transport_->address(false);
    return std::nullopt;
}

std::size_t StreamWriter::get_write_buffer_size() const noexcept {
    return transport_->queued();
}

void StreamWriter::set_write_buffer_limits(std::size_t high, std::size_t low) {
    if (high < low)
        throw ValueError("high (" + std::to_string(high) + ") must be >= low (" +
                         std::to_string(low) + ")");
    transport_->high = high;
    transport_->low = low;
}

// --- Server ---

void Server::close() {
    if (state_) state_->close();
}
bool Server::is_serving() const noexcept {
    return state_ && state_->serving;
}
std::vector<ServerSocket> Server::sockets() const {
    return state_ ? state_->sockets : std::vector<ServerSocket>{};
}

Coroutine<void> Server::wait_closed() {
    auto s = state_;
    if (!s) co_return;
    while (!s->closed || s->active > 0)
        co_await s->close_waiters.park("wait for a server to close");
}

Coroutine<void> Server::serve_forever() {
    auto s = state_;
    if (!s || s->uv_closing) throw RuntimeError("server is closed");
    Event never;
    std::exception_ptr error;
    try {
        co_await never.wait();
    } catch (...) {
        error = std::current_exception();
    }
    s->close();
    co_await Server(s).wait_closed();
    if (error) std::rethrow_exception(error);
}

// --- connecting and listening ---

Coroutine<std::pair<StreamReader, StreamWriter>> open_connection(std::string host, int port,
                                                                 std::size_t limit) {
    EventLoop& loop = detail::require_running_loop();
    sockaddr_storage address = co_await detail::resolve(loop, host, port);
    auto t = detail::Transport::create(loop, false, limit);
    auto* request = new detail::ConnectRequest(loop);
    request->req.data = request;
    Future<int> done = request->done;
    int rc = uv_tcp_connect(&request->req, &t->uv.tcp, reinterpret_cast<const sockaddr*>(&address),
                            &detail::ConnectRequest::on_connect);
    if (rc != 0) {
        delete request;
        t->close_now();
        detail::raise_uv(rc, "connect");
    }
    co_return co_await detail::finish_connect(t, done, "connect");
}

Coroutine<Server> start_server(ClientConnected client_connected, std::string host, int port,
                               std::size_t limit, int backlog) {
    EventLoop& loop = detail::require_running_loop();
    sockaddr_storage address = co_await detail::resolve(loop, host, port);
    auto s = detail::new_server(loop, std::move(client_connected), limit, false);
    int rc = uv_tcp_bind(&s->uv.tcp, reinterpret_cast<const sockaddr*>(&address), 0);
    if (rc == 0) {
        sockaddr_storage bound{};
        int length = sizeof bound;
        rc = uv_tcp_getsockname(&s->uv.tcp, reinterpret_cast<sockaddr*>(&bound), &length);
        if (rc == 0) s->sockets.emplace_back(detail::to_address(bound));
    }
    if (rc != 0) {
        s->close();
        detail::raise_uv(rc, "bind");
    }
    co_return co_await detail::listen_on(s, backlog);
}

Coroutine<std::pair<StreamReader, StreamWriter>> open_unix_connection(std::string path,
                                                                      std::size_t limit) {
    EventLoop& loop = detail::require_running_loop();
    auto t = detail::Transport::create(loop, true, limit);
    auto* request = new detail::ConnectRequest(loop);
    request->req.data = request;
    Future<int> done = request->done;
    uv_pipe_connect(&request->req, &t->uv.pipe, path.c_str(), &detail::ConnectRequest::on_connect);
    co_return co_await detail::finish_connect(t, done, path);
}

Coroutine<Server> start_unix_server(ClientConnected client_connected, std::string path,
                                    std::size_t limit, int backlog) {
    EventLoop& loop = detail::require_running_loop();
    // Python removes a stale socket file left at the path.
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0 && S_ISSOCK(info.st_mode)) ::unlink(path.c_str());
    auto s = detail::new_server(loop, std::move(client_connected), limit, true);
    int rc = uv_pipe_bind(&s->uv.pipe, path.c_str());
    if (rc != 0) {
        s->close();
        concur::detail::raise_os_error(-rc, path, concur::detail::OsErrorContext::filename);
    }
    s->unix_path = path;
    s->sockets.emplace_back(SocketAddress{path, 0});
    co_return co_await detail::listen_on(s, backlog);
}

}  // namespace concur::asyncio

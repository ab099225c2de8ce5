// src/asyncio/transport.hpp -- private: the reader buffer and the libuv
// stream transport shared by asyncio's streams and subprocess pipes.
#pragma once

#include <concur/asyncio/detail/wait_queue.hpp>
#include <concur/asyncio/event_loop.hpp>
#include <concur/asyncio/streams.hpp>
#include <concur/detail/os_error.hpp>

#include <uv.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace concur::asyncio {

namespace detail {

inline constexpr std::size_t kReadChunk = 64 * 1024;

[[noreturn]] inline void raise_uv(int rc, std::string_view context) {
    concur::detail::raise_os_error(-rc, context);
}

inline std::exception_ptr uv_exception(int rc, std::string_view context) {
    try {
        raise_uv(rc, context);
    } catch (...) {
        return std::current_exception();
    }
}

inline SocketAddress to_address(const sockaddr_storage& storage) {
    char host[INET6_ADDRSTRLEN] = {};
    if (storage.ss_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
        uv_ip4_name(in, host, sizeof host);
        return {host, ntohs(in->sin_port)};
    }
    if (storage.ss_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
        uv_ip6_name(in6, host, sizeof host);
        return {host, ntohs(in6->sin6_port)};
    }
    return {"", 0};
}

// --- the reader's buffer ---

struct ReaderState {
    explicit ReaderState(std::size_t limit_) : limit(limit_) {}
    std::string buffer;
    std::size_t start = 0;  // consumed bytes at the front of `buffer`
    std::size_t limit;
    bool eof = false;
    bool reading = false;  // a task is in a read call
    std::exception_ptr error;
    WaitQueue waiter;
    Transport* transport = nullptr;  // to pause/resume reading; null when fed by hand

    std::size_t size() const noexcept { return buffer.size() - start; }
    std::string_view view() const noexcept { return std::string_view(buffer).substr(start); }

    void feed_data(std::string_view data);
    void feed_eof() {
        eof = true;
        waiter.wake_all();
    }
    void set_error(std::exception_ptr e) {
        error = std::move(e);
        waiter.wake_all();
    }
    std::string take(std::size_t n);
    void maybe_resume();
};

// A TCP or Unix-domain libuv stream, seen as whichever type a call takes.
union StreamHandle {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
};

// --- the transport: one TCP or Unix-domain connection ---

struct Transport final : Closable {
    EventLoop* loop = nullptr;
    StreamHandle uv{};
    bool is_pipe = false;
    std::shared_ptr<Transport> self;  // alive until libuv's close callback
    std::shared_ptr<ReaderState> reader;
    std::unique_ptr<char[]> read_buffer;
    std::size_t high = 64 * 1024;
    std::size_t low = 16 * 1024;
    WaitQueue drainers;
    WaitQueue close_waiters;
    std::exception_ptr error;
    bool reading = false;
    bool closing = false;  // close() asked
    bool uv_closing = false;
    bool closed = false;
    bool eof_written = false;

    ~Transport() = default;

    static std::shared_ptr<Transport> create(EventLoop& loop, bool pipe, std::size_t limit) {
        auto t = std::make_shared<Transport>();
        t->loop = &loop;
        t->is_pipe = pipe;
        auto* uv_loop = static_cast<uv_loop_t*>(LoopAccess::uv_loop(loop));
        int rc = pipe ? uv_pipe_init(uv_loop, &t->uv.pipe, 0) : uv_tcp_init(uv_loop, &t->uv.tcp);
        if (rc != 0) raise_uv(rc, pipe ? "uv_pipe_init" : "uv_tcp_init");
        t->uv.handle.data = t.get();
        t->self = t;
        t->reader = std::make_shared<ReaderState>(limit);
        t->reader->transport = t.get();
        LoopAccess::add_closable(loop, *t);
        return t;
    }

    std::size_t queued() const noexcept { return uv_stream_get_write_queue_size(&uv.stream); }

    // The connection is up (accepted or connected): TCP_NODELAY on TCP, as
    // Python's asyncio sets it on every TCP transport, then read.
    void begin() {
        if (!is_pipe) uv_tcp_nodelay(&uv.tcp, 1);
        start_reading();
    }

    void start_reading() {
        if (reading || closing || reader->eof) return;
        if (!read_buffer) read_buffer = std::make_unique<char[]>(kReadChunk);
        if (uv_read_start(&uv.stream, &Transport::on_alloc, &Transport::on_read) == 0)
            reading = true;
    }
    void pause_reading() noexcept {
        if (!reading) return;
        uv_read_stop(&uv.stream);
        reading = false;
    }

    static void on_alloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
        auto* t = static_cast<Transport*>(handle->data);
        *buf = uv_buf_init(t->read_buffer.get(), kReadChunk);
    }

    static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
        auto* t = static_cast<Transport*>(stream->data);
        if (nread > 0) {
            t->reader->feed_data(std::string_view(buf->base, static_cast<std::size_t>(nread)));
        } else if (nread == UV_EOF) {
            t->pause_reading();
            t->reader->feed_eof();
        } else if (nread < 0) {
            t->pause_reading();
            t->fail(uv_exception(static_cast<int>(nread), "read"));
        }
    }

    void fail(std::exception_ptr e) {
        if (!error) error = e;
        reader->set_error(e);
        drainers.wake_all();
        close();
    }

    struct WriteRequest {
        uv_write_t req;
        std::string data;
    };

    void write(std::string_view data) {
        if (closing || eof_written || data.empty()) return;
        // Send at once when nothing is queued; queue only the rest.
        if (queued() == 0) {
            uv_buf_t buf =
                uv_buf_init(const_cast<char*>(data.data()), static_cast<unsigned>(data.size()));
            int n = uv_try_write(&uv.stream, &buf, 1);
            if (n == static_cast<int>(data.size())) return;
            if (n > 0) {
                data.remove_prefix(static_cast<std::size_t>(n));
            } else if (n != UV_EAGAIN && n != UV_ENOSYS) {
                fail(uv_exception(n, "write"));
                return;
            }
        }
        auto* request = new WriteRequest;
        request->data.assign(data);
        request->req.data = this;
        uv_buf_t buf =
            uv_buf_init(request->data.data(), static_cast<unsigned>(request->data.size()));
        int rc = uv_write(&request->req, &uv.stream, &buf, 1, &Transport::on_write);
        if (rc != 0) {
            delete request;
            fail(uv_exception(rc, "write"));
        }
    }

    static void on_write(uv_write_t* req, int status) {
        auto* request = reinterpret_cast<WriteRequest*>(req);
        auto* t = static_cast<Transport*>(req->data);
        delete request;
        if (status < 0 && status != UV_ECANCELED) {
            t->fail(uv_exception(status, "write"));
            return;
        }
        if (t->queued() <= t->low) t->drainers.wake_all();
    }

    // Sends what is queued, then EOF (shutdown) or closes.
    void shutdown_then(bool close_after) {
        auto* req = new uv_shutdown_t;
        req->data = close_after ? this : nullptr;
        int rc = uv_shutdown(req, &uv.stream, [](uv_shutdown_t* r, int) {
            auto* t = static_cast<Transport*>(r->data);
            delete r;
            if (t != nullptr) t->close_now();
        });
        if (rc != 0) {
            delete req;
            if (close_after) close_now();
        }
    }

    void write_eof() {
        if (eof_written || closing) return;
        eof_written = true;
        if (!is_pipe || true) shutdown_then(false);
    }

    void close() {
        if (closing) return;
        closing = true;
        reader->transport = nullptr;
        if (queued() > 0 && !error) {
            shutdown_then(true);
        } else {
            close_now();
        }
    }

    void close_now() noexcept {
        if (uv_closing) return;
        uv_closing = true;
        closing = true;
        reader->transport = nullptr;
        uv_close(&uv.handle, &Transport::on_close);
    }

    void force_close() noexcept override { close_now(); }

    static void on_close(uv_handle_t* handle) {
        auto* t = static_cast<Transport*>(handle->data);
        std::shared_ptr<Transport> keep = std::move(t->self);
        t->closed = true;
        if (!t->reader->eof) t->reader->feed_eof();
        LoopAccess::remove_closable(*t->loop, *t);
        t->drainers.wake_all();
        t->close_waiters.wake_all();
    }

    std::optional<SocketAddress> address(bool peer) const {
        if (closed || uv_closing) return std::nullopt;
        if (is_pipe) {
            char path[1024];
            size_t size = sizeof path;
            int rc = peer ? uv_pipe_getpeername(&uv.pipe, path, &size)
                          : uv_pipe_getsockname(&uv.pipe, path, &size);
            if (rc != 0) return std::nullopt;
            return SocketAddress{std::string(path, size), 0};
        }
        sockaddr_storage storage{};
        int length = sizeof storage;
        int rc = peer ? uv_tcp_getpeername(&uv.tcp, reinterpret_cast<sockaddr*>(&storage), &length)
                      : uv_tcp_getsockname(&uv.tcp, reinterpret_cast<sockaddr*>(&storage), &length);
        if (rc != 0) return std::nullopt;
        return to_address(storage);
    }
};

inline void ReaderState::feed_data(std::string_view data) {
    if (data.empty()) return;
    if (start > 0 && start >= buffer.size() / 2) {  // compact now and then
        buffer.erase(0, start);
        start = 0;
    }
    buffer.append(data);
    waiter.wake_all();
    if (transport != nullptr && size() > 2 * limit) transport->pause_reading();
}

inline std::string ReaderState::take(std::size_t n) {
    n = std::min(n, size());
    std::string out = buffer.substr(start, n);
    start += n;
    if (start == buffer.size()) {
        buffer.clear();
        start = 0;
    }
    maybe_resume();
    return out;
}

inline void ReaderState::maybe_resume() {
    if (transport != nullptr && !transport->reading && size() <= limit) transport->start_reading();
}

// A writer handle: when its last copy goes, the transport is closed, as
// Python closes a StreamWriter's transport when the writer is collected.
inline StreamWriter make_writer(const std::shared_ptr<Transport>& t) {
    return StreamWriter(std::shared_ptr<Transport>(
        t.get(), [keep = t](Transport* transport) { transport->close(); }));
}

}  // namespace detail

}  // namespace concur::asyncio

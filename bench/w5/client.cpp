// W5 "async-echo", the neutral client (bench/README.md, bench/w5/workload.hpp):
// the same client for every server, concur's and the peers'.
//
// One thread, level-triggered epoll. Connects all C connections to
// 127.0.0.1:<port> first (blocking connect, TCP_NODELAY, then non-blocking),
// then starts the clock and has every connection loop: write a 64-byte message
// (its bytes depend on the connection and the round, so a byte echoed on the
// wrong connection or in the wrong round is caught), read until 64 bytes are
// back, compare them with what was sent; R times; then close. The clock stops
// at the last byte of the last round trip, or after 55 s (then it reports the
// rate over what completed, and says so in a # line).
//
// Usage:  peer_w5_client <port> <system> [C] [R]     (C = 100, R = 10,000)
// Output: W5 <system> rt_per_s <completed / elapsed> rt/s
//         W5 <system> elapsed_s <elapsed> s
//         W5 <system> completed_rt <completed> rt
// A wrong echo, an early EOF or a socket error prints "checksum MISMATCH" and
// exits 1. Pins itself to W5_PIN's second CPU (default 1).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../bench_common.hpp"
#include "workload.hpp"

namespace {

constexpr std::size_t M = w5::kMessageBytes;

struct Connection {
    int fd = -1;
    long rounds = 0;        // round trips completed
    std::size_t sent = 0;   // bytes of the current message written
    std::size_t got = 0;    // bytes of its echo read
    bool want_out = false;  // registered for EPOLLOUT (a partial write)
    unsigned char out[M];
    unsigned char in[2 * M];  // room to notice a server that sends too much
};

// The message of connection c's round r: eight words derived from (c, r).
void fill(Connection& conn, long c) {
    const std::uint64_t id =
        (static_cast<std::uint64_t>(c) << 32) ^ static_cast<std::uint64_t>(conn.rounds);
    for (std::size_t k = 0; k < M / 8; ++k) {
        const std::uint64_t word = (id + k) * 0x9E3779B97F4A7C15ULL ^ (id >> 7);
        std::memcpy(conn.out + 8 * k, &word, 8);
    }
    conn.sent = 0;
    conn.got = 0;
}

class Client {
  public:
    Client(std::vector<Connection>& conns, int epoll_fd, long rounds)
        : conns_(conns), ep_(epoll_fd), rounds_(rounds), active_(static_cast<long>(conns.size())) {}

    long completed = 0;
    long active() const { return active_; }
    bool failed = false;
    double last_byte = 0;  // when the last round trip completed

    void start(long c) {
        fill(conns_[c], c);
        write_some(c);
    }

    void on_event(long c, std::uint32_t events) {
        Connection& conn = conns_[c];
        if (conn.fd < 0) return;
        if ((events & EPOLLOUT) != 0 && conn.sent < M) write_some(c);
        if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0 || failed) return;
        const ssize_t n = ::read(conn.fd, conn.in + conn.got, sizeof conn.in - conn.got);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) fail(c, "read", errno);
            return;
        }
        if (n == 0) return fail(c, "server closed the connection early", 0);
        conn.got += static_cast<std::size_t>(n);
        if (conn.got > conn.sent) return fail(c, "more bytes echoed than sent", 0);
        if (conn.got < M) return;
        if (std::memcmp(conn.in, conn.out, M) != 0)
            return fail(c, "echo differs from the message", 0);
        ++completed;
        if (++conn.rounds < rounds_) return start(c);
        ::epoll_ctl(ep_, EPOLL_CTL_DEL, conn.fd, nullptr);
        ::close(conn.fd);
        conn.fd = -1;
        if (--active_ == 0) last_byte = bench::now_seconds();
    }

  private:
    void write_some(long c) {
        Connection& conn = conns_[c];
        while (conn.sent < M) {
            const ssize_t n = ::send(conn.fd, conn.out + conn.sent, M - conn.sent, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno != EAGAIN && errno != EWOULDBLOCK) return fail(c, "send", errno);
                break;
            }
            conn.sent += static_cast<std::size_t>(n);
        }
        const bool want_out = conn.sent < M;
        if (want_out != conn.want_out) {
            epoll_event ev{};
            ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0u);
            ev.data.u64 = static_cast<std::uint64_t>(c);
            ::epoll_ctl(ep_, EPOLL_CTL_MOD, conn.fd, &ev);
            conn.want_out = want_out;
        }
    }

    void fail(long c, const char* what, int err) {
        std::fprintf(stderr, "peer_w5_client: connection %ld, round %ld: %s%s%s\n", c,
                     conns_[c].rounds, what, err != 0 ? ": " : "",
                     err != 0 ? std::strerror(err) : "");
        failed = true;
    }

    std::vector<Connection>& conns_;
    int ep_;
    long rounds_;
    long active_;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s <port> <system> [connections=%ld] [round_trips=%ld]\n",
                     argv[0], w5::kConnections, w5::kRoundTrips);
        return 2;
    }
    const int port = std::atoi(argv[1]);
    const std::string system = argv[2];
    const long C = argc >= 4 ? std::atol(argv[3]) : w5::kConnections;
    const long R = argc >= 5 ? std::atol(argv[4]) : w5::kRoundTrips;
    if (port <= 0 || port > 65535 || C <= 0 || R <= 0) {
        std::fprintf(stderr, "%s: bad port, connections or round trips\n", argv[0]);
        return 2;
    }
    w5::pin_self(1);

    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::vector<Connection> conns(static_cast<std::size_t>(C));
    for (auto& conn : conns) {
        conn.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const int one = 1;
        if (conn.fd < 0 || ::setsockopt(conn.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
            ::connect(conn.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
            std::perror("peer_w5_client: connect");
            return 2;
        }
        ::fcntl(conn.fd, F_SETFL, ::fcntl(conn.fd, F_GETFL) | O_NONBLOCK);
    }
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        std::perror("peer_w5_client: epoll_create1");
        return 2;
    }
    for (long c = 0; c < C; ++c) {
        epoll_event ev{};
        ev.events = EPOLLIN;  // level-triggered
        ev.data.u64 = static_cast<std::uint64_t>(c);
        ::epoll_ctl(ep, EPOLL_CTL_ADD, conns[static_cast<std::size_t>(c)].fd, &ev);
    }

    Client client(conns, ep, R);
    std::vector<epoll_event> events(256);
    bool stopped = false;
    const double t0 = bench::now_seconds();
    for (long c = 0; c < C && !client.failed; ++c) client.start(c);
    while (client.active() > 0 && !client.failed) {
        const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
        if (n < 0 && errno != EINTR) {
            std::perror("peer_w5_client: epoll_wait");
            client.failed = true;
            break;
        }
        for (int i = 0; i < n && !client.failed; ++i)
            client.on_event(static_cast<long>(events[static_cast<std::size_t>(i)].data.u64),
                            events[static_cast<std::size_t>(i)].events);
        if (client.active() > 0 && bench::now_seconds() - t0 >= w5::kClientStopSeconds) {
            stopped = true;
            break;
        }
    }
    const double elapsed = (client.active() == 0 ? client.last_byte : bench::now_seconds()) - t0;
    for (auto& conn : conns)
        if (conn.fd >= 0) ::close(conn.fd);
    ::close(ep);

    const char* s = system.c_str();
    std::printf("# W5 %s connections %ld round_trips %ld message %zu B checksum %s\n", s, C, R, M,
                client.failed ? "MISMATCH" : "ok");
    if (stopped)
        std::printf("# W5 %s stopped at %.0f s: %ld of %ld round trips completed\n", s,
                    w5::kClientStopSeconds, client.completed, C * R);
    bench::emit("W5", system, "rt_per_s", static_cast<double>(client.completed) / elapsed, "rt/s");
    bench::emit("W5", system, "elapsed_s", elapsed, "s");
    std::printf("W5 %s completed_rt %ld rt\n", s, client.completed);
    std::fflush(stdout);
    return client.failed ? 1 : 0;
}

/* W5 "async-echo", libuv C server (bench/README.md, bench/w5/workload.hpp).
 *
 * System: libuv-c -- one thread, one uv_loop. Listens on 127.0.0.1 port 0 and
 * prints the port on the first stdout line. Per connection: uv_tcp_nodelay, a
 * 64 KiB read buffer of its own; on_read echoes with uv_try_write (what uvloop
 * does) and, for whatever the kernel did not take, uv_write of a malloc'ed copy
 * (freed in the write callback). Exits with status 0 after C connections have
 * closed, or with status 1 when the 120 s guard timer fires first.
 *
 * Usage: peer_w5_uv_server [libuv-c] [C]   (C = 100; or --list)
 * Pins itself to W5_PIN's first CPU (default 0; "none": no pinning).
 */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET; pthread types in uv.h under -std=c11 */

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#define READ_BYTES (64 * 1024)
#define GUARD_MS (120 * 1000)

static const char* const kSystem = "libuv-c";

typedef struct {
    uv_tcp_t tcp; /* first: the handle's address is the connection's */
    char buffer[READ_BYTES];
} connection_t;

typedef struct {
    uv_write_t req; /* first */
    char data[];
} write_t;

static uv_loop_t* loop;
static uv_tcp_t listener;
static uv_timer_t guard;
static long connections_to_close = 100;
static long connections_closed;
static int guard_fired;

static void on_walk_close(uv_handle_t* handle, void* arg) {
    (void)arg;
    if (!uv_is_closing(handle)) uv_close(handle, NULL);
}

static void on_connection_closed(uv_handle_t* handle) {
    free(handle);
    if (++connections_closed == connections_to_close) {
        uv_close((uv_handle_t*)&listener, NULL);
        uv_close((uv_handle_t*)&guard, NULL);
    }
}

static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) {
    (void)suggested;
    connection_t* conn = (connection_t*)handle;
    *buf = uv_buf_init(conn->buffer, READ_BYTES);
}

static void on_written(uv_write_t* req, int status) {
    if (status < 0 && !uv_is_closing((uv_handle_t*)req->handle))
        uv_close((uv_handle_t*)req->handle, on_connection_closed);
    free(req);
}

static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    if (nread < 0) { /* UV_EOF or an error */
        if (!uv_is_closing((uv_handle_t*)stream))
            uv_close((uv_handle_t*)stream, on_connection_closed);
        return;
    }
    if (nread == 0) return;
    const uv_buf_t whole = uv_buf_init(buf->base, (unsigned int)nread);
    int written = uv_try_write(stream, &whole, 1);
    if (written == UV_EAGAIN) written = 0;
    if (written < 0) {
        uv_close((uv_handle_t*)stream, on_connection_closed);
        return;
    }
    if (written == nread) return;
    const size_t rest = (size_t)nread - (size_t)written;
    write_t* w = malloc(sizeof *w + rest);
    if (w == NULL) abort();
    memcpy(w->data, buf->base + written, rest);
    const uv_buf_t copy = uv_buf_init(w->data, (unsigned int)rest);
    if (uv_write(&w->req, stream, &copy, 1, on_written) != 0) {
        free(w);
        uv_close((uv_handle_t*)stream, on_connection_closed);
    }
}

static void on_connection(uv_stream_t* server, int status) {
    if (status < 0) return;
    connection_t* conn = malloc(sizeof *conn);
    if (conn == NULL) abort();
    uv_tcp_init(loop, &conn->tcp);
    if (uv_accept(server, (uv_stream_t*)&conn->tcp) != 0) {
        uv_close((uv_handle_t*)&conn->tcp, on_connection_closed);
        return;
    }
    uv_tcp_nodelay(&conn->tcp, 1);
    uv_read_start((uv_stream_t*)&conn->tcp, on_alloc, on_read);
}

static void on_guard(uv_timer_t* timer) {
    (void)timer;
    fprintf(stderr, "peer_w5_uv_server: guard: %d s passed with %ld of %ld connections closed\n",
            GUARD_MS / 1000, connections_closed, connections_to_close);
    guard_fired = 1;
    uv_walk(loop, on_walk_close, NULL); /* the connections' memory goes with the process */
}

static void pin_self(void) {
    const char* spec = getenv("W5_PIN");
    if (spec == NULL) spec = "0,1";
    if (strcmp(spec, "none") == 0 || sysconf(_SC_NPROCESSORS_ONLN) < 2 || strchr(spec, ',') == NULL)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(atoi(spec), &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) perror("sched_setaffinity");
}

int main(int argc, char** argv) {
    int arg = 1;
    if (argc >= 2 && strcmp(argv[1], "--list") == 0) {
        printf("%s\n", kSystem);
        return 0;
    }
    if (argc > arg && strcmp(argv[arg], kSystem) == 0) ++arg;
    if (argc > arg) connections_to_close = atol(argv[arg++]);
    if (argc > arg || connections_to_close <= 0) {
        fprintf(stderr, "usage: %s [%s] [connections=100]   (or --list)\n", argv[0], kSystem);
        return 2;
    }
    pin_self();

    loop = uv_default_loop();
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", 0, &addr);
    uv_tcp_init(loop, &listener);
    int rc = uv_tcp_bind(&listener, (const struct sockaddr*)&addr, 0);
    if (rc == 0) rc = uv_listen((uv_stream_t*)&listener, 1024, on_connection);
    if (rc != 0) {
        fprintf(stderr, "peer_w5_uv_server: listen: %s\n", uv_strerror(rc));
        return 2;
    }
    struct sockaddr_storage bound;
    int length = (int)sizeof bound;
    uv_tcp_getsockname(&listener, (struct sockaddr*)&bound, &length);
    printf("%d\n", ntohs(((struct sockaddr_in*)&bound)->sin_port));
    fflush(stdout);

    uv_timer_init(loop, &guard);
    uv_timer_start(&guard, on_guard, GUARD_MS, 0);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    return guard_fired ? 1 : 0;
}

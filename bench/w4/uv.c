/* W4 "async-sleep", libuv peer, the floor (bench/README.md,
 * bench/w4/workload.hpp, whose harness this C file repeats).
 *
 * System: libuv-timers -- raw libuv timers: one malloc'ed uv_timer_t per task;
 * uv_update_time(loop) then uv_timer_start(timer, 1000 ms, no repeat), so that
 * every deadline is "now + 1 s" as a task's sleep would be (without the update
 * the creation time would hide inside the 1 s); the callback counts the task as
 * finished and closes the handle (freed in the close callback); uv_run() until
 * no handle is left. A fresh uv_loop_t per repetition.
 *
 * Usage: peer_w4_uv libuv-timers <n> [reps]   (or --list)
 * Output: like every W4 binary -- overhead_s (median), rss_per_task
 * (repetition 1's: ru_maxrss is a high-water mark), wall_s (median).
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, pthread types in uv.h under -std=c11 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <uv.h>

static const char* const kSystem = "libuv-timers";

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double maxrss_bytes(void) {
    struct rusage usage;
    memset(&usage, 0, sizeof usage);
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_maxrss * 1024.0;
}

static int compare_doubles(const void* a, const void* b) {
    const double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

static double median(const double* values, int n) {
    if (n <= 0) return 0.0;
    double* sorted = malloc((size_t)n * sizeof *sorted);
    if (sorted == NULL) abort();
    memcpy(sorted, values, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, compare_doubles);
    const double m = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    free(sorted);
    return m;
}

static void emit(const char* metric, double value, const char* unit) {
    printf("W4 %s %s %.6g %s\n", kSystem, metric, value, unit);
    fflush(stdout);
}

static void emit_reps(const char* metric, const double* values, int n, const char* unit) {
    printf("# W4 %s %s reps:", kSystem, metric);
    for (int i = 0; i < n; ++i) printf(" %.6g", values[i]);
    printf(" %s\n", unit);
    fflush(stdout);
}

static long finished;

static void on_close(uv_handle_t* handle) {
    free(handle);
}

static void on_timer(uv_timer_t* timer) {
    ++finished;
    uv_close((uv_handle_t*)timer, on_close);
}

/* One repetition: returns the tasks finished; fills the probe's values. */
static long one(long n, double* t0, double* t1, double* rss_before, double* rss_after) {
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0) abort();
    finished = 0;
    *rss_before = maxrss_bytes();
    *t0 = now_seconds();
    for (long i = 0; i < n; ++i) {
        uv_timer_t* timer = malloc(sizeof *timer);
        if (timer == NULL) abort();
        uv_timer_init(&loop, timer);
        uv_update_time(&loop);
        uv_timer_start(timer, on_timer, 1000, 0);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    *t1 = now_seconds();
    *rss_after = maxrss_bytes();
    if (uv_loop_close(&loop) != 0) abort();
    return finished;
}

int main(int argc, char** argv) {
    if (argc >= 2 && strcmp(argv[1], "--list") == 0) {
        printf("%s\n", kSystem);
        return 0;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: %s <system> <n> [reps]   (or --list)\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[1], kSystem) != 0) {
        fprintf(stderr, "unknown system %s (try --list)\n", argv[1]);
        return 2;
    }
    const long n = atol(argv[2]);
    const int reps = argc >= 4 ? atoi(argv[3]) : 3;
    if (n <= 0 || reps <= 0) {
        fprintf(stderr, "n and reps must be positive\n");
        return 2;
    }
    double* overhead = malloc((size_t)reps * sizeof *overhead);
    double* wall = malloc((size_t)reps * sizeof *wall);
    double* rss = malloc((size_t)reps * sizeof *rss);
    if (overhead == NULL || wall == NULL || rss == NULL) abort();
    int ok = 1;
    for (int rep = 0; rep < reps; ++rep) {
        double t0, t1, rss_before, rss_after;
        ok = one(n, &t0, &t1, &rss_before, &rss_after) == n && ok;
        wall[rep] = t1 - t0;
        overhead[rep] = t1 - t0 - 1.0;
        rss[rep] = (rss_after - rss_before) / (double)n;
    }
    printf("# W4 %s n %ld checksum %s\n", kSystem, n, ok ? "ok" : "MISMATCH");
    printf("# W4 %s rss_per_task: repetition 1's (ru_maxrss is a high-water mark)\n", kSystem);
    emit_reps("overhead_s", overhead, reps, "s");
    emit("overhead_s", median(overhead, reps), "s");
    emit_reps("rss_per_task", rss, reps, "B");
    emit("rss_per_task", rss[0], "B");
    emit_reps("wall_s", wall, reps, "s");
    emit("wall_s", median(wall, reps), "s");
    free(overhead);
    free(wall);
    free(rss);
    return ok ? 0 : 1;
}

// concur-tour -- a guided tour of the seed lessons.
//
// Runs the lesson programs (examples/L*.cpp) one after the other, each as a
// child process, printing before each a heading and one line on what it
// shows. The lessons run at the seeds' real timings unless asked otherwise
// (CONCUR_TIME_SCALE, see examples/lesson_time.hpp; an inherited value is
// passed on unless --fast or --scale is given):
//
//   concur-tour                  all lessons, real timings (a few minutes:
//                                L12 alone sleeps 56 s serially, then 20 s)
//   concur-tour --fast           CONCUR_TIME_SCALE=0.1 for the lessons
//   concur-tour --scale 0.5      any other factor
//   concur-tour --only L06,L07   a subset, in the tour's order
//   concur-tour --list           the lessons, without running them
//
// The lesson programs are looked for in $CONCUR_EXAMPLES_DIR, then in the
// examples' build directory (fixed at compile time), then next to this
// program. Exit status: 0 if every lesson run exited with 0, 1 otherwise,
// 2 for a usage error.
#include <CLI/CLI.hpp>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace {

struct Lesson {
    std::string_view id;           // "L06"
    std::string_view program;      // the example's executable
    std::string_view title;        // the heading
    std::string_view explanation;  // one line: what to look at
};

// The tour, in lesson order. New lessons (L22..L25) go in their place here,
// with their executables added to examples/CMakeLists.txt.
constexpr Lesson kLessons[] = {
    {"L01", "L01_hello", "hello, serially and in 5 threads",
     "Thread(hello).start() five times: the same five lines as five direct calls."},
    {"L02", "L02_start_new_thread", "_thread.start_new_thread(print_epoch, ...)",
     "The low-level API: no Thread object, no join(); main waits on a lock each thread "
     "releases."},
    {"L03", "L03_thread_join", "Thread(target=print_epoch, args=...), start(), join()",
     "join() waits for each thread to end, so \"Done\" is always the last line."},
    {"L04", "L04_thread_exception", "an exception inside a thread",
     "excepthook reports it, naming the thread and its target; main goes on to print "
     "\"Done\"."},
    {"L05", "L05_thread_subclass", "class MyThread(Thread) with run(), names and enumerate()",
     "A subclass overrides run(); active_count(), current_thread() and enumerate() "
     "describe the live threads."},
    {"L06", "L06_race_and_lock", "race on a shared counter, then fixed with Lock",
     "x += 1 from two threads loses updates (shown without undefined behaviour); "
     "with a Lock the total is exact."},
    {"L07", "L07_square_cube_timing", "calc_square and calc_cube, serially and in threads",
     "Threads that sleep overlap their waits: about twice as fast in two threads."},
    {"L08", "L08_print_interleaving", "threads sharing stdout",
     "std::cout pieces from two threads can mix within a line; threading::print "
     "writes each line whole."},
    {"L09", "L09_producer_consumer", "producer and consumer over a queue",
     "Queue.put/get between threads; shutdown() (Python 3.13) ends the consumer cleanly, "
     "where the seed's runs forever."},
    {"L10", "L10_timer_event", "Timer(3.0, hello), Timer(2.0, hello) and Event",
     "t2 fires before t1, a cancelled timer never fires, an Event wakes a waiting thread."},
    {"L11", "L11_thread_local", "threading.local() versus a global",
     "Every thread has its own mydata.x; the global x is one variable for all."},
    {"L12", "L12_sync_threads_async", "five tasks sleeping 3, 15, 8, 20 and 10 s",
     "Serially the sleeps add up (56 s); in threads the whole takes the longest one "
     "(20 s)."},
    {"L13", "L13_no_gil", "the GIL, and C++ without one",
     "CPU-bound work split over threads really runs in parallel: a speedup CPython's "
     "threads cannot give."},
    {"L14", "L14_process_pids", "Process(target=f2, args=('bob',)), pids, five processes",
     "A child has its own pid and the parent's as its parent pid; five children started "
     "with \"spawn\" find their function (seed 003's \"Can't get attribute\" cannot "
     "happen)."},
    {"L15", "L15_process_memory", "a child's global list is not the parent's",
     "The child appends to its copy of square_result; the parent's is still [] after "
     "join()."},
    {"L16", "L16_shared_array_value", "Array('i', 3) and Value('d', 0.0) in shared memory",
     "What the child writes into an Array and a Value the parent reads: [4, 9, 25] and "
     "5.67."},
    {"L17", "L17_queue_pipe", "Pipe and Queue between processes",
     "The child sends its squares over a Pipe (then EOFError ends the parent's loop) and, "
     "once multiprocessing.Queue is in, puts them on a Queue."},
    {"L18", "L18_bank_lock", "bank balance Value('i', 200), deposit and withdraw, then a Lock",
     "Unlocked read-modify-writes from two processes lose updates (the seed got 204); "
     "with a Lock the balance ends at 200."},
    {"L19", "L19_pool_map", "Pool(processes=3).map(f, [1..5]) and Pool(5).map(f1, [10, 11, 12])",
     "A Pool's worker processes compute the squares; map returns them in input order: "
     "1 4 9 16 25 and [100, 121, 144]."},
    {"L20", "L20_pool_map_threads", "Pool().map(f, range(100000)) versus a serial loop",
     "The seed's process Pool, a ThreadPoolExecutor (no GIL: threads spread f over the "
     "cores too) and the serial loop, timed side by side; the times and speedups are "
     "printed."},
    {"L21", "L21_futures", "concurrent.futures: submit, as_completed, map, cancel, timeouts",
     "as_completed yields futures as they finish, map keeps input order, a queued future "
     "can be cancelled, and timeouts and exceptions reach the caller."},
    {"L22", "L22_generator", "generator coroutines: fancy_name with send and close",
     "co_yield stops the body until the caller sends a value; close() raises GeneratorExit "
     "at the co_yield: Cool:Utkarsh, Cool:Gupta, Done."},
    {"L23", "L23_asyncio_say", "asyncio: say() tasks at 2, 1 and 4 s, stop_after(loop, 3), run_forever",
     "One thread runs every task: \"second hello\", then \"first hello\"; the loop stops "
     "before \"third hello\" is due, and close() reports that task as destroyed while pending."},
    {"L24", "L24_asyncio_wait", "get_event_loop, create_task, wait, run_until_complete, close",
     "Two countdown tasks interleave on one loop; wait() gives them back done, and the run "
     "takes the longer task's time, not the sum."},
    {"L25", "L25_describe", "practical: count, mean, median, std of arange(10_000_000), asyncio",
     "The seed's four statistics from concur-describe's library on its asyncio engine: "
     "exact, on every core, in a fraction of a second instead of the seed's seconds."},
};

std::string upper(std::string_view text) {
    std::string result(text);
    for (char& c : result) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return result;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::string part;
    for (char c : text) {
        if (c == separator) {
            parts.push_back(part);
            part.clear();
        } else if (!std::isspace(static_cast<unsigned char>(c))) {
            part += c;
        }
    }
    parts.push_back(part);
    return parts;
}

// Directories where the lesson programs may be, best first.
std::vector<std::filesystem::path> program_dirs() {
    std::vector<std::filesystem::path> dirs;
    if (const char* env = std::getenv("CONCUR_EXAMPLES_DIR"); env != nullptr && *env != '\0')
        dirs.emplace_back(env);
#ifdef CONCUR_TOUR_EXAMPLES_DIR
    dirs.emplace_back(CONCUR_TOUR_EXAMPLES_DIR);
#endif
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) dirs.push_back(self.parent_path());
    return dirs;
}

std::optional<std::filesystem::path> find_program(std::string_view name) {
    for (const auto& dir : program_dirs()) {
        const auto candidate = dir / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return std::nullopt;
}

// Runs `program` with CONCUR_TIME_SCALE=`scale`, sharing our stdout and
// stderr. Returns a description of a failure, or "" on success.
std::string run(const std::filesystem::path& program, const std::string& scale) {
    std::vector<std::string> env_storage;
    for (char** e = environ; *e != nullptr; ++e) {
        if (std::strncmp(*e, "CONCUR_TIME_SCALE=", 18) == 0) continue;
        env_storage.emplace_back(*e);
    }
    env_storage.push_back("CONCUR_TIME_SCALE=" + scale);
    std::vector<char*> envp;
    for (auto& entry : env_storage) envp.push_back(entry.data());
    envp.push_back(nullptr);

    std::string path = program.string();
    char* argv[] = {path.data(), nullptr};

    std::cout.flush();
    std::fflush(nullptr);
    pid_t pid = 0;
    if (const int err = ::posix_spawn(&pid, path.c_str(), nullptr, nullptr, argv, envp.data());
        err != 0) {
        return "cannot start " + path + ": " + std::strerror(err);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return std::string("waitpid failed: ") + std::strerror(errno);
    }
    if (WIFEXITED(status)) {
        if (WEXITSTATUS(status) == 0) return {};
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        return "killed by signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
    }
    return "ended abnormally";
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "concur-tour: runs the seed lessons (Python's concurrency toolkit, in C++ with concur) "
        "one after the other, explaining each."};
    bool fast = false;
    bool list = false;
    std::optional<double> scale_option;
    std::string only;
    app.add_flag("--fast", fast, "run the lessons 10x faster (CONCUR_TIME_SCALE=0.1)");
    app.add_option("--scale", scale_option,
                   "CONCUR_TIME_SCALE for the lessons (1 = the seeds' real timings)")
        ->check(CLI::PositiveNumber)
        ->excludes(app.get_option("--fast"));
    app.add_option("--only", only, "comma-separated lesson ids to run, e.g. L06,L07");
    app.add_flag("--list", list, "list the lessons and exit");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }

    if (list) {
        for (const Lesson& lesson : kLessons) {
            std::cout << lesson.id << "  " << lesson.title << "\n     " << lesson.explanation
                      << "\n";
        }
        return 0;
    }

    // Which lessons, in the tour's order.
    std::vector<const Lesson*> selected;
    if (only.empty()) {
        for (const Lesson& lesson : kLessons) selected.push_back(&lesson);
    } else {
        std::vector<std::string> wanted;
        for (const std::string& id : split(only, ',')) {
            if (id.empty()) continue;
            const std::string key = upper(id);
            const bool known = std::any_of(std::begin(kLessons), std::end(kLessons),
                                           [&](const Lesson& l) { return l.id == key; });
            if (!known) {
                std::cerr << "concur-tour: unknown lesson '" << id
                          << "' (concur-tour --list shows them)\n";
                return 2;
            }
            wanted.push_back(key);
        }
        for (const Lesson& lesson : kLessons) {
            if (std::find(wanted.begin(), wanted.end(), lesson.id) != wanted.end())
                selected.push_back(&lesson);
        }
        if (selected.empty()) {
            std::cerr << "concur-tour: --only names no lesson\n";
            return 2;
        }
    }

    // The lessons' time scale: --fast, --scale, else an inherited
    // CONCUR_TIME_SCALE, else 1 (the seeds' real timings).
    std::string scale = "1";
    if (const char* env = std::getenv("CONCUR_TIME_SCALE"); env != nullptr && *env != '\0')
        scale = env;
    if (fast) scale = "0.1";
    if (scale_option) scale = std::to_string(*scale_option);
    std::cout << "concur tour: " << selected.size() << " lesson(s), CONCUR_TIME_SCALE=" << scale
              << (scale == "1" ? " (the seeds' real timings; --fast runs 10x faster)" : "") << "\n";

    struct Result {
        const Lesson* lesson;
        std::string failure;
        double seconds;
    };
    std::vector<Result> results;
    for (const Lesson* lesson : selected) {
        std::cout << "\n== " << lesson->id << " " << lesson->title << " ==\n"
                  << lesson->explanation << "\n\n";
        const auto start = std::chrono::steady_clock::now();
        std::string failure;
        if (const auto program = find_program(lesson->program)) {
            failure = run(*program, scale);
        } else {
            failure = "program " + std::string(lesson->program) +
                      " not found (build the concur-tour target, which builds the lessons)";
        }
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (!failure.empty()) std::cout << "\n!! " << lesson->id << " FAILED: " << failure << "\n";
        results.push_back({lesson, failure, seconds});
    }

    std::cout << "\n== summary ==\n";
    int failed = 0;
    for (const Result& r : results) {
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%7.2f s", r.seconds);
        std::cout << r.lesson->id << "  " << (r.failure.empty() ? "ok    " : "FAILED") << seconds
                  << "  " << r.lesson->title << "\n";
        if (!r.failure.empty()) ++failed;
    }
    if (failed == 0) {
        std::cout << results.size() << " lessons run, all passed\n";
        return 0;
    }
    std::cout << failed << " of " << results.size() << " lessons FAILED\n";
    return 1;
}

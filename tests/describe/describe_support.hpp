// tests/describe/describe_support.hpp -- what the concur-describe tests share:
// a temporary directory, in-process runs of describe() over text, and runs of
// the built tool (exit code, stdout, stderr, peak resident size).
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "describe/csv_source.hpp"
#include "describe/describe.hpp"

extern char** environ;

namespace concur_test_support {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
class TempDir {
  public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "concur-describe-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // Writes `text` to a file named `name` in the directory; returns its path.
    std::string write(const std::string& name, const std::string& text) const {
        const std::string file = (path_ / name).string();
        std::ofstream(file, std::ios::binary) << text;
        return file;
    }
    std::string path(const std::string& name) const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// describe() of CSV text, through a file, on the serial engine unless told.
inline concur::describe::Report describe_text(
    const std::string& text, concur::describe::CsvOptions csv = {},
    concur::describe::EngineKind engine = concur::describe::EngineKind::kSerial,
    concur::describe::DescribeOptions options = {}) {
    TempDir dir;
    const concur::describe::CsvSource source({dir.write("data.csv", text)}, csv);
    auto runner = concur::describe::make_engine(engine, 2);
    return concur::describe::describe(source, *runner, options);
}

struct ToolRun {
    int exit_code = -1;
    std::string out, err;
    long max_rss_kib = 0;  // the child's peak resident size
};

// Runs the built concur-describe with `args`, `input` on stdin.
inline ToolRun run_tool(const std::vector<std::string>& args, const std::string& input = "") {
    TempDir dir;
    const std::string in = dir.write("stdin", input), out = dir.path("stdout"),
                      err = dir.path("stderr");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<std::string> argv_strings{CONCUR_DESCRIBE_BINARY};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    ToolRun run;
    pid_t pid = -1;
    if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) == 0) {
        int status = 0;
        struct rusage usage {};
        if (::wait4(pid, &status, 0, &usage) == pid) {
            run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            run.max_rss_kib = usage.ru_maxrss;
        }
    }
    posix_spawn_file_actions_destroy(&actions);
    run.out = read_file(out);
    run.err = read_file(err);
    return run;
}

}  // namespace concur_test_support

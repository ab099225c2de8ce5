// Tests for concur::threading::print (Python's print(), made line-atomic).
#include <gtest/gtest.h>

#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <concur/threading.hpp>

#include "test_support.hpp"

namespace threading = concur::threading;
using namespace concur_test;

namespace {

// A temporary file to print into; text() reads back everything written.
class TempFile {
  public:
    TempFile() : file_(std::tmpfile()) {}
    ~TempFile() {
        if (file_) std::fclose(file_);
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    std::FILE* get() const { return file_; }
    threading::PrintOptions options() const { return threading::PrintOptions{.file = file_}; }
    std::string text() const {
        std::fflush(file_);
        std::string result;
        std::rewind(file_);
        std::array<char, 65536> buffer;
        std::size_t n;
        while ((n = std::fread(buffer.data(), 1, buffer.size(), file_)) > 0)
            result.append(buffer.data(), n);
        std::fseek(file_, 0, SEEK_END);
        return result;
    }

  private:
    std::FILE* file_;
};

// What print(value) writes, without the newline.
template <class... Args>
std::string printed(const Args&... args) {
    TempFile file;
    EXPECT_NE(file.get(), nullptr);
    threading::print(threading::PrintOptions{.end = "", .file = file.get()}, args...);
    return file.text();
}

struct Point {
    int x, y;
};
std::ostream& operator<<(std::ostream& os, const Point& p) {
    return os << "Point(" << p.x << ", " << p.y << ")";
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

}  // namespace

TEST(Print, PythonFormattingOfBasicValues) {
    EXPECT_EQ(printed(true, false), "True False");
    EXPECT_EQ(printed(5.67), "5.67");
    EXPECT_EQ(printed(1.0), "1.0");
    EXPECT_EQ(printed(std::vector<int>{1, 4, 9}), "[1, 4, 9]");
    EXPECT_EQ(printed(std::pair<std::string, int>("a", 1)), "('a', 1)");
    EXPECT_EQ(printed(std::make_tuple('a', 1)), "('a', 1)");
    EXPECT_EQ(printed("Square:", 4), "Square: 4");
}

TEST(Print, Integers) {
    EXPECT_EQ(printed(0, -5, 42u, 123456789012345LL), "0 -5 42 123456789012345");
    EXPECT_EQ(printed(std::numeric_limits<long long>::min()), "-9223372036854775808");
    EXPECT_EQ(printed(static_cast<unsigned short>(7)), "7");
}

TEST(Print, FloatsAsPythonReprsThem) {
    EXPECT_EQ(printed(0.1), "0.1");
    EXPECT_EQ(printed(2.5f), "2.5");
    EXPECT_EQ(printed(0.0), "0.0");
    EXPECT_EQ(printed(-0.0), "-0.0");
    EXPECT_EQ(printed(-3.0), "-3.0");
    EXPECT_EQ(printed(100.0), "100.0");
    EXPECT_EQ(printed(1e100), "1e+100");
    EXPECT_EQ(printed(1.5e-7), "1.5e-07");
    EXPECT_EQ(printed(1e-5), "1e-05");
    EXPECT_EQ(printed(std::numeric_limits<double>::infinity()), "inf");
    EXPECT_EQ(printed(-std::numeric_limits<double>::infinity()), "-inf");
    EXPECT_EQ(printed(std::nan("")), "nan");
    EXPECT_EQ(printed(1.0 / 3.0), "0.3333333333333333");
}

TEST(Print, FloatsSwitchToExponentAtPythonsThresholds) {
    // Python's repr(float) uses fixed notation for 1e-4 <= |x| < 1e16.
    EXPECT_EQ(printed(1000000.0), "1000000.0");
    EXPECT_EQ(printed(1e15), "1000000000000000.0");
    EXPECT_EQ(printed(123456789012345.0), "123456789012345.0");
    EXPECT_EQ(printed(1e16), "1e+16");
    EXPECT_EQ(printed(1.5e16), "1.5e+16");
    EXPECT_EQ(printed(12345678901234567.0), "1.2345678901234568e+16");
    EXPECT_EQ(printed(0.0001), "0.0001");
    EXPECT_EQ(printed(0.00012), "0.00012");
    EXPECT_EQ(printed(0.00001), "1e-05");
    EXPECT_EQ(printed(-1e22), "-1e+22");
    EXPECT_EQ(printed(5e-324), "5e-324");
    EXPECT_EQ(printed(1.7976931348623157e308), "1.7976931348623157e+308");
}

TEST(Print, StringsPrintBareButQuotedInsideContainers) {
    const std::string s = "text";
    const std::string_view sv = "view";
    EXPECT_EQ(printed("literal", s, sv), "literal text view");
    EXPECT_EQ(printed('c'), "c");
    EXPECT_EQ(printed(std::vector<std::string>{"x", "y"}), "['x', 'y']");
    EXPECT_EQ(printed(std::vector<char>{'a', 'b'}), "['a', 'b']");
    EXPECT_EQ(printed(std::make_tuple(std::string("a"), 1, 2.0)), "('a', 1, 2.0)");
}

TEST(Print, Containers) {
    EXPECT_EQ(printed(std::vector<int>{}), "[]");
    EXPECT_EQ(printed(std::vector<std::vector<int>>{{1, 2}, {3}}), "[[1, 2], [3]]");
    EXPECT_EQ(printed(std::list<double>{1.0, 2.5}), "[1.0, 2.5]");
    EXPECT_EQ(printed(std::array<bool, 2>{true, false}), "[True, False]");
    EXPECT_EQ(printed(std::vector<std::pair<int, int>>{{1, 2}, {3, 4}}), "[(1, 2), (3, 4)]");
}

TEST(Print, Tuples) {
    EXPECT_EQ(printed(std::make_tuple(1)), "(1,)");
    EXPECT_EQ(printed(std::tuple<>{}), "()");
    EXPECT_EQ(printed(std::make_tuple(1, std::make_tuple(2, 3))), "(1, (2, 3))");
    EXPECT_EQ(printed(std::make_pair(true, 0.5)), "(True, 0.5)");
}

TEST(Print, NoneLikeValues) {
    EXPECT_EQ(printed(std::optional<int>{}), "None");
    EXPECT_EQ(printed(std::optional<int>{3}), "3");
    EXPECT_EQ(printed(std::nullopt), "None");
    EXPECT_EQ(printed(nullptr), "None");
}

TEST(Print, CustomTypesUseOperatorShift) {
    EXPECT_EQ(printed(Point{1, 2}), "Point(1, 2)");
    EXPECT_EQ(printed(std::vector<Point>{{1, 2}, {3, 4}}), "[Point(1, 2), Point(3, 4)]");
}

TEST(Print, SepAndEnd) {
    TempFile file;
    threading::print(threading::PrintOptions{.sep = ", ", .end = "!\n", .file = file.get()}, 1, 2,
                     3);
    threading::print(threading::PrintOptions{.sep = "", .file = file.get()}, "a", "b", "c");
    threading::print(threading::PrintOptions{.end = "", .file = file.get()}, "no newline");
    threading::print(threading::PrintOptions{.sep = "--", .file = file.get()}, "single");
    EXPECT_EQ(file.text(), "1, 2, 3!\nabc\nno newlinesingle\n");
}

TEST(Print, NoArgumentsPrintsAnEmptyLine) {
    TempFile file;
    threading::print(file.options());
    threading::print(threading::PrintOptions{.end = "END", .file = file.get()});
    EXPECT_EQ(file.text(), "\nEND");

    testing::internal::CaptureStdout();
    threading::print();
    EXPECT_EQ(testing::internal::GetCapturedStdout(), "\n");
}

TEST(Print, DefaultsToStdout) {
    testing::internal::CaptureStdout();
    threading::print("Square:", 4);
    threading::print(std::vector<int>{100, 121, 144});
    threading::print(threading::PrintOptions{.sep = ""}, "a", "b");
    EXPECT_EQ(testing::internal::GetCapturedStdout(), "Square: 4\n[100, 121, 144]\nab\n");
}

TEST(Print, FlushOption) {
    TempFile file;
    threading::print(threading::PrintOptions{.file = file.get(), .flush = false}, "buffered");
    threading::print(threading::PrintOptions{.file = file.get(), .flush = true}, "flushed");
    EXPECT_EQ(file.text(), "buffered\nflushed\n");
    // A flushing print reaches the file descriptor at once.
    TempFile other;
    threading::print(other.options(), "visible");
    std::string raw(64, '\0');
    const ssize_t n = ::pread(::fileno(other.get()), raw.data(), raw.size(), 0);
    ASSERT_GE(n, 0);
    raw.resize(static_cast<std::size_t>(n));
    EXPECT_EQ(raw, "visible\n");
}

TEST(Print, LinesFromManyThreadsNeverInterleave) {
    constexpr int kThreads = 8, kLines = 100;
    constexpr std::size_t kPayload = 5000;  // far beyond stdio's buffer size
    TempFile file;
    std::vector<std::unique_ptr<threading::Thread>> threads;
    for (int id = 0; id < kThreads; ++id) {
        threads.push_back(std::make_unique<threading::Thread>([&file, id] {
            const std::string payload(kPayload, static_cast<char>('a' + id));
            for (int line = 0; line < kLines; ++line)
                // Several arguments: the line is rendered whole, then written once.
                threading::print(file.options(), "thread", id, "line", line, payload, "end");
        }));
    }
    for (auto& t : threads) t->start();
    for (auto& t : threads) t->join();

    const auto lines = split_lines(file.text());
    ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLines));
    std::vector<int> next_line(kThreads, 0);
    int broken = 0;
    for (const auto& text : lines) {
        std::istringstream in(text);
        std::string word1, word2, payload, end;
        int id = -1, line = -1;
        in >> word1 >> id >> word2 >> line >> payload >> end;
        const bool intact =
            word1 == "thread" && word2 == "line" && id >= 0 && id < kThreads && end == "end" &&
            in.eof() && payload.size() == kPayload &&
            payload.find_first_not_of(static_cast<char>('a' + id)) == std::string::npos;
        if (!intact) {
            ++broken;
            continue;
        }
        EXPECT_EQ(line, next_line[id]) << "thread " << id << " lines out of order";
        next_line[id] = line + 1;
    }
    EXPECT_EQ(broken, 0);
    for (int id = 0; id < kThreads; ++id) EXPECT_EQ(next_line[id], kLines);
}

TEST(Print, LinesThroughAPipeNeverInterleave) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::FILE* writer = ::fdopen(fds[1], "w");
    ASSERT_NE(writer, nullptr);
    std::string received;
    threading::Thread reader([&] {
        char buffer[8192];
        ssize_t n;
        while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0)
            received.append(buffer, static_cast<std::size_t>(n));
    });
    reader.start();

    constexpr int kThreads = 4, kLines = 50;
    constexpr std::size_t kPayload = 9000;  // more than PIPE_BUF and BUFSIZ
    std::vector<std::unique_ptr<threading::Thread>> threads;
    for (int id = 0; id < kThreads; ++id) {
        threads.push_back(std::make_unique<threading::Thread>([writer, id] {
            const std::string payload(kPayload, static_cast<char>('A' + id));
            for (int line = 0; line < kLines; ++line)
                threading::print(threading::PrintOptions{.file = writer}, id, payload);
        }));
        threads.back()->start();
    }
    for (auto& t : threads) t->join();
    std::fclose(writer);  // EOF for the reader
    reader.join();
    ::close(fds[0]);

    const auto lines = split_lines(received);
    ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLines));
    int broken = 0;
    for (const auto& line : lines) {
        const int id = line.empty() ? -1 : line[0] - '0';
        if (id < 0 || id >= kThreads || line.size() != 2 + kPayload || line[1] != ' ' ||
            line.find_first_not_of(static_cast<char>('A' + id), 2) != std::string::npos)
            ++broken;
    }
    EXPECT_EQ(broken, 0);
}

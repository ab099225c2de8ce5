// Pipe() and Connection: messages and their boundaries, raw bytes, poll,
// EOF and closed handles, a peer that died, and ends shared with forked
// children. Ports of CPython's _TestConnection and _TestPoll
// (Lib/test/_test_multiprocessing.py) where noted.
//
// Every wait is bounded: a receive is preceded by poll(timeout), a child
// arms alarm() and always _exit()s, and Child's destructor kills and reaps a
// child that outlived its test.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <concur/multiprocessing/connection.hpp>
#include <concur/multiprocessing/detail/fd_passing.hpp>
#include <concur/multiprocessing/detail/wire.hpp>

namespace mp = concur::multiprocessing;
namespace wire = concur::multiprocessing::detail;
using namespace std::chrono_literals;

namespace {

constexpr auto kPatience = 20s;  // generous bound on any wait that should succeed

// A forked child running `body`; its return value is the exit status (99 if
// it threw). The child is killed by SIGALRM after 30 s whatever happens.
class Child {
  public:
    template <class F>
    explicit Child(F&& body) {
        pid_ = ::fork();
        if (pid_ == 0) {
            ::alarm(30);
            int status = 99;
            try {
                status = body();
            } catch (...) {
            }
            ::_exit(status);
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }

    bool started() const { return pid_ > 0; }

    // The child's exit status, waiting at most `timeout`; -1 if it had to be
    // killed, 128 + signal if a signal ended it.
    int join(std::chrono::milliseconds timeout = kPatience) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        int status = 0;
        for (;;) {
            const pid_t done = ::waitpid(pid_, &status, WNOHANG);
            if (done == pid_) break;
            if (std::chrono::steady_clock::now() >= deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, nullptr, 0);
                pid_ = -1;
                return -1;
            }
            std::this_thread::sleep_for(5ms);
        }
        pid_ = -1;
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
    }

  private:
    pid_t pid_ = -1;
};

// A string of `size` bytes whose content depends on `seed`.
std::string pattern(std::size_t size, unsigned seed) {
    std::string text(size, '\0');
    for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>((i * 31 + seed * 7) & 0xff);
    return text;
}

std::string as_string(const wire::Bytes& bytes) {
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

struct Sample {
    int id;
    double weight;
    bool operator==(const Sample&) const = default;
};

static_assert(wire::Serialisable<mp::Connection>);

// Python: _TestConnection.test_connection (the duplex part).
TEST(Pipe, DuplexEndsBothSendAndReceive) {
    auto [a, b] = mp::Pipe();
    EXPECT_TRUE(a.readable() && a.writable() && b.readable() && b.writable());
    a.send(std::string("ping"));
    ASSERT_TRUE(b.poll(kPatience));
    EXPECT_EQ(b.recv<std::string>(), "ping");
    b.send(17);
    ASSERT_TRUE(a.poll(kPatience));
    EXPECT_EQ(a.recv<int>(), 17);
    EXPECT_NE(a.fileno(), b.fileno());
}

// Python: _TestConnection.test_duplex_false.
TEST(Pipe, SimplexFirstEndReceivesAndSecondSends) {
    auto [reader, writer] = mp::Pipe(false);
    EXPECT_TRUE(reader.readable());
    EXPECT_FALSE(reader.writable());
    EXPECT_FALSE(writer.readable());
    EXPECT_TRUE(writer.writable());
    writer.send(1);
    ASSERT_TRUE(reader.poll(kPatience));
    EXPECT_EQ(reader.recv<int>(), 1);
    try {
        reader.send(2);
        ADD_FAILURE() << "sent on a read-only end";
    } catch (const concur::OSError& e) {
        EXPECT_STREQ(e.what(), "connection is read-only");
    }
    try {
        (void)writer.recv<int>();
        ADD_FAILURE() << "received on a write-only end";
    } catch (const concur::OSError& e) {
        EXPECT_STREQ(e.what(), "connection is write-only");
    }
    EXPECT_THROW(reader.send_bytes(std::string_view("x")), concur::OSError);
    EXPECT_THROW(writer.recv_bytes(), concur::OSError);
    EXPECT_THROW(writer.poll(), concur::OSError);
}

TEST(Connection, SendsAndReceivesValuesOfManyTypes) {
    auto [a, b] = mp::Pipe();
    a.send(42);
    a.send(2.5);
    a.send(Sample{3, 0.5});
    a.send(std::string("text"));
    a.send(std::vector<int>{1, 2, 3});
    a.send(std::map<std::string, int>{{"one", 1}});
    a.send(std::tuple<int, std::string>{7, "seven"});
    a.send(std::optional<int>());
    a.send(std::vector<Sample>{{1, 1.0}, {2, 2.0}});
    ASSERT_TRUE(b.poll(kPatience));
    EXPECT_EQ(b.recv<int>(), 42);
    EXPECT_EQ(b.recv<double>(), 2.5);
    EXPECT_EQ(b.recv<Sample>(), (Sample{3, 0.5}));
    EXPECT_EQ(b.recv<std::string>(), "text");
    EXPECT_EQ(b.recv<std::vector<int>>(), (std::vector<int>{1, 2, 3}));
    EXPECT_EQ((b.recv<std::map<std::string, int>>()), (std::map<std::string, int>{{"one", 1}}));
    EXPECT_EQ((b.recv<std::tuple<int, std::string>>()), (std::tuple<int, std::string>{7, "seven"}));
    EXPECT_EQ(b.recv<std::optional<int>>(), std::nullopt);
    EXPECT_EQ(b.recv<std::vector<Sample>>(), (std::vector<Sample>{{1, 1.0}, {2, 2.0}}));
    EXPECT_FALSE(b.poll());
}

TEST(Connection, TextIsReceivedAsAString) {
    auto [a, b] = mp::Pipe();
    a.send("hello");
    a.send(std::string_view("view"));
    ASSERT_TRUE(b.poll(kPatience));
    EXPECT_EQ(b.recv<std::string>(), "hello");
    EXPECT_EQ(b.recv<std::string>(), "view");
}

TEST(Connection, DescriptorsAreCloseOnExec) {
    for (const bool duplex : {true, false}) {
        auto [a, b] = mp::Pipe(duplex);
        EXPECT_TRUE(::fcntl(a.fileno(), F_GETFD) & FD_CLOEXEC);
        EXPECT_TRUE(::fcntl(b.fileno(), F_GETFD) & FD_CLOEXEC);
    }
}

// A signal that interrupts a blocked recv() (a handler installed without
// SA_RESTART: read() fails with EINTR) neither loses the message nor raises.
TEST(Connection, SignalsDoNotInterruptABlockedRecv) {
    struct sigaction action {};
    struct sigaction previous {};
    action.sa_handler = [](int) {};
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART
    ASSERT_EQ(::sigaction(SIGUSR1, &action, &previous), 0);
    auto [a, b] = mp::Pipe();
    std::atomic<bool> receiving{false};
    std::string received;
    std::exception_ptr failure;
    std::thread receiver([&, r = b]() mutable {
        try {
            receiving = true;
            received = r.recv<std::string>();
        } catch (...) {
            failure = std::current_exception();
        }
    });
    while (!receiving) std::this_thread::yield();
    for (int i = 0; i < 5; ++i) {
        std::this_thread::sleep_for(20ms);
        ::pthread_kill(receiver.native_handle(), SIGUSR1);
    }
    a.send("after the signals");
    receiver.join();
    ::sigaction(SIGUSR1, &previous, nullptr);
    EXPECT_FALSE(failure);
    EXPECT_EQ(received, "after the signals");
}

TEST(Connection, ReceivingTheWrongTypeRaisesValueError) {
    auto [a, b] = mp::Pipe();
    a.send(std::int32_t{5});
    EXPECT_THROW(b.recv<std::string>(), concur::ValueError);
    a.send(std::int64_t{5});
    EXPECT_THROW(b.recv<std::int32_t>(), concur::ValueError);  // bytes left over
    a.send(6);
    EXPECT_EQ(b.recv<int>(), 6);  // the stream is still in step
}

// Python: _TestPoll.test_boundaries / test_dont_merge: messages never merge
// or split, whatever their sizes.
TEST(Connection, KeepsTheBoundariesOfManySmallMessages) {
    for (const bool duplex : {true, false}) {
        auto [reader, writer] = mp::Pipe(duplex);
        constexpr unsigned kCount = 3000;
        std::exception_ptr failure;
        std::thread sender([&, w = writer]() mutable {
            try {
                for (unsigned i = 0; i < kCount; ++i) {
                    if (i % 2 == 0)
                        w.send_bytes(pattern(i % 257, i));
                    else
                        w.send(pattern(i % 131, i));
                }
            } catch (...) {
                failure = std::current_exception();
            }
        });
        for (unsigned i = 0; i < kCount; ++i) {
            ASSERT_TRUE(reader.poll(kPatience)) << i;
            if (i % 2 == 0)
                ASSERT_EQ(as_string(reader.recv_bytes()), pattern(i % 257, i)) << i;
            else
                ASSERT_EQ(reader.recv<std::string>(), pattern(i % 131, i)) << i;
        }
        sender.join();
        EXPECT_FALSE(failure);
        EXPECT_FALSE(reader.poll());
    }
}

TEST(Connection, CarriesMessagesOfOneAndSixteenMebibytes) {
    for (const bool duplex : {true, false}) {
        auto [reader, writer] = mp::Pipe(duplex);
        const std::string one = pattern(1 << 20, 1);
        const std::string sixteen = pattern(16 << 20, 2);
        std::vector<std::uint32_t> numbers(1 << 20);
        for (std::size_t i = 0; i < numbers.size(); ++i) numbers[i] = static_cast<std::uint32_t>(i);
        std::exception_ptr failure;
        std::thread sender([&, w = writer]() mutable {
            try {
                w.send_bytes(one);
                w.send_bytes(sixteen);
                w.send(numbers);
                w.send_bytes(std::string_view("tail"));
            } catch (...) {
                failure = std::current_exception();
            }
        });
        ASSERT_TRUE(reader.poll(kPatience));
        EXPECT_TRUE(as_string(reader.recv_bytes()) == one);
        EXPECT_TRUE(as_string(reader.recv_bytes()) == sixteen);
        EXPECT_TRUE(reader.recv<std::vector<std::uint32_t>>() == numbers);
        EXPECT_EQ(as_string(reader.recv_bytes()), "tail");
        sender.join();
        EXPECT_FALSE(failure);
    }
}

// Python: _TestConnection.test_sendbytes.
TEST(Connection, SendBytesTakesStringsVectorsAndSpansWithOffsetAndSize) {
    auto [a, b] = mp::Pipe();
    const std::string text = "abcdefghijklmnopqrstuvwxyz";
    a.send_bytes(text);
    EXPECT_EQ(as_string(b.recv_bytes()), text);
    a.send_bytes(text, 8);
    EXPECT_EQ(as_string(b.recv_bytes()), text.substr(8));
    a.send_bytes(text, 10, 5);
    EXPECT_EQ(as_string(b.recv_bytes()), "klmno");
    a.send_bytes(text, 26);
    EXPECT_EQ(as_string(b.recv_bytes()), "");
    a.send_bytes(text, 26, 0);
    EXPECT_EQ(as_string(b.recv_bytes()), "");

    const std::vector<std::byte> bytes{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
    a.send_bytes(bytes, 1, 2);
    EXPECT_EQ(b.recv_bytes(), (std::vector<std::byte>{std::byte{2}, std::byte{3}}));
    a.send_bytes(std::span<const std::byte>(bytes).last(1));
    EXPECT_EQ(b.recv_bytes(), (std::vector<std::byte>{std::byte{4}}));
    const std::array<unsigned char, 3> raw{7, 8, 9};
    a.send_bytes(raw);
    EXPECT_EQ(b.recv_bytes().size(), 3u);
    a.send_bytes("literal");  // up to the NUL, as b"literal"
    EXPECT_EQ(as_string(b.recv_bytes()), "literal");
    a.send_bytes("literal", 3, 2);
    EXPECT_EQ(as_string(b.recv_bytes()), "er");
    char buffer[3] = {'a', '\0', 'b'};  // not const: all of it
    a.send_bytes(buffer);
    EXPECT_EQ(as_string(b.recv_bytes()), std::string("a\0b", 3));
    std::vector<char> chars{'x', 'y'};
    a.send_bytes(std::span<char>(chars));
    EXPECT_EQ(as_string(b.recv_bytes()), "xy");

    EXPECT_THROW(a.send_bytes(text, 27), concur::ValueError);     // buffer length < offset
    EXPECT_THROW(a.send_bytes(text, 20, 7), concur::ValueError);  // buffer length < offset + size
    EXPECT_THROW(a.send_bytes(text, 0, 27), concur::ValueError);
    EXPECT_THROW(a.send_bytes(text, 1, SIZE_MAX), concur::ValueError);  // no overflow
    EXPECT_FALSE(b.poll());  // nothing was sent by the failed calls
}

// Python: _TestConnection.test_connection (recv_bytes(maxlength)).
TEST(Connection, RecvBytesWithMaxlengthRaisesOSErrorForLongerMessages) {
    auto [a, b] = mp::Pipe();
    a.send_bytes(std::string_view("0123456789"));
    a.send_bytes(std::string_view("next"));
    try {
        (void)b.recv_bytes(9);
        ADD_FAILURE() << "no OSError";
    } catch (const concur::OSError& e) {
        EXPECT_STREQ(e.what(), "bad message length");
    }
    EXPECT_EQ(as_string(b.recv_bytes(4)), "next");  // the long one was dropped
    a.send_bytes(std::string_view("exact"));
    EXPECT_EQ(as_string(b.recv_bytes(5)), "exact");
}

// Pipe(false) is a pipe in packet mode: frames of up to 4 KiB are one packet,
// larger ones a packet plus a page-padded rest. Sizes around both edges, a
// small message right after every large one (the kernel would merge it into
// a partly filled page), maxlength and recv_bytes_into on each.
TEST(ConnectionPackets, KeepBoundariesAroundThePacketAndPageSizes) {
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    std::vector<std::size_t> sizes = {0, 1, 7, 8, 9, 4087, 4088, 4089, 4096, 4097};
    for (const std::size_t base : {page, 2 * page, std::size_t{1} << 20})
        for (const std::size_t near : {base - 9, base - 8, base - 7, base + 4088, base + 4089})
            sizes.push_back(near);
    auto [reader, writer] = mp::Pipe(false);
    std::exception_ptr failure;
    std::thread sender([&, w = writer]() mutable {
        try {
            for (std::size_t i = 0; i < sizes.size(); ++i) {
                w.send_bytes(pattern(sizes[i], static_cast<unsigned>(i)));
                w.send_bytes(std::string_view("small"));
            }
            for (const std::size_t size : sizes) w.send_bytes(pattern(size, 1));  // maxlength
            for (const std::size_t size : sizes) w.send_bytes(pattern(size, 2));  // into
        } catch (...) {
            failure = std::current_exception();
        }
    });
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        ASSERT_TRUE(reader.poll(kPatience)) << sizes[i];
        ASSERT_EQ(as_string(reader.recv_bytes()), pattern(sizes[i], static_cast<unsigned>(i)))
            << sizes[i];
        ASSERT_EQ(as_string(reader.recv_bytes()), "small") << "after " << sizes[i];
    }
    for (const std::size_t size : sizes) {
        if (size == 0) {
            EXPECT_TRUE(reader.recv_bytes(0).empty());
            continue;
        }
        EXPECT_THROW((void)reader.recv_bytes(size - 1), concur::OSError) << size;
    }
    std::string buffer(sizes.back(), '\0');
    for (const std::size_t size : sizes) {
        ASSERT_EQ(reader.recv_bytes_into(buffer), size);
        ASSERT_EQ(buffer.substr(0, size), pattern(size, 2)) << size;
    }
    sender.join();
    EXPECT_FALSE(failure);
    EXPECT_FALSE(reader.poll());
}

// The receiver takes one message's bytes off the descriptor and nothing
// more: after recv() of the first of two messages, poll(2) on fileno() still
// sees the second (an event loop watching the descriptor would otherwise
// wait for it for ever), and a child sharing the end receives it.
TEST(ConnectionPackets, NothingIsReadAheadOfTheMessage) {
    // One packet, and a frame split in two (both fit in the pipe at once, so
    // no thread is running when the child is forked).
    for (const std::size_t size : {std::size_t{8}, std::size_t{20000}}) {
        auto [reader, writer] = mp::Pipe(false);
        writer.send_bytes(pattern(size, 1));
        writer.send_bytes(pattern(size, 2));
        ASSERT_TRUE(reader.poll(kPatience));
        EXPECT_EQ(as_string(reader.recv_bytes()), pattern(size, 1));
        pollfd p{reader.fileno(), POLLIN, 0};
        EXPECT_EQ(::poll(&p, 1, 0), 1) << size;
        Child child([&reader, size] {
            if (!reader.poll(kPatience)) return 2;
            return as_string(reader.recv_bytes()) == pattern(size, 2) ? 0 : 1;
        });
        ASSERT_TRUE(child.started());
        EXPECT_EQ(child.join(), 0) << size;
        EXPECT_FALSE(reader.poll()) << size;  // the child took it
    }
}

// A writer that died in the middle of a large message's rest: EOFError.
TEST(ConnectionPackets, EOFInTheRestOfALargeMessage) {
    auto [reader, writer] = mp::Pipe(false);
    const std::string big = pattern(100000, 3);
    Child child([&writer, &big] {
        // the first packet as the sender writes it, then a cut rest
        std::string frame(4096, '\0');
        const std::uint64_t length = big.size();
        std::memcpy(frame.data(), &length, sizeof length);
        std::memcpy(frame.data() + 8, big.data(), 4088);
        if (::write(writer.fileno(), frame.data(), frame.size()) != 4096) return 1;
        return ::write(writer.fileno(), big.data() + 4088, 10000) == 10000 ? 0 : 1;
    });
    ASSERT_TRUE(child.started());
    writer.close();
    EXPECT_EQ(child.join(), 0);
    ASSERT_TRUE(reader.poll(kPatience));
    try {
        (void)reader.recv_bytes();
        ADD_FAILURE() << "no EOFError";
    } catch (const concur::EOFError& e) {
        EXPECT_STREQ(e.what(), "end of file in the middle of a message");
    }
}

// Blocks or unblocks (SIG_BLOCK, SIG_UNBLOCK) SIGPIPE on the calling thread.
void mask_sigpipe(int how) {
    sigset_t sigpipe;
    sigemptyset(&sigpipe);
    sigaddset(&sigpipe, SIGPIPE);
    ::pthread_sigmask(how, &sigpipe, nullptr);
}

// The first send on a pipe leaves SIGPIPE blocked on the sending thread (see
// connection.hpp); a socket (duplex) send does not touch the mask.
TEST(ConnectionPackets, TheFirstPipeSendBlocksSigpipeOnItsThread) {
    const auto sigpipe_blocked = [] {
        sigset_t mask;
        ::pthread_sigmask(SIG_BLOCK, nullptr, &mask);
        return sigismember(&mask, SIGPIPE) == 1;
    };
    bool after_socket = true, after_pipe = false;
    std::thread fresh([&] {
        // This thread inherits the mask of its creator, which may have sent
        // on a pipe in an earlier test; the flag that says so is not inherited.
        mask_sigpipe(SIG_UNBLOCK);
        auto [a, b] = mp::Pipe(true);
        a.send(1);
        after_socket = sigpipe_blocked();
        auto [reader, writer] = mp::Pipe(false);
        writer.send(1);
        after_pipe = sigpipe_blocked();
    });
    fresh.join();
    EXPECT_FALSE(after_socket);
    EXPECT_TRUE(after_pipe);
}

// A thread that blocked SIGPIPE itself (or inherited the block): a send to a
// closed pipe raises BrokenPipeError and leaves no SIGPIPE pending.
TEST(ConnectionPackets, ABrokenPipeLeavesNoSigpipePendingWhereTheUserBlockedIt) {
    bool raised = false, pending = true;
    std::thread fresh([&] {
        mask_sigpipe(SIG_BLOCK);
        auto [reader, writer] = mp::Pipe(false);
        reader.close();
        try {
            writer.send(1);
        } catch (const concur::BrokenPipeError&) {
            raised = true;
        }
        sigset_t now;
        sigemptyset(&now);
        ::sigpending(&now);
        pending = sigismember(&now, SIGPIPE) == 1;
    });
    fresh.join();
    EXPECT_TRUE(raised);
    EXPECT_FALSE(pending);
}

// Python: _TestConnection.test_connection (recv_bytes_into).
TEST(Connection, RecvBytesIntoFillsABufferFromAnOffset) {
    auto [a, b] = mp::Pipe();
    std::vector<std::byte> buffer(8, std::byte{'.'});
    a.send_bytes(std::string_view("abc"));
    EXPECT_EQ(b.recv_bytes_into(buffer), 3u);
    a.send_bytes(std::string_view("xyz"));
    EXPECT_EQ(b.recv_bytes_into(buffer, 5), 3u);
    EXPECT_EQ(as_string(buffer), "abc..xyz");
    std::string text(4, '-');
    a.send_bytes(std::string_view("12"));
    EXPECT_EQ(b.recv_bytes_into(text, 2), 2u);
    EXPECT_EQ(text, "--12");

    a.send_bytes(std::string_view("too long"));
    try {
        (void)b.recv_bytes_into(text, 1);
        ADD_FAILURE() << "no BufferTooShort";
    } catch (const mp::BufferTooShort& e) {
        EXPECT_EQ(as_string(e.message()), "too long");
    }
    EXPECT_EQ(text, "--12");                                       // untouched
    EXPECT_THROW(b.recv_bytes_into(text, 5), concur::ValueError);  // offset too large
    a.send_bytes(std::string_view("ok"));
    EXPECT_EQ(b.recv_bytes_into(text, 2), 2u);  // still in step
    EXPECT_EQ(text, "--ok");
    a.send_bytes(std::string_view(""));
    EXPECT_EQ(b.recv_bytes_into(text, 4), 0u);  // an empty message fits at the end
}

// Python: _TestPoll.test_empty_string.
TEST(Connection, EmptyMessagesAreMessages) {
    auto [a, b] = mp::Pipe();
    EXPECT_FALSE(b.poll());
    a.send_bytes(std::string());
    EXPECT_TRUE(b.poll());
    EXPECT_TRUE(b.recv_bytes().empty());
    EXPECT_FALSE(b.poll());
}

TEST(Connection, PollWithoutArgumentReturnsAtOnce) {
    auto [a, b] = mp::Pipe();
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(b.poll());
    EXPECT_FALSE(b.poll(0s));
    EXPECT_FALSE(b.poll(-5s));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    a.send(1);
    EXPECT_TRUE(b.poll());
    EXPECT_TRUE(b.poll());  // poll does not consume
    EXPECT_EQ(b.recv<int>(), 1);
}

TEST(Connection, PollWaitsForItsWholeTimeout) {
    auto [a, b] = mp::Pipe();
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(b.poll(150ms));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_GE(elapsed, 150ms);
    EXPECT_LT(elapsed, 10s);
}

TEST(Connection, PollSeesAMessageSentLater) {
    auto [a, b] = mp::Pipe();
    std::thread sender([w = a]() mutable {
        std::this_thread::sleep_for(50ms);
        w.send(std::string("late"));
    });
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(b.poll(kPatience));
    EXPECT_LT(std::chrono::steady_clock::now() - start, kPatience);
    EXPECT_EQ(b.recv<std::string>(), "late");
    sender.join();
}

// Python: _TestConnection.test_connection (EOFError after the peer closed).
TEST(Connection, RecvAfterThePeerClosedRaisesEOFError) {
    for (const bool duplex : {true, false}) {
        auto [reader, writer] = mp::Pipe(duplex);
        writer.send(1);
        writer.close();
        EXPECT_TRUE(reader.poll());  // the message
        EXPECT_EQ(reader.recv<int>(), 1);
        EXPECT_TRUE(reader.poll());  // EOF: recv would not block
        EXPECT_THROW(reader.recv<int>(), concur::EOFError);
        EXPECT_THROW(reader.recv_bytes(), concur::EOFError);
    }
}

TEST(Connection, EOFInTheMiddleOfAMessageFromAChildThatDied) {
    for (const std::size_t written : {3, 8, 12}) {  // in the header, after it, in the payload
        auto [reader, writer] = mp::Pipe();
        Child child([fd = writer.fileno(), written] {
            unsigned char frame[8 + 100] = {};
            const std::uint64_t length = 100;
            std::memcpy(frame, &length, sizeof length);
            return ::write(fd, frame, written) == static_cast<ssize_t>(written) ? 0 : 1;
        });
        ASSERT_TRUE(child.started());
        writer.close();  // the child's copy is the only writer left
        EXPECT_EQ(child.join(), 0);
        ASSERT_TRUE(reader.poll(kPatience));
        try {
            (void)reader.recv_bytes();
            ADD_FAILURE() << "no EOFError after " << written << " bytes";
        } catch (const concur::EOFError& e) {
            EXPECT_STREQ(e.what(), "end of file in the middle of a message");
        }
    }
}

// Python: _TestConnection.test_connection (operations on a closed connection).
TEST(Connection, ClosedHandleRaisesOSError) {
    auto [a, b] = mp::Pipe();
    EXPECT_FALSE(a.closed());
    a.close();
    EXPECT_TRUE(a.closed());
    a.close();  // twice is fine
    try {
        a.send(1);
        ADD_FAILURE() << "sent on a closed handle";
    } catch (const concur::OSError& e) {
        EXPECT_STREQ(e.what(), "handle is closed");
    }
    EXPECT_THROW((void)a.recv<int>(), concur::OSError);
    EXPECT_THROW(a.send_bytes(std::string_view("x")), concur::OSError);
    EXPECT_THROW(a.recv_bytes(), concur::OSError);
    EXPECT_THROW(a.poll(), concur::OSError);
    EXPECT_THROW(a.poll(1s), concur::OSError);
    EXPECT_THROW(a.fileno(), concur::OSError);
    EXPECT_TRUE(a.readable() && a.writable());  // properties, as Python
}

TEST(Connection, DefaultConstructedIsClosed) {
    mp::Connection connection;
    EXPECT_TRUE(connection.closed());
    EXPECT_THROW(connection.send(1), concur::OSError);
    EXPECT_THROW(connection.poll(), concur::OSError);
    connection.close();
}

TEST(Connection, CopiesShareOneEnd) {
    auto [a, b] = mp::Pipe();
    mp::Connection copy = a;
    EXPECT_EQ(copy.fileno(), a.fileno());
    copy.send(9);
    EXPECT_EQ(b.recv<int>(), 9);
    { mp::Connection short_lived = b; }
    EXPECT_FALSE(b.closed());  // a copy going away keeps the end open
    copy.close();
    EXPECT_TRUE(a.closed());  // close() closes it for every copy
    EXPECT_THROW(b.recv<int>(), concur::EOFError);
}

// BrokenPipeError is an OSError, and SIGPIPE never reaches the process (the
// default action would kill this test binary).
TEST(Connection, WritingToAClosedPeerRaisesBrokenPipeErrorWithoutSIGPIPE) {
    for (const bool duplex : {true, false}) {
        auto [reader, writer] = mp::Pipe(duplex);
        reader.close();
        try {
            writer.send(1);
            ADD_FAILURE() << "no error";
        } catch (const concur::BrokenPipeError& e) {
            EXPECT_EQ(e.errno_value(), EPIPE);
        }
        EXPECT_THROW(writer.send_bytes(pattern(1 << 20, 3)), concur::OSError);
        sigset_t pending;
        sigemptyset(&pending);
        ::sigpending(&pending);
        EXPECT_FALSE(sigismember(&pending, SIGPIPE));
    }
}

TEST(Connection, ConcurrentSendersKeepMessagesWhole) {
    auto [reader, writer] = mp::Pipe();
    constexpr unsigned kThreads = 4;
    constexpr unsigned kEach = 200;
    std::vector<std::thread> senders;
    std::atomic<int> failures{0};
    for (unsigned t = 0; t < kThreads; ++t) {
        senders.emplace_back([&failures, w = writer, t]() mutable {
            try {
                for (unsigned i = 0; i < kEach; ++i)
                    w.send(std::make_pair(t, pattern(20000 + t * 1000, t * kEach + i)));
            } catch (...) {
                ++failures;
            }
        });
    }
    std::vector<unsigned> next(kThreads, 0);
    for (unsigned n = 0; n < kThreads * kEach; ++n) {
        ASSERT_TRUE(reader.poll(kPatience));
        const auto [t, text] = reader.recv<std::pair<unsigned, std::string>>();
        ASSERT_LT(t, kThreads);
        ASSERT_EQ(text, pattern(20000 + t * 1000, t * kEach + next[t])) << "thread " << t;
        ++next[t];
    }
    for (auto& sender : senders) sender.join();
    EXPECT_EQ(failures.load(), 0);
}

// A forked child answers questions until told to stop.
// Python: _TestConnection.test_connection (the echo child).
TEST(Connection, TalksToAForkedChild) {
    auto [parent, child_end] = mp::Pipe();
    Child child([&, conn = child_end]() mutable {
        parent.close();
        for (;;) {
            if (!conn.poll(kPatience)) return 2;
            const auto [command, value] = conn.recv<std::pair<std::string, long>>();
            if (command == "stop") return 0;
            if (command == "double") conn.send(value * 2);
            if (command == "text") conn.send(std::to_string(value));
        }
    });
    ASSERT_TRUE(child.started());
    child_end.close();
    for (long i = 0; i < 100; ++i) {
        parent.send(std::make_pair(std::string("double"), i));
        ASSERT_TRUE(parent.poll(kPatience));
        EXPECT_EQ(parent.recv<long>(), 2 * i);
    }
    parent.send(std::make_pair(std::string("text"), 12345L));
    ASSERT_TRUE(parent.poll(kPatience));
    EXPECT_EQ(parent.recv<std::string>(), "12345");
    parent.send(std::make_pair(std::string("stop"), 0L));
    EXPECT_EQ(child.join(), 0);
    EXPECT_TRUE(parent.poll(kPatience));  // the child's end closed with it
    EXPECT_THROW(parent.recv<long>(), concur::EOFError);
}

TEST(Connection, SimplexPipesBetweenProcessesAndErrorsAcrossThem) {
    auto [to_child_r, to_child_w] = mp::Pipe(false);
    auto [from_child_r, from_child_w] = mp::Pipe(false);
    Child child([in = to_child_r, out = from_child_w]() mutable {
        if (!in.poll(kPatience)) return 2;
        const auto numbers = in.recv<std::vector<int>>();
        try {
            if (numbers.empty()) throw concur::ValueError("no numbers");
            throw std::out_of_range("index " + std::to_string(numbers.size()));
        } catch (...) {
            out.send(wire::capture(std::current_exception()));
        }
        return 0;
    });
    ASSERT_TRUE(child.started());
    to_child_r.close();
    from_child_w.close();
    to_child_w.send(std::vector<int>{1, 2, 3});
    ASSERT_TRUE(from_child_r.poll(kPatience));
    const auto error = from_child_r.recv<wire::WireError>();
    EXPECT_EQ(child.join(), 0);
    try {
        wire::rethrow(error);
    } catch (const std::out_of_range& e) {
        EXPECT_STREQ(e.what(), "index 3");
    }
}

// How spawn will carry a Connection: serialised inside an FdSendScope (the
// descriptor is collected, not written), rebuilt inside an FdReceiveScope
// listing the descriptors (a dup() of them).
TEST(Connection, TravelsThroughTheFdScopes) {
    auto [a, b] = mp::Pipe();
    std::vector<int> fds;
    wire::Bytes bytes;
    {
        wire::FdSendScope scope(fds);
        bytes = wire::dumps(std::make_pair(std::string("conn"), a));
    }
    ASSERT_EQ(fds.size(), 1u);
    EXPECT_EQ(fds[0], a.fileno());
    mp::Connection received;
    {
        wire::FdReceiveScope scope(fds);
        received = wire::loads<std::pair<std::string, mp::Connection>>(bytes).second;
    }
    EXPECT_NE(received.fileno(), a.fileno());
    EXPECT_TRUE(received.readable() && received.writable());
    a.close();  // the received one owns its own descriptor
    received.send(std::string("through"));
    ASSERT_TRUE(b.poll(kPatience));
    EXPECT_EQ(b.recv<std::string>(), "through");
    b.send(5);
    ASSERT_TRUE(received.poll(kPatience));
    EXPECT_EQ(received.recv<int>(), 5);
}

TEST(Connection, TravelsThroughTheFdScopesIntoAForkedChild) {
    auto [reader, writer] = mp::Pipe(false);
    std::vector<int> fds;
    wire::Bytes bytes;
    {
        wire::FdSendScope scope(fds);
        bytes = wire::dumps(writer);
    }
    Child child([&fds, &bytes] {
        // As a spawned child would: the descriptors are inherited at the same
        // numbers and the arguments are deserialised from bytes.
        mp::Connection out;
        {
            wire::FdReceiveScope scope(fds);
            out = wire::loads<mp::Connection>(bytes);
        }
        if (out.readable() || !out.writable()) return 3;
        out.send(std::string("from the child"));
        return 0;
    });
    ASSERT_TRUE(child.started());
    writer.close();
    ASSERT_TRUE(reader.poll(kPatience));
    EXPECT_EQ(reader.recv<std::string>(), "from the child");
    EXPECT_EQ(child.join(), 0);
}

TEST(Connection, SerialisedOutsideAProcessStartRaisesRuntimeError) {
    auto [a, b] = mp::Pipe();
    EXPECT_THROW(wire::dumps(a), concur::RuntimeError);
    try {
        b.send(a);
        ADD_FAILURE() << "a Connection went through a Connection";
    } catch (const concur::RuntimeError& e) {
        EXPECT_NE(std::string(e.what()).find("Connection objects should only be shared"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_FALSE(a.poll());  // nothing was sent
    std::vector<int> fds;
    wire::Bytes bytes;
    {
        wire::FdSendScope scope(fds);
        bytes = wire::dumps(a);
    }
    EXPECT_THROW(wire::loads<mp::Connection>(bytes), concur::RuntimeError);  // no receive scope
}

}  // namespace

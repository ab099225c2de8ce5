// multiprocessing::Queue, JoinableQueue, SimpleQueue: Python's contracts in
// one process (ports of Lib/test/_test_multiprocessing.py's _TestQueue and
// _TestSimpleQueue), messages of every size, and across processes -- fork,
// spawn and forkserver children, an 8-process stress with exact totals,
// JoinableQueue.join across processes, and processes killed mid-operation.
// Every blocking call has a timeout; every child is joined with a bound.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include <concur/multiprocessing/connection.hpp>
#include <concur/multiprocessing/context.hpp>
#include <concur/multiprocessing/process.hpp>
#include <concur/multiprocessing/queue.hpp>
#include <concur/multiprocessing/value.hpp>

#include "../support/eventually.hpp"
#include "../support/sanitizers.hpp"
#include "fork_support.hpp"

namespace mp = concur::multiprocessing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using concur_test_support::kPatience;
using concur_test_support::kSlow;

struct concur::multiprocessing::detail::QueueAccess {
    template <class Q>
    static QueueCore& core(Q& q) {
        return q.handle_.core();
    }
};

namespace {

// TSan runs the concurrency tests ~10x slower, ASan ~2x.
constexpr int kSlowdown = concur_test_support::kThreadSanitizer    ? 10
                          : concur_test_support::kAddressSanitizer ? 2
                                                                   : 1;
constexpr int scaled(int count) {
    return std::max(1, count / kSlowdown);
}

constexpr auto kTimeout = 80ms;

struct Point {
    double x = 0;
    double y = 0;
    friend bool operator==(const Point&, const Point&) = default;
};

struct Record {
    std::string name;
    std::vector<int> values;
    std::map<std::string, double> table;
    template <class Archive>
    void serialize(Archive& archive) {
        archive(name, values, table);
    }
    friend bool operator==(const Record&, const Record&) = default;
};

// Fails to serialise (code 1) or to deserialise (code 2), on demand.
struct Exploding {
    int code = 0;
    std::string pad;
    template <class Archive>
    void save(Archive& archive) const {
        if (code == 1) throw concur::RuntimeError("cannot serialise");
        archive(code, pad);
    }
    template <class Archive>
    void load(Archive& archive) {
        archive(code, pad);
        if (code == 2) throw concur::RuntimeError("cannot deserialise");
    }
};

std::string pattern(std::size_t size, unsigned seed) {
    std::string s(size, '\0');
    for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 131 + seed) & 0xff);
    return s;
}

// --- one process -----------------------------------------------------------

// Ports _TestQueue.test_put / test_get (order and the blocking variants).
TEST(Queue, FifoAndTheNowaitVariants) {
    mp::Queue<int> q(6);
    q.put(1);
    q.put(2, true);
    q.put(3, true, 1s);
    q.put(4, false);
    q.put(5, 1s);
    q.put_nowait(6);
    EXPECT_TRUE(q.full());
    EXPECT_EQ(q.qsize(), 6u);
    EXPECT_THROW(q.put(7, false), mp::Full);
    EXPECT_THROW(q.put_nowait(7), mp::Full);
    EXPECT_EQ(q.get(), 1);
    EXPECT_EQ(q.get(true), 2);
    EXPECT_EQ(q.get(true, 1s), 3);
    EXPECT_EQ(q.get(false), 4);
    EXPECT_EQ(q.get(1s), 5);
    EXPECT_EQ(q.get_nowait(), 6);
    EXPECT_TRUE(q.empty());
    EXPECT_THROW(q.get(false), mp::Empty);
    EXPECT_THROW(q.get_nowait(), mp::Empty);
}

// Ports _TestQueue.test_get's timeouts: Empty / Full after (about) the
// timeout, never sooner.
TEST(Queue, TimeoutsRaiseEmptyAndFull) {
    mp::Queue<int> q(2);
    auto start = Clock::now();
    EXPECT_THROW(q.get(true, kTimeout), mp::Empty);
    EXPECT_GE(Clock::now() - start, kTimeout - 1ms);
    EXPECT_LT(Clock::now() - start, kSlow);
    q.put(1);
    q.put(2);
    start = Clock::now();
    EXPECT_THROW(q.put(3, true, kTimeout), mp::Full);
    EXPECT_GE(Clock::now() - start, kTimeout - 1ms);
    EXPECT_LT(Clock::now() - start, kSlow);
    // Negative timeouts count as zero (multiprocessing's rule).
    EXPECT_THROW(q.put(3, true, -1s), mp::Full);
    EXPECT_EQ(q.get(true, -1s), 1);
}

// Ports _TestQueue.test_qsize.
TEST(Queue, QsizeEmptyFull) {
    mp::Queue<int> q;
    EXPECT_EQ(q.maxsize(), 0);
    EXPECT_EQ(q.qsize(), 0u);
    EXPECT_TRUE(q.empty());
    EXPECT_FALSE(q.full());
    q.put(1);
    EXPECT_EQ(q.qsize(), 1u);
    q.put(5);
    EXPECT_EQ(q.qsize(), 2u);
    EXPECT_FALSE(q.empty());
    q.get();
    EXPECT_EQ(q.qsize(), 1u);
    q.get();
    EXPECT_EQ(q.qsize(), 0u);
}

TEST(Queue, MaxsizeOneHoldsOneMessage) {
    mp::Queue<int> q(1);
    q.put(1);
    EXPECT_TRUE(q.full());
    EXPECT_THROW(q.put(2, true, kTimeout), mp::Full);
    EXPECT_EQ(q.get(), 1);
    q.put(2);
    EXPECT_EQ(q.get(), 2);
    EXPECT_THROW(q.get_nowait(), mp::Empty);
}

TEST(Queue, UnboundedBlocksOnlyWhenItsRingIsFull) {
    mp::Queue<int> q;
    const int cells = static_cast<int>(mp::detail::QueueCore::kUnboundedCells);
    for (int i = 0; i < cells; ++i) q.put_nowait(i);
    EXPECT_TRUE(q.full());
    EXPECT_THROW(q.put_nowait(-1), mp::Full);
    for (int i = 0; i < cells; ++i) ASSERT_EQ(q.get_nowait(), i);
}

// Ports _TestQueue.test_closed_queue_put_get_exceptions.
TEST(Queue, ClosedQueueRaisesValueError) {
    mp::Queue<std::string> q;
    mp::Queue<std::string> copy = q;
    q.put("kept");
    q.close();
    q.close();  // idempotent
    q.join_thread();
    q.cancel_join_thread();
    for (mp::Queue<std::string>* handle : {&q, &copy}) {
        try {
            handle->put("foo");
            FAIL() << "put on a closed queue did not raise";
        } catch (const mp::ValueError& e) {
            EXPECT_STREQ(e.what(), "Queue is closed");
        }
        EXPECT_THROW(handle->get(), mp::ValueError);
    }
    EXPECT_EQ(q.qsize(), 1u);  // close() discards nothing
}

TEST(Queue, CopiesAreHandlesToOneQueue) {
    mp::Queue<int> q;
    mp::Queue<int> copy = q;
    copy.put(42);
    EXPECT_EQ(q.get(1s), 42);
}

TEST(Queue, CarriesStringsVectorsAndStructs) {
    mp::Queue<Point> points;
    points.put(Point{1.5, -2});
    EXPECT_EQ(points.get(1s), (Point{1.5, -2}));

    mp::Queue<std::string> strings;
    strings.put("");
    strings.put("short");
    strings.put(std::string(47, 'a'));
    strings.put(std::string(49, 'b'));  // crosses the inline size
    strings.put(pattern(1000, 3));
    EXPECT_EQ(strings.get(1s), "");
    EXPECT_EQ(strings.get(1s), "short");
    EXPECT_EQ(strings.get(1s), std::string(47, 'a'));
    EXPECT_EQ(strings.get(1s), std::string(49, 'b'));
    EXPECT_EQ(strings.get(1s), pattern(1000, 3));

    mp::Queue<std::vector<int>> vectors;
    std::vector<int> v(10000);
    std::iota(v.begin(), v.end(), 0);
    vectors.put(v);
    vectors.put({});
    EXPECT_EQ(vectors.get(1s), v);
    EXPECT_TRUE(vectors.get(1s).empty());

    mp::Queue<Record> records;
    const Record r{"r", {1, 2, 3}, {{"pi", 3.14}}};
    records.put(r);
    EXPECT_EQ(records.get(1s), r);

    mp::Queue<std::array<char, 200>> blobs;  // trivially copyable, larger than a cell
    std::array<char, 200> blob{};
    blob.fill('z');
    blobs.put(blob);
    EXPECT_EQ(blobs.get(1s), blob);
}

// Strings and vectors of numbers are gathered without serialising: the bytes
// must be those of wire's cereal path.
TEST(Queue, GatheredStringsAndVectorsMatchTheWireFormat) {
    namespace wire = mp::detail;
    const std::string s = pattern(1000, 8);
    const std::vector<int> v(500, 7);
    const wire::Bytes string_bytes = wire::dumps(s);
    const wire::Bytes vector_bytes = wire::dumps(v);
    const std::uint64_t string_size = s.size();
    const std::uint64_t vector_size = v.size();
    ASSERT_EQ(string_bytes.size(), 8 + s.size());
    ASSERT_EQ(vector_bytes.size(), 8 + v.size() * sizeof(int));
    EXPECT_EQ(std::memcmp(string_bytes.data(), &string_size, 8), 0);
    EXPECT_EQ(std::memcmp(string_bytes.data() + 8, s.data(), s.size()), 0);
    EXPECT_EQ(std::memcmp(vector_bytes.data(), &vector_size, 8), 0);
    EXPECT_EQ(std::memcmp(vector_bytes.data() + 8, v.data(), v.size() * sizeof(int)), 0);
}

TEST(Queue, LargeMessagesOf1And16MiBKeepOrderWithSmallOnes) {
    mp::Queue<std::string> q;
    const std::string one = pattern(1 << 20, 1);
    const std::string sixteen = pattern(16 << 20, 2);
    q.put("a");
    q.put(one);
    q.put("b");
    q.put(sixteen);
    q.put(one);
    EXPECT_EQ(q.get(5s), "a");
    EXPECT_EQ(q.get(5s), one);
    EXPECT_EQ(q.get(5s), "b");
    EXPECT_EQ(q.get(5s), sixteen);
    EXPECT_EQ(q.get(5s), one);
    // The stream buffer wraps around many times.
    for (int i = 0; i < 100; ++i) {
        q.put(one);
        ASSERT_EQ(q.get(5s), one);
    }
}

TEST(Queue, LargePutTimesOutWhenTheStreamIsFull) {
    mp::Queue<std::string> q;
    const std::string twenty = pattern(20 << 20, 4);
    q.put(twenty, true, 5s);
    EXPECT_THROW(q.put(twenty, true, kTimeout), mp::Full);
    EXPECT_THROW(q.put(twenty, false), mp::Full);
    EXPECT_EQ(q.get(5s), twenty);
    q.put(twenty, true, 5s);
    EXPECT_EQ(q.get(5s), twenty);
}

// Python reports a pickling error from its feeder thread
// (_TestQueue.test_queue_feeder_on_queue_feeder_error); here put() raises it,
// and a message that fails to load is consumed: the queue goes on.
TEST(Queue, SerialisationErrorsSurfaceAndTheQueueGoesOn) {
    mp::JoinableQueue<Exploding> q;
    EXPECT_THROW(q.put(Exploding{1, "x"}), concur::RuntimeError);
    EXPECT_THROW(q.put(Exploding{1, std::string(1000, 'x')}), concur::RuntimeError);
    EXPECT_TRUE(q.empty());
    EXPECT_TRUE(q.join(0s));  // a failed put adds no task
    for (const std::size_t size : {std::size_t{1}, std::size_t{1} << 20}) {
        q.put(Exploding{2, std::string(size, 'y')});
        q.put(Exploding{3, std::string(size, 'z')});
        EXPECT_THROW(q.get(1s), concur::RuntimeError);
        const Exploding next = q.get(1s);
        EXPECT_EQ(next.code, 3);
        EXPECT_EQ(next.pad, std::string(size, 'z'));
        q.task_done();
        q.task_done();
    }
    EXPECT_TRUE(q.join(0s));
}

// A message longer than the stream buffer streams through it while a getter
// reads.
TEST(Queue, MessageLargerThanTheStreamBufferNeedsAConcurrentGetter) {
    mp::Queue<std::string> q;
    const std::string huge = pattern(mp::detail::QueueCore::kStreamBytes * 2 + 12345, 5);
    std::string got;
    std::thread getter([&] { got = q.get(kPatience); });
    q.put(huge);
    getter.join();
    EXPECT_EQ(got, huge);
}

TEST(Queue, ThreadsOfOneProcessShareIt) {
    mp::Queue<long> q(64);
    const int per = scaled(20000);
    std::atomic<long> sum{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t)
        threads.emplace_back([&] {
            for (int i = 1; i <= per; ++i) q.put(i, true, kPatience);
        });
    for (int t = 0; t < 2; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < per; ++i) sum += q.get(kPatience);
        });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(sum.load(), 2L * per * (per + 1) / 2);
    EXPECT_TRUE(q.empty());
}

TEST(Queue, SerialisedHandleRefersToTheSameQueue) {
    mp::Queue<int> q;
    mp::Queue<int> received = concur_test::round_trip(q, mp::Queue<int>());
    q.put(7);
    EXPECT_EQ(received.get(1s), 7);
}

TEST(JoinableQueue, SerialisedHandleSharesTheTaskCount) {
    mp::JoinableQueue<int> q;
    mp::JoinableQueue<int> received = concur_test::round_trip(q, mp::JoinableQueue<int>());
    q.put(1);
    EXPECT_EQ(received.get(1s), 1);
    EXPECT_FALSE(q.join(0s));
    received.task_done();
    EXPECT_TRUE(q.join(0s));
}

TEST(SimpleQueue, SerialisedHandleRefersToTheSameQueue) {
    mp::SimpleQueue<std::string> q;
    mp::SimpleQueue<std::string> received =
        concur_test::round_trip(q, mp::SimpleQueue<std::string>());
    received.put("through the copy");
    EXPECT_FALSE(q.empty());
    EXPECT_EQ(q.get(), "through the copy");
}

// Python: "Queue objects should only be shared between processes through
// inheritance".
TEST(Queue, CannotBeSentThroughAPipeOrAQueue) {
    mp::Queue<int> q;
    auto [a, b] = mp::Pipe();
    try {
        a.send(q);
        FAIL() << "sending a Queue through a Pipe did not raise";
    } catch (const mp::RuntimeError& e) {
        EXPECT_NE(std::string(e.what()).find("Queue objects should only be shared"),
                  std::string::npos)
            << e.what();
    }
    mp::Queue<mp::Queue<int>> queues;
    EXPECT_THROW(queues.put(q), mp::RuntimeError);
}

// Ports _TestQueue.test_task_done's single-process part and
// test_joinable's ValueError.
TEST(JoinableQueue, TaskDoneAndJoin) {
    mp::JoinableQueue<int> q;
    EXPECT_TRUE(q.join(0s));
    q.put(1);
    q.put(2);
    EXPECT_FALSE(q.join(kTimeout));
    q.get();
    q.task_done();
    EXPECT_FALSE(q.join(0s));
    q.get();
    q.task_done();
    EXPECT_TRUE(q.join(1s));
    q.join();
    try {
        q.task_done();
        FAIL() << "task_done() did not raise";
    } catch (const mp::ValueError& e) {
        EXPECT_STREQ(e.what(), "task_done() called too many times");
    }
}

TEST(JoinableQueue, JoinWakesWhenAnotherThreadFinishesTheLastTask) {
    mp::JoinableQueue<std::string> q(4);
    for (int i = 0; i < 4; ++i) q.put(std::to_string(i));
    EXPECT_THROW(q.put("x", false), mp::Full);
    std::thread worker([&] {
        for (int i = 0; i < 4; ++i) {
            q.get(kPatience);
            std::this_thread::sleep_for(1ms);
            q.task_done();
        }
    });
    EXPECT_TRUE(q.join(kPatience));
    worker.join();
}

TEST(JoinableQueue, FailedPutDoesNotCountAsATask) {
    mp::JoinableQueue<int> q(2);
    q.put(1);
    q.put(2);
    EXPECT_THROW(q.put(3, false), mp::Full);
    q.get();
    q.task_done();
    q.get();
    q.task_done();
    EXPECT_TRUE(q.join(0s));
}

// Ports _TestSimpleQueue.test_empty (in one process) and test_close.
TEST(SimpleQueue, PutGetEmptyClose) {
    mp::SimpleQueue<std::string> q;
    EXPECT_TRUE(q.empty());
    q.put("a");
    q.put(pattern(5000, 9));
    EXPECT_FALSE(q.empty());
    EXPECT_EQ(q.get(), "a");
    EXPECT_EQ(q.get(), pattern(5000, 9));
    EXPECT_TRUE(q.empty());
    q.close();
    EXPECT_THROW(q.put("b"), mp::ValueError);
    EXPECT_THROW(q.get(), mp::ValueError);
}

// --- across processes ------------------------------------------------------

// Ports _TestQueue.test_put/test_get's child (_test_put/_test_get) in the
// simplest form: a producer child, the parent consuming.
TEST(Queue, ProducerChildConsumerParent) {
    mp::Queue<std::string> q(8);
    const std::string big = pattern(1 << 20, 7);
    const std::string huge = pattern(16 << 20, 15);
    mp::Process p([q, big, huge]() mutable {
        for (int i = 0; i < 100; ++i) q.put(std::to_string(i), true, kPatience);
        q.put(big, true, kPatience);
        q.put(huge, true, kPatience);
    });
    p.start();
    for (int i = 0; i < 100; ++i) ASSERT_EQ(q.get(kPatience), std::to_string(i));
    EXPECT_EQ(q.get(kPatience), big);
    EXPECT_EQ(q.get(kPatience), huge);
    ASSERT_TRUE(p.join(kPatience));
    EXPECT_EQ(p.exitcode(), 0);
}

TEST(Queue, ConsumerChildProducerParent) {
    mp::Queue<int> q(4);
    mp::Queue<long> result;
    mp::Process p([q, result]() mutable {
        long sum = 0;
        for (int i = 0; i < 1000; ++i) sum += q.get(kPatience);
        result.put(sum);
    });
    p.start();
    for (int i = 0; i < 1000; ++i) q.put(i, true, kPatience);
    EXPECT_EQ(result.get(kPatience), 999L * 1000 / 2);
    ASSERT_TRUE(p.join(kPatience));
    EXPECT_EQ(p.exitcode(), 0);
}

void spawned_echo(mp::Queue<std::string> in, mp::Queue<std::string> out, int n) {
    for (int i = 0; i < n; ++i) out.put(in.get(std::chrono::seconds(20)) + "!");
}

class QueueStartMethods : public testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Methods, QueueStartMethods, testing::Values("fork", "spawn", "forkserver"),
                         [](const auto& info) { return info.param; });

// A queue as an argument of a spawned / forkserver child: both directions,
// small and large messages.
TEST_P(QueueStartMethods, ChildEchoesThroughTwoQueues) {
    mp::Queue<std::string> in;
    mp::Queue<std::string> out(2);
    const std::string big = pattern(3 << 20, 11);
    const std::vector<std::string> messages = {"a", "bb", big, "ccc", big + "x"};
    auto ctx = mp::get_context(GetParam());
    mp::Process p = ctx.Process(spawned_echo, in, out, static_cast<int>(messages.size()));
    p.start();
    for (const auto& m : messages) in.put(m, true, kPatience);
    for (const auto& m : messages) EXPECT_EQ(out.get(kPatience), m + "!");
    ASSERT_TRUE(p.join(kPatience));
    EXPECT_EQ(p.exitcode(), 0);
}

void joinable_worker(mp::JoinableQueue<int> q, mp::Queue<long> done, int n) {
    long sum = 0;
    for (int i = 0; i < n; ++i) {
        sum += q.get(std::chrono::seconds(20));
        q.task_done();
    }
    done.put(sum);
}

// Ports _TestQueue.test_task_done (workers in child processes).
TEST_P(QueueStartMethods, JoinableQueueJoinAcrossProcesses) {
    constexpr int kWorkers = 2;
    constexpr int kItems = 200;
    mp::JoinableQueue<int> q;
    mp::Queue<long> done;
    auto ctx = mp::get_context(GetParam());
    std::vector<mp::Process> workers;
    for (int w = 0; w < kWorkers; ++w)
        workers.push_back(ctx.Process(joinable_worker, q, done, kItems / kWorkers));
    for (auto& w : workers) w.start();
    for (int i = 0; i < kItems; ++i) q.put(i);
    EXPECT_TRUE(q.join(kPatience));
    long sum = 0;
    for (int w = 0; w < kWorkers; ++w) sum += done.get(kPatience);
    EXPECT_EQ(sum, static_cast<long>(kItems) * (kItems - 1) / 2);
    for (auto& w : workers) {
        ASSERT_TRUE(w.join(kPatience));
        EXPECT_EQ(w.exitcode(), 0);
    }
}

// 8 producer processes x 100,000 messages through one queue to 3 consumer
// processes: exact totals, and each producer's messages in order at each
// consumer.
TEST(Queue, StressEightProducerProcesses) {
    constexpr int kProducers = 8;
    constexpr int kConsumers = 3;
    const int per = scaled(100000);
    constexpr std::uint64_t kStop = ~std::uint64_t{0};
    mp::Queue<std::uint64_t> q(1024);
    struct Totals {
        std::uint64_t count;
        std::uint64_t sum;
        std::uint64_t order_errors;
    };
    mp::Queue<Totals> results;
    std::vector<mp::Process> consumers;
    for (int c = 0; c < kConsumers; ++c) {
        consumers.emplace_back([q, results]() mutable {
            Totals totals{0, 0, 0};
            std::array<std::int64_t, kProducers> last;
            last.fill(-1);
            for (;;) {
                const std::uint64_t m = q.get(std::chrono::seconds(60));
                if (m == kStop) break;
                const auto producer = static_cast<std::size_t>(m >> 32);
                const auto seq = static_cast<std::int64_t>(m & 0xffffffffu);
                if (producer >= kProducers || seq <= last[producer])
                    ++totals.order_errors;
                else
                    last[producer] = seq;
                ++totals.count;
                totals.sum += static_cast<std::uint64_t>(seq);
            }
            results.put(totals);
        });
    }
    std::vector<mp::Process> producers;
    for (int p = 0; p < kProducers; ++p)
        producers.emplace_back([q, p, per]() mutable {
            for (int i = 0; i < per; ++i)
                q.put((static_cast<std::uint64_t>(p) << 32) | static_cast<std::uint64_t>(i), true,
                      std::chrono::seconds(60));
        });
    const auto start = Clock::now();
    for (auto& c : consumers) c.start();
    for (auto& p : producers) p.start();
    for (auto& p : producers) {
        ASSERT_TRUE(p.join(120s));
        EXPECT_EQ(p.exitcode(), 0);
    }
    for (int c = 0; c < kConsumers; ++c) q.put(kStop, true, kPatience);
    Totals all{0, 0, 0};
    for (int c = 0; c < kConsumers; ++c) {
        const Totals t = results.get(120s);
        all.count += t.count;
        all.sum += t.sum;
        all.order_errors += t.order_errors;
    }
    for (auto& c : consumers) {
        ASSERT_TRUE(c.join(kPatience));
        EXPECT_EQ(c.exitcode(), 0);
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    EXPECT_EQ(all.count, static_cast<std::uint64_t>(kProducers) * per);
    EXPECT_EQ(all.sum, static_cast<std::uint64_t>(kProducers) *
                           (static_cast<std::uint64_t>(per) - 1) * per / 2);
    EXPECT_EQ(all.order_errors, 0u);
    std::printf("[ stress   ] %d x %d messages in %.2f s (%.1f M msg/s)\n", kProducers, per,
                seconds, kProducers * static_cast<double>(per) / seconds / 1e6);
}

// --- processes that die ------------------------------------------------------

// A putter killed right after claiming a cell: the getter skips that cell
// (the message is lost) within the dead-claimer slice, and the queue goes on.
TEST(Queue, CellClaimedByADeadPutterIsSkipped) {
    mp::Queue<std::string> q;
    auto& core = mp::detail::QueueAccess::core(q);
    const pid_t pid =
        concur_test::fork_child([&] { return core.claim_and_abandon_for_testing(false); });
    ASSERT_EQ(concur_test::join_child(pid), 0);
    q.put("after");
    const auto start = Clock::now();
    EXPECT_EQ(q.get(kSlow), "after");
    EXPECT_LT(Clock::now() - start, 2s);
    EXPECT_THROW(q.get_nowait(), mp::Empty);
    q.put("again");
    EXPECT_EQ(q.get(1s), "again");
}

// A getter killed right after claiming a cell of a full queue: the putter
// takes the cell back (that message is lost).
TEST(Queue, CellClaimedByADeadGetterIsHandedBack) {
    mp::Queue<int> q(2);
    q.put(1);
    q.put(2);
    auto& core = mp::detail::QueueAccess::core(q);
    // Not reaped: a zombie counts as dead too.
    const pid_t pid =
        concur_test::fork_child([&] { return core.claim_and_abandon_for_testing(true); });
    siginfo_t info{};
    ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT), 0);
    const auto start = Clock::now();
    q.put(3, true, kSlow);
    EXPECT_LT(Clock::now() - start, 2s);
    EXPECT_EQ(q.get(1s), 2);
    EXPECT_EQ(q.get(1s), 3);
    EXPECT_EQ(concur_test::join_child(pid), 0);
}

// A putter killed halfway through copying a large message, holding the
// stream's lock: a getter skips that message, later large messages flow.
TEST(Queue, LargePutterKilledMidMessageLosesOnlyThatMessage) {
    mp::Queue<std::string> q;
    auto& core = mp::detail::QueueAccess::core(q);
    const std::string big = pattern(1 << 20, 12);
    const pid_t pid = concur_test::fork_child(
        [&] { return core.abandon_large_put_for_testing(std::size_t{2} << 20); });
    ASSERT_EQ(concur_test::join_child(pid), 0);
    // A getter waiting on it first: skips it, then times out on the empty queue.
    auto start = Clock::now();
    EXPECT_THROW(q.get(true, 500ms), mp::Empty);
    EXPECT_LT(Clock::now() - start, kSlow);
    q.put(big, true, kSlow);
    EXPECT_EQ(q.get(kSlow), big);
    // A putter arriving first takes the lock over and repairs the stream.
    const pid_t again = concur_test::fork_child(
        [&] { return core.abandon_large_put_for_testing(std::size_t{3} << 20); });
    ASSERT_EQ(concur_test::join_child(again), 0);
    start = Clock::now();
    q.put(big + "x", true, kSlow);
    EXPECT_LT(Clock::now() - start, 2s);
    EXPECT_EQ(q.get(kSlow), big + "x");
    q.put("small", true, kSlow);
    EXPECT_EQ(q.get(kSlow), "small");
}

// A getter killed halfway through reading a large message: that message is
// lost, the next reader and the writers go on.
TEST(Queue, LargeGetterKilledMidMessageLosesOnlyThatMessage) {
    mp::Queue<std::string> q;
    auto& core = mp::detail::QueueAccess::core(q);
    const std::string one = pattern(1 << 20, 13);
    const std::string two = pattern(1 << 20, 14);
    q.put(one);
    q.put(two);
    const pid_t pid = concur_test::fork_child([&] { return core.abandon_large_get_for_testing(); });
    ASSERT_EQ(concur_test::join_child(pid), 0);
    const auto start = Clock::now();
    EXPECT_EQ(q.get(kSlow), two);
    EXPECT_LT(Clock::now() - start, 2s);
    // The stream wraps around past the skipped bytes.
    for (int i = 0; i < 40; ++i) {
        q.put(one, true, kSlow);
        ASSERT_EQ(q.get(kSlow), one);
    }
}

// Producers and consumers SIGKILLed while others use the queue: the
// survivors finish with bounded waits, and every message of a surviving
// producer arrives exactly once.
TEST(Queue, ProcessesKilledMidwayDoNotWedgeTheOthers) {
    constexpr int kProducers = 3;
    const int per = scaled(20000);
    constexpr std::int64_t kStop = -1;
    mp::Queue<std::int64_t> q(16);
    mp::Queue<std::int64_t> seen;  // what the surviving consumers got, per producer
    mp::Value<long> progress(0, mp::lock_free);
    std::vector<mp::Process> producers;
    for (int p = 0; p < kProducers; ++p)
        producers.emplace_back([q, p, per, progress]() mutable {
            // Producer 0 puts until it is killed: had it a fixed count, it could
            // finish before the kill lands and exit with 0 (a flake seen in CI).
            for (int i = 0; p == 0 || i < per; ++i) {
                q.put(static_cast<std::int64_t>(p) * 1'000'000'000 + i, true,
                      std::chrono::seconds(30));
                if (p == 0) progress.value(i);
            }
        });
    auto consumer = [q, seen]() mutable {
        std::vector<std::int64_t> counts(kProducers, 0);
        for (;;) {
            const std::int64_t m = q.get(std::chrono::seconds(30));
            if (m == kStop) break;
            ++counts[static_cast<std::size_t>(m / 1'000'000'000)];
        }
        for (std::int64_t c : counts) seen.put(c, true, std::chrono::seconds(30));
    };
    mp::Process victim(consumer);  // killed too
    mp::Process survivor(consumer);
    victim.start();
    survivor.start();
    for (auto& p : producers) p.start();
    ASSERT_TRUE(concur_test_support::eventually([&] { return progress.value() > per / 4; }));
    producers[0].kill();
    victim.kill();
    ASSERT_TRUE(producers[0].join(kPatience));
    ASSERT_TRUE(victim.join(kPatience));
    EXPECT_EQ(producers[0].exitcode(), -SIGKILL);
    EXPECT_EQ(victim.exitcode(), -SIGKILL);
    for (int p = 1; p < kProducers; ++p) {
        ASSERT_TRUE(producers[p].join(60s));
        EXPECT_EQ(producers[p].exitcode(), 0);
    }
    q.put(kStop, true, kPatience);
    std::vector<std::int64_t> counts;
    for (int p = 0; p < kProducers; ++p) counts.push_back(seen.get(60s));
    ASSERT_TRUE(survivor.join(kPatience));
    EXPECT_EQ(survivor.exitcode(), 0);
    // The victim consumer took some messages with it; the survivor got the
    // rest. All of a surviving producer's messages were put, so those the
    // victim did not take reached the survivor: at most all of them.
    for (int p = 1; p < kProducers; ++p) EXPECT_LE(counts[p], per);
    // (The victim may have taken all of them: no lower bound.)
    EXPECT_TRUE(q.empty()) << q.qsize() << " left";
}

// With only the surviving processes, no message of a surviving producer is
// lost: a putter killed mid-run costs at most its own message.
TEST(Queue, KilledProducerCostsOnlyItsOwnMessages) {
    constexpr int kProducers = 3;
    const int per = scaled(20000);
    mp::Queue<std::int64_t> q(16);
    mp::Value<long> progress(0, mp::lock_free);
    std::vector<mp::Process> producers;
    for (int p = 0; p < kProducers; ++p)
        producers.emplace_back([q, p, per, progress]() mutable {
            for (int i = 0; i < per; ++i) {
                q.put(static_cast<std::int64_t>(p) * 1'000'000'000 + i, true,
                      std::chrono::seconds(30));
                if (p == 0) progress.value(i);
            }
        });
    for (auto& p : producers) p.start();
    std::vector<std::int64_t> next(kProducers, 0);
    bool killed = false;
    std::int64_t got = 0;
    const std::int64_t wanted = 2 * static_cast<std::int64_t>(per);
    std::int64_t from_victim = 0;
    while (got < wanted) {
        std::int64_t m = 0;
        try {
            m = q.get(30s);
        } catch (const mp::Empty&) {
            ADD_FAILURE() << "the queue wedged after " << got << " messages";
            break;
        }
        const auto p = static_cast<std::size_t>(m / 1'000'000'000);
        const std::int64_t seq = m % 1'000'000'000;
        if (p == 0) {
            EXPECT_GE(seq, next[0]);  // in order, gaps allowed for the victim
            next[0] = seq + 1;
            ++from_victim;
        } else {
            EXPECT_EQ(seq, next[p]);
            next[p] = seq + 1;
            ++got;
        }
        if (!killed && (progress.value() > per / 4 || got > wanted / 4)) {
            producers[0].kill();
            killed = true;
        }
    }
    EXPECT_TRUE(killed);
    for (auto& p : producers) ASSERT_TRUE(p.join(kPatience));
    // Whatever the victim published before dying is still there.
    for (;;) {
        try {
            const std::int64_t m = q.get_nowait();
            EXPECT_EQ(m / 1'000'000'000, 0);
        } catch (const mp::Empty&) {
            break;
        }
    }
    EXPECT_EQ(got, wanted);
}

}  // namespace

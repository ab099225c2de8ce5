// W6 "ipc", concur (bench/README.md, bench/w6/workload.hpp): one producer
// process -> one consumer process.
//
// Systems (each ":small" or ":big"):
//   concur-mp-Queue            mp::Queue<std::int64_t> / mp::Queue<std::string>:
//                              put() / get()
//   concur-mp-Pipe-send        mp::Pipe(false): send(x) / recv<T>()
//   concur-mp-Pipe-send_bytes  mp::Pipe(false): send_bytes() / recv_bytes()
// The consumer is an mp::Process (fork); "ready" and "done" travel on a second
// Pipe.
#include <concur/multiprocessing.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "../bench_common.hpp"
#include "workload.hpp"

namespace mp = concur::multiprocessing;

namespace {

struct Run {
    double seconds;
    bool ok;
};

// Runs one repetition: `consume(n)` in a child returns whether it saw what it
// should; `produce(n)` in the parent sends.
template <class Produce, class Consume>
Run run(long n, Produce produce, Consume consume) {
    auto [control_parent, control_child] = mp::Pipe();
    const int consumer_cpu = w6::cpus().second;
    mp::ProcessOptions fork;
    fork.method = mp::StartMethod::fork;
    mp::Process consumer(fork, [&, control = control_child]() mutable {
        w6::pin_to(consumer_cpu);
        control.send(true);  // ready
        control.send(consume(n));
    });
    consumer.start();
    control_child.close();
    (void)control_parent.recv<bool>();
    const double start = bench::now_seconds();
    produce(n);
    const bool ok = control_parent.recv<bool>();
    const double seconds = bench::now_seconds() - start;
    consumer.join();
    return {seconds, ok && consumer.exitcode() == 0};
}

std::string big_message() {
    return std::string(w6::kBigBytes, 'x');
}

Run queue(long n, w6::Shape shape) {
    if (shape == w6::Shape::small) {
        mp::Queue<std::int64_t> q;
        return run(
            n,
            [&](long count) {
                for (long i = 0; i < count; ++i) q.put(i);
            },
            [&](long count) {
                std::uint64_t sum = 0;
                for (long i = 0; i < count; ++i) sum += static_cast<std::uint64_t>(q.get());
                return sum == w6::expected_sum(count);
            });
    }
    mp::Queue<std::string> q;
    return run(
        n,
        [&](long count) {
            std::string message = big_message();
            for (long i = 0; i < count; ++i) {
                w6::stamp(message.data(), static_cast<std::uint64_t>(i));
                q.put(message);
            }
        },
        [&](long count) {
            bool ok = true;
            for (long i = 0; i < count; ++i) {
                const std::string message = q.get();
                ok = ok && message.size() == w6::kBigBytes &&
                     w6::stamp_of(message.data()) == static_cast<std::uint64_t>(i);
            }
            return ok;
        });
}

Run pipe_send(long n, w6::Shape shape) {
    auto [reader, writer] = mp::Pipe(false);
    if (shape == w6::Shape::small)
        return run(
            n,
            [&](long count) {
                for (long i = 0; i < count; ++i) writer.send(std::int64_t{i});
            },
            [&](long count) {
                std::uint64_t sum = 0;
                for (long i = 0; i < count; ++i)
                    sum += static_cast<std::uint64_t>(reader.recv<std::int64_t>());
                return sum == w6::expected_sum(count);
            });
    return run(
        n,
        [&](long count) {
            std::string message = big_message();
            for (long i = 0; i < count; ++i) {
                w6::stamp(message.data(), static_cast<std::uint64_t>(i));
                writer.send(message);
            }
        },
        [&](long count) {
            bool ok = true;
            for (long i = 0; i < count; ++i) {
                const auto message = reader.recv<std::string>();
                ok = ok && message.size() == w6::kBigBytes &&
                     w6::stamp_of(message.data()) == static_cast<std::uint64_t>(i);
            }
            return ok;
        });
}

Run pipe_send_bytes(long n, w6::Shape shape) {
    auto [reader, writer] = mp::Pipe(false);
    if (shape == w6::Shape::small)
        return run(
            n,
            [&](long count) {
                for (long i = 0; i < count; ++i) {
                    const std::int64_t value = i;
                    writer.send_bytes(std::as_bytes(std::span(&value, 1)));
                }
            },
            [&](long count) {
                std::uint64_t sum = 0;
                for (long i = 0; i < count; ++i) sum += w6::stamp_of(reader.recv_bytes().data());
                return sum == w6::expected_sum(count);
            });
    return run(
        n,
        [&](long count) {
            std::string message = big_message();
            for (long i = 0; i < count; ++i) {
                w6::stamp(message.data(), static_cast<std::uint64_t>(i));
                writer.send_bytes(message);
            }
        },
        [&](long count) {
            bool ok = true;
            for (long i = 0; i < count; ++i) {
                const auto message = reader.recv_bytes();
                ok = ok && message.size() == w6::kBigBytes &&
                     w6::stamp_of(message.data()) == static_cast<std::uint64_t>(i);
            }
            return ok;
        });
}

}  // namespace

int main(int argc, char** argv) {
    mp::freeze_support();
    std::vector<std::string> systems;
    for (const char* s : {"concur-mp-Queue", "concur-mp-Pipe-send", "concur-mp-Pipe-send_bytes"})
        for (const char* shape : {":small", ":big"}) systems.push_back(std::string(s) + shape);
    const bench::Args args = bench::parse(argc, argv, systems);
    const auto [name, shape] = w6::split(args.system);
    w6::pin_to(w6::cpus().first);
    std::vector<double> seconds;
    bool ok = true;
    for (int r = 0; r < args.reps; ++r) {
        const Run one = name == "concur-mp-Queue"       ? queue(args.n, shape)
                        : name == "concur-mp-Pipe-send" ? pipe_send(args.n, shape)
                                                        : pipe_send_bytes(args.n, shape);
        seconds.push_back(one.seconds);
        ok = ok && one.ok;
    }
    w6::report(args.system, shape, args.n, ok, seconds);
    return ok ? 0 : 1;
}

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

using w6::Run;

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

// Small: n integers 0..n-1, the consumer checks their sum.
template <class Send, class Receive>
Run small(long n, Send send, Receive receive) {
    return run(
        n,
        [&](long count) {
            for (long i = 0; i < count; ++i) send(std::int64_t{i});
        },
        [&](long count) {
            std::uint64_t sum = 0;
            for (long i = 0; i < count; ++i) sum += static_cast<std::uint64_t>(receive());
            return sum == w6::expected_sum(count);
        });
}

// Big: n messages of 1 MiB stamped with their sequence number.
template <class Send, class Receive>
Run big(long n, Send send, Receive receive) {
    return run(
        n,
        [&](long count) {
            std::string message(w6::kBigBytes, 'x');
            for (long i = 0; i < count; ++i) {
                w6::stamp(message.data(), static_cast<std::uint64_t>(i));
                send(message);
            }
        },
        [&](long count) {
            bool ok = true;
            for (long i = 0; i < count; ++i) {
                const auto message = receive();
                ok = ok && message.size() == w6::kBigBytes &&
                     w6::stamp_of(message.data()) == static_cast<std::uint64_t>(i);
            }
            return ok;
        });
}

Run queue(long n, w6::Shape shape) {
    if (shape == w6::Shape::small) {
        mp::Queue<std::int64_t> q;
        return small(
            n, [&](std::int64_t i) { q.put(i); }, [&] { return q.get(); });
    }
    mp::Queue<std::string> q;
    return big(
        n, [&](const std::string& m) { q.put(m); }, [&] { return q.get(); });
}

Run pipe_send(long n, w6::Shape shape) {
    auto [reader, writer] = mp::Pipe(false);
    if (shape == w6::Shape::small)
        return small(
            n, [&](std::int64_t i) { writer.send(i); },
            [&] { return reader.recv<std::int64_t>(); });
    return big(
        n, [&](const std::string& m) { writer.send(m); },
        [&] { return reader.recv<std::string>(); });
}

Run pipe_send_bytes(long n, w6::Shape shape) {
    auto [reader, writer] = mp::Pipe(false);
    if (shape == w6::Shape::small)
        return small(
            n, [&](std::int64_t i) { writer.send_bytes(std::as_bytes(std::span(&i, 1))); },
            [&] { return static_cast<std::int64_t>(w6::stamp_of(reader.recv_bytes().data())); });
    return big(
        n, [&](const std::string& m) { writer.send_bytes(m); },
        [&] { return reader.recv_bytes(); });
}

}  // namespace

int main(int argc, char** argv) {
    mp::freeze_support();
    std::vector<std::string> systems;
    for (const char* s : {"concur-mp-Queue", "concur-mp-Pipe-send", "concur-mp-Pipe-send_bytes"})
        for (const char* shape : {":small", ":big"}) systems.push_back(std::string(s) + shape);
    const bench::Args args = bench::parse(argc, argv, systems);
    return w6::run_repetitions(args, [](const std::string& name, w6::Shape shape, long n) {
        return name == "concur-mp-Queue"       ? queue(n, shape)
               : name == "concur-mp-Pipe-send" ? pipe_send(n, shape)
                                               : pipe_send_bytes(n, shape);
    });
}

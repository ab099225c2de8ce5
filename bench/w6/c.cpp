// W6 "ipc", the C floors (bench/README.md, bench/w6/workload.hpp).
//
// Systems (each ":small" or ":big"):
//   c-pipe      pipe(2), default capacity. small: one write(2) of 8 bytes per
//               message; the consumer read(2)s whatever is there (up to
//               64 KiB) and decodes the integers. big: write/read loops until
//               each 1 MiB message has moved.
//   c-shm-spsc  a single-producer single-consumer byte ring of 4 MiB in a
//               MAP_SHARED anonymous mapping made before fork(). The producer
//               copies a message in and publishes its new head with a release
//               store (small: after each message; big: after each 64 KiB); the
//               consumer acquires the head, copies out, and publishes its tail.
//               Waiting spins (pause), yielding every 2,048 spins. Both copies
//               are made, as through a pipe.
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#include "../bench_common.hpp"
#include "workload.hpp"

namespace {

void write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n <= 0) std::_Exit(3);
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

void read_all(int fd, char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::read(fd, data, size);
        if (n <= 0) std::_Exit(3);
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

// ---- the shared-memory ring ----
constexpr std::size_t kRingBytes = 4 << 20;
constexpr std::size_t kBigChunk = 64 << 10;

struct Ring {
    alignas(64) std::atomic<std::uint64_t> head{0};  // bytes written
    alignas(64) std::atomic<std::uint64_t> tail{0};  // bytes read
    alignas(64) char data[kRingBytes];
};

void spin(unsigned& spins) {
    if (++spins % 2048 == 0)
        ::sched_yield();
    else
        __builtin_ia32_pause();
}

// Copies `size` bytes in, publishing every `publish` bytes. `tail` caches
// the consumer's index: it is reloaded only when the ring looks full.
void ring_put(Ring& ring, const char* from, std::size_t size, std::size_t publish,
              std::uint64_t& tail) {
    std::uint64_t head = ring.head.load(std::memory_order_relaxed);
    while (size > 0) {
        const std::size_t step = std::min(size, publish);
        unsigned spins = 0;
        while (head + step - tail > kRingBytes) {
            tail = ring.tail.load(std::memory_order_acquire);
            if (head + step - tail > kRingBytes) spin(spins);
        }
        for (std::size_t done = 0; done < step;) {
            const std::size_t at = (head + done) % kRingBytes;
            const std::size_t n = std::min(step - done, kRingBytes - at);
            std::memcpy(ring.data + at, from + done, n);
            done += n;
        }
        head += step;
        ring.head.store(head, std::memory_order_release);
        from += step;
        size -= step;
    }
}

// Copies out whatever has been published, up to `size` bytes; returns how many.
std::size_t ring_take(Ring& ring, char* to, std::size_t size) {
    const std::uint64_t tail = ring.tail.load(std::memory_order_relaxed);
    std::uint64_t head;
    unsigned spins = 0;
    while ((head = ring.head.load(std::memory_order_acquire)) == tail) spin(spins);
    const std::size_t available = std::min<std::size_t>(head - tail, size);
    for (std::size_t done = 0; done < available;) {
        const std::size_t at = (tail + done) % kRingBytes;
        const std::size_t n = std::min(available - done, kRingBytes - at);
        std::memcpy(to + done, ring.data + at, n);
        done += n;
    }
    ring.tail.store(tail + available, std::memory_order_release);
    return available;
}

using w6::Run;

Run run(const std::string& name, w6::Shape shape, long n) {
    const auto [producer_cpu, consumer_cpu] = w6::cpus();
    (void)producer_cpu;
    int control[2], done[2], data[2];
    if (::pipe(control) != 0 || ::pipe(done) != 0 || ::pipe(data) != 0) std::_Exit(4);
    Ring* ring = nullptr;
    if (name == "c-shm-spsc") {
        void* memory = ::mmap(nullptr, sizeof(Ring), PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (memory == MAP_FAILED) std::_Exit(4);
        ring = new (memory) Ring;
    }
    const std::size_t message_bytes = shape == w6::Shape::small ? 8 : w6::kBigBytes;

    const pid_t child = ::fork();
    if (child == 0) {  // the consumer
        w6::pin_to(consumer_cpu);
        std::vector<char> buffer(std::max<std::size_t>(message_bytes, 64 << 10));
        bool ok = true;
        char byte = 'r';
        write_all(control[1], &byte, 1);
        if (shape == w6::Shape::small) {
            std::uint64_t sum = 0;
            std::size_t pending = 0;  // bytes of a message split across reads
            for (long received = 0; received < n;) {
                const std::size_t got =
                    ring != nullptr
                        ? ring_take(*ring, buffer.data() + pending, buffer.size() - pending)
                        : static_cast<std::size_t>(std::max<ssize_t>(
                              0,
                              ::read(data[0], buffer.data() + pending, buffer.size() - pending)));
                if (got == 0) std::_Exit(3);
                const std::size_t total = pending + got;
                const std::size_t whole = total / 8;
                for (std::size_t k = 0; k < whole; ++k) sum += w6::stamp_of(buffer.data() + 8 * k);
                pending = total - whole * 8;
                std::memmove(buffer.data(), buffer.data() + whole * 8, pending);
                received += static_cast<long>(whole);
            }
            ok = sum == w6::expected_sum(n);
        } else {
            for (long i = 0; i < n; ++i) {
                if (ring != nullptr) {
                    for (std::size_t got = 0; got < message_bytes;)
                        got += ring_take(*ring, buffer.data() + got, message_bytes - got);
                } else {
                    read_all(data[0], buffer.data(), message_bytes);
                }
                ok = ok && w6::stamp_of(buffer.data()) == static_cast<std::uint64_t>(i);
            }
        }
        byte = ok ? 'y' : 'n';
        write_all(done[1], &byte, 1);
        std::_Exit(0);
    }
    ::close(data[0]);
    char byte;
    read_all(control[0], &byte, 1);
    std::vector<char> message(message_bytes, 'x');
    std::uint64_t cached_tail = 0;
    const double start = bench::now_seconds();
    for (long i = 0; i < n; ++i) {
        w6::stamp(message.data(), static_cast<std::uint64_t>(i));
        if (ring != nullptr)
            ring_put(*ring, message.data(), message_bytes,
                     shape == w6::Shape::small ? message_bytes : kBigChunk, cached_tail);
        else
            write_all(data[1], message.data(), message_bytes);
    }
    read_all(done[0], &byte, 1);
    const double seconds = bench::now_seconds() - start;
    int status = 0;
    ::waitpid(child, &status, 0);
    for (int fd : {control[0], control[1], done[0], done[1], data[1]}) ::close(fd);
    if (ring != nullptr) ::munmap(ring, sizeof(Ring));
    return {seconds, byte == 'y' && WIFEXITED(status) && WEXITSTATUS(status) == 0};
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> systems;
    for (const char* s : {"c-pipe", "c-shm-spsc"})
        for (const char* shape : {":small", ":big"}) systems.push_back(std::string(s) + shape);
    const bench::Args args = bench::parse(argc, argv, systems);
    return w6::run_repetitions(
        args, [](const std::string& name, w6::Shape shape, long n) { return run(name, shape, n); });
}

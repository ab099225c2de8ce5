// concur/multiprocessing/queue.hpp
// -----------------------------------------------------------------------------
// `Queue<T>`, `SimpleQueue<T>` and `JoinableQueue<T>` mirror Python's
// `multiprocessing.Queue`, `multiprocessing.SimpleQueue` and
// `multiprocessing.JoinableQueue`: FIFO queues of messages shared by
// processes (and by the threads of each).
//
//  * put(item, block = true, timeout): blocks while the queue holds
//    `maxsize` messages; Full if `block` is false or the timeout expires.
//  * get(block = true, timeout): blocks while it is empty; Empty if `block`
//    is false or the timeout expires.
//  * put_nowait / get_nowait: put(item, false) / get(false).
//  * qsize(), empty(), full(): approximate under concurrency, as in Python.
//  * close(): this handle, and the copies of it in this process, stop
//    working: put and get raise ValueError("Queue is closed"). Other
//    processes are not affected (Python's close() is per process too).
//  * join_thread(), cancel_join_thread(): no-ops (see below).
//  * JoinableQueue adds task_done() (ValueError "task_done() called too many
//    times") and join(), counted across every process.
//
// T is any detail::Serialisable type (wire.hpp): trivially copyable values
// travel as their bytes, others (std::string, vectors, user types with a
// cereal serialize()) through wire's cereal archives. The receiver names the
// type; a message that does not hold a T raises ValueError.
//
// Handles: copies refer to the same queue. Pass a queue by value to a child
// created by fork(), or as an argument of a "spawn"/"forkserver" Process
// (serialised with its memfd; save/load below). Sending a queue through a
// Queue or a Pipe raises RuntimeError ("Queue objects should only be shared
// between processes through inheritance"), as in Python.
//
// Differences from Python:
//  * No feeder thread. Python's put() appends to a buffer that a background
//    thread pickles into a pipe, so put() on an unbounded queue never blocks
//    and a message is visible to get() "soon". Here put() writes the message
//    into shared memory before it returns: it is visible at once, nothing is
//    left to flush at exit, and join_thread()/cancel_join_thread() have
//    nothing to do. Python's error of sending an unpicklable object happens
//    in the feeder; here put() raises it.
//  * Unbounded (maxsize <= 0) means up to 65,536 messages waiting (the ring's
//    cells, kUnboundedCells): beyond that put() blocks (Full with a timeout)
//    until a getter makes room. maxsize is clamped to 2^24.
//  * Large messages (more than 48 bytes) share one 32 MiB buffer: a put
//    waits (honouring its timeout) while the messages not yet read leave no
//    room for it. A message longer than 32 MiB is streamed through the buffer
//    and its put() returns only once a getter has read most of it (without
//    a getter running, it blocks whatever its timeout). The buffer's pages
//    stay resident once touched: a queue that carried large messages keeps
//    up to ~36 MiB of shared memory until every handle is gone.
//  * A negative timeout counts as zero (as multiprocessing's, not queue's).
//  * close() does not discard anything and does not stop other handles.
//
// Processes that die. The ring records in each cell the pid of the process
// that claimed it; a process killed between claiming a cell and finishing
// with it (a few instructions for a small message) is detected within ~50 ms
// by whoever waits for that cell, and the cell is skipped: that one message is
// lost, the others flow on (Python's queue can be corrupted for good by a
// process killed while it writes to the pipe). The same holds for a large
// message whose putter or getter is killed while copying it: waiters notice
// the dead writer (the stream lock's owner) or reader after a 50 ms slice,
// record the message as lost and move the stream on (detail/queue_core.hpp;
// it remembers the last 16 such messages, which is what a getter still on
// its way to a lost message can rely on). Not covered: JoinableQueue's count
// keeps a lost message unfinished (join() with a timeout, an extension, lets
// a caller notice), and a maxsize == 1 queue's unit taken by a getter that
// died before giving it back is not returned. Processes must share a pid
// namespace (as fork()ed and spawned children do).
//
// Thread-safety: every member may be called concurrently from any thread of
// any process. Blocking: put/get as said; the others never block.
//
// Example:
//
//   namespace mp = concur::multiprocessing;
//   void worker(mp::Queue<std::string> q) { q.put("hello from the child"); }
//
//   int main() {
//       mp::freeze_support();
//       mp::Queue<std::string> q;
//       mp::Process p = mp::get_context("spawn").Process(worker, q);
//       p.start();
//       std::puts(q.get(true, std::chrono::seconds(5)).c_str());
//       p.join();
//   }
//
// Design and memory ordering: detail/queue_core.hpp (a Vyukov ring of 64-byte
// cells in a memfd segment, futex waits through waiter.hpp with
// WordScope::process_shared, large messages through a byte stream).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <concur/detail/deadline.hpp>
#include <concur/multiprocessing/detail/queue_core.hpp>
#include <concur/multiprocessing/detail/wire.hpp>
#include <concur/multiprocessing/exceptions.hpp>

namespace concur::multiprocessing {

namespace detail {

struct QueueAccess;  // white-box tests

using wire_impl::kContiguous;

// What the three queue classes share: the core, the per-process "closed"
// flag, and the conversion of a T to and from bytes.
template <class T>
class QueueHandle {
  public:
    explicit QueueHandle(std::ptrdiff_t maxsize, const char* name)
        : local_(std::make_shared<Local>(QueueCore::create(maxsize, name))) {}

    void put_item(const T& item, bool block, const concur::detail::Deadline* deadline,
                  bool task = false) {
        check_closed();
        QueueCore& core = local_->core;
        if (task) core.add_task();
        struct UndoTask {  // a put that fails (or throws) adds no task
            QueueCore& core;
            bool active;
            ~UndoTask() {
                if (active) core.remove_task();
            }
        } undo{core, task};
        QueueStatus status;
        if constexpr (wire_impl::kRaw<T>) {
            const std::span<const std::byte> part = std::as_bytes(std::span<const T, 1>(&item, 1));
            status = core.put(std::span(&part, 1), block, deadline);
        } else if constexpr (kContiguous<T>) {
            // The bytes wire's cereal functions would write (a 64-bit size,
            // then the elements as one block), gathered without a copy.
            const std::uint64_t size = item.size();
            const std::span<const std::byte> parts[2] = {
                std::as_bytes(std::span<const std::uint64_t, 1>(&size, 1)),
                std::as_bytes(std::span(item.data(), item.size()))};
            status = core.put(parts, block, deadline);
        } else {
            thread_local Bytes scratch;
            scratch.clear();
            dump(scratch, item);
            const std::span<const std::byte> part(scratch);
            status = core.put(std::span(&part, 1), block, deadline);
            if (scratch.capacity() > kKeptBuffer) Bytes().swap(scratch);
        }
        if (status != QueueStatus::done) throw Full();
        undo.active = false;
    }

    T get_item(bool block, const concur::detail::Deadline* deadline) {
        check_closed();
        thread_local Bytes buffer;
        struct Trim {  // a huge message's buffer is not kept
            Bytes& buffer;
            ~Trim() {
                if (buffer.capacity() > kKeptBuffer) Bytes().swap(buffer);
            }
        } trim{buffer};
        std::optional<T> result;
        auto consume = [&result](std::span<const std::byte> bytes) {
            result.emplace(loads<T>(bytes));
        };
        const QueueSink sink{&consume, [](void* context, std::span<const std::byte> bytes) {
                                 (*static_cast<decltype(consume)*>(context))(bytes);
                             }};
        if (local_->core.get(sink, buffer, block, deadline) != QueueStatus::done) throw Empty();
        return std::move(*result);
    }

    void close() noexcept { local_->closed.store(true, std::memory_order_relaxed); }
    QueueCore& core() const noexcept { return local_->core; }

    template <class Archive>
    void save(Archive& archive) const {
        local_->core.ref().save(archive, "Queue");
    }
    template <class Archive>
    void load(Archive& archive) {
        SegmentRef ref;
        ref.load(archive);
        local_ = std::make_shared<Local>(QueueCore::attach(std::move(ref)));
    }

  private:
    // Each thread keeps its serialisation and receive buffers up to this
    // size (a large message then costs no allocation, no page fault).
    static constexpr std::size_t kKeptBuffer = std::size_t{64} << 20;
    struct Local {
        explicit Local(QueueCore c) noexcept : core(std::move(c)) {}
        QueueCore core;
        std::atomic<bool> closed{false};
    };
    void check_closed() const {
        if (local_->closed.load(std::memory_order_relaxed)) throw ValueError("Queue is closed");
    }

    std::shared_ptr<Local> local_;
};

}  // namespace detail

template <class T>
requires detail::Serialisable<T>
class Queue {
  public:
    using value_type = T;

    // A queue of at most `maxsize` messages (<= 0: "unbounded", see the
    // file comment). OSError if the shared segment cannot be created.
    explicit Queue(std::ptrdiff_t maxsize = 0) : handle_(maxsize, "concur-mp-queue") {}

    // Puts `item`. Blocks while the queue is full (with `block` false: Full
    // at once). Throws Full, ValueError (closed), what T's serialisation
    // throws. Thread-safe.
    void put(const T& item, bool block = true) { handle_.put_item(item, block, nullptr, task_); }
    // Blocks at most `timeout` (negative: zero), then Full. `block` false
    // ignores the timeout, as Python's put.
    template <class Rep, class Period>
    void put(const T& item, bool block, std::chrono::duration<Rep, Period> timeout) {
        const auto deadline = concur::detail::deadline_after(timeout);
        handle_.put_item(item, block, block ? &deadline : nullptr, task_);
    }
    template <class Rep, class Period>
    void put(const T& item, std::chrono::duration<Rep, Period> timeout) {
        put(item, true, timeout);
    }
    // put(item, false): Full at once if the queue is full.
    void put_nowait(const T& item) { put(item, false); }

    // Removes and returns the oldest message. Blocks while the queue is
    // empty (with `block` false: Empty at once). Throws Empty, ValueError
    // (closed, or a message that is not a T). Thread-safe.
    T get(bool block = true) { return handle_.get_item(block, nullptr); }
    template <class Rep, class Period>
    T get(bool block, std::chrono::duration<Rep, Period> timeout) {
        const auto deadline = concur::detail::deadline_after(timeout);
        return handle_.get_item(block, block ? &deadline : nullptr);
    }
    template <class Rep, class Period>
    T get(std::chrono::duration<Rep, Period> timeout) {
        return get(true, timeout);
    }
    // get(false): Empty at once if the queue is empty.
    T get_nowait() { return get(false); }

    // Messages waiting (approximate). Never blocks.
    std::size_t qsize() const noexcept { return handle_.core().qsize(); }
    bool empty() const noexcept { return qsize() == 0; }
    // Whether a put would block now: maxsize messages wait (unbounded: the
    // ring is full). Never blocks.
    bool full() const noexcept { return handle_.core().full(); }
    // Python's _maxsize (0 for an unbounded queue).
    std::ptrdiff_t maxsize() const noexcept { return handle_.core().maxsize(); }

    // Python's close(): put/get through this handle (and its copies in this
    // process) raise ValueError from now on. Never blocks; idempotent.
    void close() noexcept { handle_.close(); }
    // No feeder thread here (see the file comment): nothing to wait for.
    void join_thread() noexcept {}
    void cancel_join_thread() noexcept {}

    // Serialisation for a "spawn"/"forkserver" child (cereal; RuntimeError
    // outside a process start).
    template <class Archive>
    void save(Archive& archive) const {
        handle_.save(archive);
    }
    template <class Archive>
    void load(Archive& archive) {
        handle_.load(archive);
    }

  protected:
    friend struct detail::QueueAccess;
    Queue(std::ptrdiff_t maxsize, const char* name, bool task)
        : handle_(maxsize, name), task_(task) {}
    detail::QueueHandle<T> handle_;

  private:
    bool task_ = false;
};

// Python's JoinableQueue: a Queue whose puts count as unfinished tasks until
// a getter calls task_done() for each.
template <class T>
requires detail::Serialisable<T>
class JoinableQueue : public Queue<T> {
  public:
    explicit JoinableQueue(std::ptrdiff_t maxsize = 0)
        : Queue<T>(maxsize, "concur-mp-joinable-queue", true) {}

    // Marks one message as processed. Never blocks. ValueError when called
    // more times than messages were put. Thread-safe, from any process.
    void task_done() {
        if (!this->handle_.core().task_done())
            throw ValueError("task_done() called too many times");
    }
    // Blocks until every message put has been task_done()'d.
    void join() { this->handle_.core().join(nullptr); }
    // Extension: join with a bound; returns whether the count reached zero.
    template <class Rep, class Period>
    bool join(std::chrono::duration<Rep, Period> timeout) {
        const auto deadline = concur::detail::deadline_after(timeout);
        return this->handle_.core().join(&deadline);
    }
};

// Python's SimpleQueue: put, get, empty, close. Unbounded as Queue(0).
template <class T>
requires detail::Serialisable<T>
class SimpleQueue {
  public:
    using value_type = T;

    SimpleQueue() : handle_(0, "concur-mp-simple-queue") {}

    // Puts `item`; blocks only while 65,536 messages wait (see Queue).
    // ValueError once closed.
    void put(const T& item) { handle_.put_item(item, true, nullptr); }
    // Removes and returns the oldest message, blocking while there is none.
    // ValueError once closed.
    T get() { return handle_.get_item(true, nullptr); }
    bool empty() const noexcept { return handle_.core().qsize() == 0; }
    // put/get through this handle raise ValueError from now on (Python's
    // closed pipes raise OSError there).
    void close() noexcept { handle_.close(); }

    template <class Archive>
    void save(Archive& archive) const {
        handle_.save(archive);
    }
    template <class Archive>
    void load(Archive& archive) {
        handle_.load(archive);
    }

  private:
    detail::QueueHandle<T> handle_;
};

}  // namespace concur::multiprocessing

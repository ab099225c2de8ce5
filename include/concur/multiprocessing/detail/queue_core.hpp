// concur/multiprocessing/detail/queue_core.hpp -- private: the shared-memory
// message queue behind multiprocessing's Queue, SimpleQueue and JoinableQueue.
//
// One memfd segment (shared_segment.hpp) holds, in this order:
//
//   QueueHeader   positions, sizes, the task counter, the large-message
//                 stream's lock and counters;
//   Cell[capacity]  a bounded MPMC ring of 64-byte cells (Vyukov's design, as
//                 queue/detail/bounded_ring.hpp), each with a 64-bit word and
//                 up to kInline (48) bytes of message;
//   stream        kStreamBytes of circular byte buffer for larger messages.
//
// Why not BoundedRing itself: it owns its cells through unique_ptr<Cell[]>,
// holds an element type T (here the cells hold bytes whose length varies),
// and it has no notion of a claimer that dies. The cell protocol below is
// BoundedRing's with one change: the claim. BoundedRing claims a position
// with a CAS on tail_/head_ alone, so a claimer that dies before publishing
// leaves nobody to blame. Here a claimer first writes its pid into the cell's
// word with a CAS (that CAS is the claim), then advances tail_/head_ -- which
// anyone who sees a claimed cell at the position also does (helping), so a
// claimer that dies between the two steps does not stop the others.
//
// The cell word: low 32 bits = stamp ((position - the cell's index) << 1,
// wrapping: zero-filled memory is then the initial state, cell i free for
// position i) | sleepers (bit 0, waiter.hpp's); high 32 bits = claimer pid (bits 0..29) | kLost
// (bit 30). A producer may claim cell p when its stamp is p and it has no
// claimer, publishes with stamp p + 1 (claimer cleared); a consumer claims
// stamp p + 1 and hands the cell back with stamp p + capacity. Waiters park
// (process-shared futex) on the low half, which every publish and hand-back
// changes. Claims change only the high half: nobody waits for a claim.
//
// A dead claimer: waiters park in slices of kSlice (50 ms); when a slice ends
// with the awaited cell claimed by a process that no longer exists (or is a
// zombie: robust_lock_word.hpp's process_alive), the waiter completes the
// dead process's step with a CAS from the word it saw: a consumer publishes
// the cell with the kLost mark (getters skip it: that one message is lost), a
// producer hands a cell back whose consumer died (that message is lost).
//
// Memory ordering: as BoundedRing. The publish exchange (release) orders the
// message bytes written before it; the consumer's acquire load of the word
// makes them visible; the hand-back exchange (release) after copying out
// gives the cell to the next lap's producer. The claim CAS is acq_rel: a
// consumer's claim must see the producer's bytes (it read the word with
// acquire first anyway). tail_/head_ only arbitrate (relaxed). The
// publish/hand-back exchange is a put's or get's last access to the cell, and
// wakes sleepers only if its previous value had the sleepers bit
// (waiter.hpp's contract).
//
// Large messages (more than kInline bytes) go through the stream: the putter
// takes the stream's RobustLockWord, publishes a cell that says "L bytes at
// stream offset S", then copies the bytes into the circular buffer chunk by
// chunk, advancing `stream_written` (wakes readers); it releases the lock
// after the last chunk. Because cells of large messages are claimed under the
// lock, their stream order is their ring order. A getter that takes such a
// cell waits until `stream_read` reaches S (the large messages before it were
// read), then copies the chunks as they arrive, advancing `stream_read`
// (wakes the writer, and the next large-message reader). A message of up to
// kStreamBytes is copied in one go once there is room for all of it (so its
// put honours its timeout), and read in place when it does not wrap around
// the buffer's end (the getter deserialises straight from shared memory); a
// longer one is streamed through the buffer and its put waits for a getter
// to read it.
//
// A dead process in the stream. Its waits are cut in 50 ms slices too; after
// each, the waiter looks for (unstick_stream): a reader that had the turn
// and died (its token, current_thread_token(), is in the header with the
// end of its message: the read position jumps there -- that message is
// lost); a writer that died holding the lock (RobustLockWord tells; whoever
// takes the lock over finds stream_written short of stream_reserved, records
// [start, reserved) as lost in a small table of kLostRecords (16) ranges and
// declares the bytes written); and a lost range at the read position that
// nobody will read (its cell was never published): the read position skips
// it. A reader checks the table before it reads and after it waited for the
// bytes, and skips its message if lost; it moves the read position only with
// a CAS from where it expects it, so a skip done by another process is never
// counted twice.
//
// Both stream counters hold `bytes << 1 | sleepers`; they only grow (by less
// than 2^31 per change), so every change alters the low 32 bits a 64-bit
// park watches.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include <concur/detail/deadline.hpp>
#include <concur/multiprocessing/detail/shared_segment.hpp>
#include <concur/multiprocessing/detail/wire.hpp>

namespace concur::multiprocessing::detail {

struct QueueHeader;
struct QueueCell;

enum class QueueStatus { done, would_block, timed_out };

// What get() hands a message to: `consume` is called once with the
// message's bytes, valid only during the call (a large message is read in
// place in the shared buffer when it lies there in one piece). What it throws
// propagates from get(); the message is consumed either way.
struct QueueSink {
    void* context;
    void (*consume)(void* context, std::span<const std::byte> bytes);
};

class QueueCore {
  public:
    // The bytes a cell holds: longer messages go through the stream.
    static constexpr std::size_t kInline = 48;
    // Cells of an "unbounded" queue (maxsize <= 0): puts block beyond that.
    static constexpr std::size_t kUnboundedCells = std::size_t{1} << 16;
    // The most cells a bounded queue gets; a larger maxsize is clamped.
    static constexpr std::size_t kMaxCells = std::size_t{1} << 24;
    // The large-message buffer.
    static constexpr std::size_t kStreamBytes = std::size_t{32} << 20;

    QueueCore() = default;
    // A new queue holding at most `maxsize` messages (<= 0: kUnboundedCells).
    // OSError if the segment cannot be created.
    static QueueCore create(std::ptrdiff_t maxsize, const char* name);

    // Puts one message: the concatenation of `parts`. would_block (block
    // false) / timed_out: nothing was put.
    QueueStatus put(std::span<const std::span<const std::byte>> parts, bool block,
                    const concur::detail::Deadline* deadline);
    // Gets one message and hands it to `sink`. `buffer` gathers a large
    // message that cannot be read in place (the caller keeps it from one get
    // to the next: it only grows, so that large messages cost no allocation).
    QueueStatus get(const QueueSink& sink, Bytes& buffer, bool block,
                    const concur::detail::Deadline* deadline);

    // Messages in the ring (approximate while others operate on it).
    std::size_t qsize() const noexcept;
    std::ptrdiff_t maxsize() const noexcept;
    // Whether a put would block now (maxsize reached, or the ring is full).
    bool full() const noexcept;

    // JoinableQueue's unfinished-task counter.
    void add_task() noexcept;
    void remove_task() noexcept;  // a failed put: undo add_task()
    bool task_done() noexcept;    // false: the count was already zero
    bool join(const concur::detail::Deadline* deadline) noexcept;
    std::uint32_t unfinished() const noexcept;

    // Tests only: claims the next cell as a putter (as a getter) and returns
    // without finishing, as a process killed right after its claim would.
    // false if the cell was not ready to claim.
    bool claim_and_abandon_for_testing(bool as_getter) noexcept;
    // Tests only: puts a large message of `length` bytes but writes only
    // half of it and keeps the stream's lock, as a putter killed mid-copy
    // would. / Gets a large message and reads only half of it, as a getter
    // killed mid-copy would.
    bool abandon_large_put_for_testing(std::size_t length) noexcept;
    bool abandon_large_get_for_testing() noexcept;

    bool valid() const noexcept { return ref_.segment != nullptr; }
    const SegmentRef& ref() const noexcept { return ref_; }
    // A core over a received segment: ValueError if it is not a queue.
    static QueueCore attach(SegmentRef ref);

    // This process's mapped prefixes of the ring and of the stream
    // (queue_core.cpp's map_ahead()).
    struct Mapped {
        std::atomic<std::uint64_t> ring{0};
        std::atomic<std::uint64_t> stream{0};
    };

  private:
    explicit QueueCore(SegmentRef ref)
        : ref_(std::move(ref)), mapped_(std::make_shared<Mapped>()) {}
    QueueHeader& header() const noexcept { return *ref_.get<QueueHeader>(); }

    SegmentRef ref_;
    std::shared_ptr<Mapped> mapped_;
};

}  // namespace concur::multiprocessing::detail

// The shared-memory message queue of detail/queue_core.hpp: the ring of
// cells with pid-stamped claims, and the large-message stream.
#include <concur/multiprocessing/detail/queue_core.hpp>

#include <algorithm>
#include <bit>
#include <chrono>
#include <climits>
#include <cstring>
#include <new>

#include <concur/detail/prefault.hpp>
#include <concur/detail/semaphore_word.hpp>
#include <concur/detail/waiter.hpp>
#include <concur/exceptions.hpp>
#include <concur/multiprocessing/detail/robust_lock_word.hpp>

namespace concur::multiprocessing::detail {

using concur::detail::Clock;
using concur::detail::Deadline;
using concur::detail::WordScope;
using Gate = concur::detail::SemaphoreWord<WordScope::process_shared>;

namespace {
constexpr std::uint32_t kMagic = 0x43515545;  // "CQUE"
constexpr std::uint64_t kSleepers = 1;        // waiter.hpp's bit, in cells and counters
constexpr std::uint64_t kOwnerMask = ((std::uint64_t{1} << 30) - 1) << 32;
constexpr std::uint64_t kLost = std::uint64_t{1} << 62;
constexpr std::uint32_t kLargeMessage = 1;  // QueueCell::flags
constexpr auto kSlice = std::chrono::milliseconds(50);
constexpr auto kScope = WordScope::process_shared;
constexpr std::size_t kLostRecords = 16;
constexpr std::uint64_t kMapWindow = 256 * 1024;
}  // namespace

struct QueueCell {
    std::atomic<std::uint64_t> word;  // see the header comment
    std::uint32_t size;
    std::uint32_t flags;
    std::byte payload[QueueCore::kInline];
};
static_assert(sizeof(QueueCell) == 64);

struct QueueHeader {
    QueueHeader(std::uint64_t cells, std::int64_t max, std::uint64_t cells_at,
                std::uint64_t stream_at) noexcept
        : capacity(cells),
          mask(std::has_single_bit(cells) ? cells - 1 : 0),
          maxsize(max),
          cells_offset(cells_at),
          stream_offset(stream_at),
          gate(1, 1) {}

    std::uint32_t magic = kMagic;
    std::uint32_t cell_size = sizeof(QueueCell);
    std::uint64_t capacity;
    std::uint64_t mask;  // capacity - 1 for powers of two, else 0 (use %)
    std::int64_t maxsize;
    std::uint64_t cells_offset;
    std::uint64_t stream_offset;
    std::uint64_t stream_bytes = QueueCore::kStreamBytes;
    Gate gate;  // maxsize == 1 only: the ring needs two cells
    alignas(64) std::atomic<std::uint64_t> tail{0};
    alignas(64) std::atomic<std::uint64_t> head{0};
    alignas(64) std::atomic<std::uint32_t> unfinished{0};  // count << 1 | sleepers
    alignas(64) RobustLockWord stream_lock;
    std::uint64_t stream_reserved = 0;       // where the next large message goes; under the lock
    std::uint64_t stream_writing_start = 0;  // the last one's start; under the lock
    // Messages whose writer died: [lost_from, lost_to) ranges, the last
    // kLostRecords of them (written under the lock).
    std::atomic<std::uint64_t> lost_count{0};
    std::atomic<std::uint64_t> lost_from[kLostRecords];
    std::atomic<std::uint64_t> lost_to[kLostRecords];
    // The reader whose turn it is (current_thread_token(), 0: none) and the
    // end of its message.
    alignas(64) std::atomic<std::uint64_t> stream_reader{0};
    std::atomic<std::uint64_t> stream_reader_end{0};
    alignas(64) std::atomic<std::uint64_t> stream_written{0};  // bytes << 1 | sleepers
    alignas(64) std::atomic<std::uint64_t> stream_read{0};     // bytes << 1 | sleepers
};

namespace {

std::uint64_t round_up(std::uint64_t n, std::uint64_t to) noexcept {
    return (n + to - 1) / to * to;
}

QueueCell* cells(QueueHeader& h) noexcept {
    return reinterpret_cast<QueueCell*>(reinterpret_cast<unsigned char*>(&h) + h.cells_offset);
}
unsigned char* stream(QueueHeader& h) noexcept {
    return reinterpret_cast<unsigned char*>(&h) + h.stream_offset;
}
std::uint64_t index_of(const QueueHeader& h, std::uint64_t position) noexcept {
    return h.mask != 0 ? (position & h.mask) : (position % h.capacity);
}
QueueCell& cell_at(QueueHeader& h, std::uint64_t position) noexcept {
    return cells(h)[index_of(h, position)];
}

// The stamp a cell's word holds when it is the turn of `position`, for the
// cell that holds `cell_position` (a cell serves positions p, p + 1 and
// p + capacity). Stamps are relative to the cell's index, so that the
// zero-filled segment is the ring's initial state (cell i free for position
// i) and creating a queue touches no page of its ring.
std::uint32_t stamp_for(const QueueHeader& h, std::uint64_t cell_position,
                        std::uint64_t position) noexcept {
    return static_cast<std::uint32_t>((position - index_of(h, cell_position)) << 1);
}
// How far the cell's stamp is ahead of `position`'s (0: its turn; < 0: an
// earlier turn is pending; > 0: `position` is stale). Only the sign matters.
std::int32_t distance(const QueueHeader& h, std::uint64_t word, std::uint64_t cell_position,
                      std::uint64_t position) noexcept {
    return static_cast<std::int32_t>((static_cast<std::uint32_t>(word) & ~std::uint32_t{1}) -
                                     stamp_for(h, cell_position, position));
}

pid_t owner(std::uint64_t word) noexcept {
    return static_cast<pid_t>((word & kOwnerMask) >> 32);
}
std::uint64_t me() noexcept {
    return static_cast<std::uint64_t>(current_pid()) << 32;
}

// The claimer's step two, which anyone who sees the claim may do.
void help(std::atomic<std::uint64_t>& counter, std::uint64_t position) noexcept {
    counter.compare_exchange_strong(position, position + 1, std::memory_order_relaxed);
}

// Publishes or hands back: the cell's new word (no claimer), waking its
// sleepers. The last access to the cell.
void release_cell(QueueCell& cell, std::uint64_t word) noexcept {
    if (cell.word.exchange(word, std::memory_order_release) & kSleepers)
        concur::detail::unpark(cell.word, INT_MAX, kScope);
}

// Replaces `seen` (claimed by a dead process) by `word`; true if done.
bool repair_cell(QueueCell& cell, std::uint64_t seen, std::uint64_t word) noexcept {
    if (!cell.word.compare_exchange_strong(seen, word, std::memory_order_acq_rel,
                                           std::memory_order_relaxed))
        return false;
    if (seen & kSleepers) concur::detail::unpark(cell.word, INT_MAX, kScope);
    return true;
}

bool claimed_by_dead(std::uint64_t word) noexcept {
    const pid_t pid = owner(word);
    return pid != 0 && !process_alive(pid);
}

// What try_get() took from a cell.
struct Taken {
    bool large = false;
    std::uint64_t start = 0;   // large: where in the stream
    std::uint64_t length = 0;  // large: how long; small: the bytes in `small`
    alignas(16) std::byte small[QueueCore::kInline];
};

// One attempt to put: claims the tail cell, fills it, publishes it. false if
// the ring is full.
template <class Fill>
bool try_put(QueueHeader& h, Fill&& fill) noexcept {
    std::uint64_t position = h.tail.load(std::memory_order_relaxed);
    for (;;) {
        QueueCell& cell = cell_at(h, position);
        std::uint64_t word = cell.word.load(std::memory_order_acquire);
        const std::int32_t d = distance(h, word, position, position);
        if (d == 0) {
            if (word & kOwnerMask) {  // claimed: help it along
                help(h.tail, position);
                position = h.tail.load(std::memory_order_relaxed);
                continue;
            }
            if (cell.word.compare_exchange_strong(word, word | me(), std::memory_order_acq_rel,
                                                  std::memory_order_relaxed)) {
                help(h.tail, position);
                fill(cell);
                release_cell(cell, stamp_for(h, position, position + 1));
                return true;
            }
        } else if (d < 0) {
            const std::uint64_t now = h.tail.load(std::memory_order_relaxed);
            if (now == position) return false;
            position = now;
        } else {
            position = h.tail.load(std::memory_order_relaxed);
        }
    }
}

// One attempt to get: claims the head cell, copies it out, hands it back.
// Cells published lost are skipped. false if the ring is empty.
bool try_get(QueueHeader& h, Taken& taken) noexcept {
    std::uint64_t position = h.head.load(std::memory_order_relaxed);
    for (;;) {
        QueueCell& cell = cell_at(h, position);
        std::uint64_t word = cell.word.load(std::memory_order_acquire);
        const std::int32_t d = distance(h, word, position, position + 1);
        if (d == 0) {
            if (word & kOwnerMask) {
                help(h.head, position);
                position = h.head.load(std::memory_order_relaxed);
                continue;
            }
            if (cell.word.compare_exchange_strong(word, word | me(), std::memory_order_acq_rel,
                                                  std::memory_order_relaxed)) {
                help(h.head, position);
                const bool lost = (word & kLost) != 0;
                if (!lost) {
                    if (cell.flags & kLargeMessage) {
                        taken.large = true;
                        std::memcpy(&taken.start, cell.payload, 8);
                        std::memcpy(&taken.length, cell.payload + 8, 8);
                    } else {
                        taken.large = false;
                        taken.length = cell.size;
                        std::memcpy(taken.small, cell.payload, cell.size);
                    }
                }
                release_cell(cell, stamp_for(h, position, position + h.capacity));
                if (!lost) return true;
                position = h.head.load(std::memory_order_relaxed);
            }
        } else if (d < 0) {
            const std::uint64_t now = h.head.load(std::memory_order_relaxed);
            if (now == position) return false;
            position = now;
        } else {
            position = h.head.load(std::memory_order_relaxed);
        }
    }
}

// Maps the pages of [begin, end) (offsets from the header) up to the
// kMapWindow-aligned window holding offset `through` into this process's
// page tables with one madvise, unless `mapped` says they are. A page a
// process touches first otherwise costs it a fault (10-15 us on a VM): W6's
// producer and consumer took 2,000 of them in their first lap around the
// 4 MiB ring of an unbounded queue, a third of the run. The ring's cells and
// the stream are used from their start on, so what is mapped is a prefix;
// `mapped` holds pid << 32 | windows, per process: a forked child maps its
// own (fork() does not copy the page tables of shared mappings).
void map_ahead(QueueHeader& h, std::atomic<std::uint64_t>& mapped, std::uint64_t begin,
               std::uint64_t end, std::uint64_t through) noexcept {
    const std::uint64_t pid = static_cast<std::uint32_t>(current_pid());
    const std::uint64_t seen = mapped.load(std::memory_order_relaxed);
    const std::uint64_t until = (seen >> 32) == pid ? (seen & 0xffffffff) * kMapWindow : begin;
    if (through < until) return;
    const std::uint64_t to = std::min(end, (through / kMapWindow + 1) * kMapWindow);
    if (to > until)
        concur::detail::prefault_for_writing(reinterpret_cast<unsigned char*>(&h) + until,
                                             to - until, 0);
    mapped.store(pid << 32 | (to + kMapWindow - 1) / kMapWindow, std::memory_order_relaxed);
}

// The ring's cells up to the one after `counter`'s position.
void map_ring(QueueHeader& h, QueueCore::Mapped& mapped,
              const std::atomic<std::uint64_t>& counter) noexcept {
    const std::uint64_t next = index_of(h, counter.load(std::memory_order_relaxed)) + 1;
    map_ahead(h, mapped.ring, h.cells_offset, h.stream_offset,
              h.cells_offset + std::min(next, h.capacity - 1) * sizeof(QueueCell));
}

// The stream's bytes of the message [start, start + length).
void map_stream(QueueHeader& h, QueueCore::Mapped& mapped, std::uint64_t start,
                std::uint64_t length) noexcept {
    const std::uint64_t offset = start % h.stream_bytes;
    const std::uint64_t last =
        offset + length > h.stream_bytes ? h.stream_bytes - 1 : offset + length - 1;
    map_ahead(h, mapped.stream, h.stream_offset, h.stream_offset + h.stream_bytes,
              h.stream_offset + last);
}

Deadline slice_end(const Deadline* deadline) noexcept {
    const Deadline slice = Clock::now() + kSlice;
    return deadline != nullptr && *deadline < slice ? *deadline : slice;
}

// Parks on the tail cell until it may be claimed (or the tail moved); false
// only when `deadline` passed. Repairs a cell a dead process left claimed.
bool wait_for_room(QueueHeader& h, const Deadline* deadline) noexcept {
    for (;;) {
        const std::uint64_t position = h.tail.load(std::memory_order_seq_cst);
        QueueCell& cell = cell_at(h, position);
        const Deadline slice = slice_end(deadline);
        if (concur::detail::wait_on(
                cell.word, kSleepers,
                [&](std::uint64_t word) { return distance(h, word, position, position) >= 0; },
                [&] { return h.tail.load(std::memory_order_seq_cst) != position; }, &slice, kScope))
            return true;
        const std::uint64_t word = cell.word.load(std::memory_order_acquire);
        if (claimed_by_dead(word)) {
            const std::uint64_t previous = position - h.capacity;
            if (distance(h, word, position, previous) == 0)  // its producer died
                repair_cell(cell, word, stamp_for(h, position, previous + 1) | kLost);
            else if (distance(h, word, position, previous + 1) == 0)  // its consumer died
                repair_cell(cell, word, stamp_for(h, position, position));
            return true;
        }
        if (deadline != nullptr && Clock::now() >= *deadline) return false;
    }
}

// Parks on the head cell until it is published (or the head moved); false
// only when `deadline` passed. Repairs a cell whose producer died.
bool wait_for_item(QueueHeader& h, const Deadline* deadline) noexcept {
    for (;;) {
        const std::uint64_t position = h.head.load(std::memory_order_seq_cst);
        QueueCell& cell = cell_at(h, position);
        const Deadline slice = slice_end(deadline);
        if (concur::detail::wait_on(
                cell.word, kSleepers,
                [&](std::uint64_t word) { return distance(h, word, position, position + 1) >= 0; },
                [&] { return h.head.load(std::memory_order_seq_cst) != position; }, &slice, kScope))
            return true;
        const std::uint64_t word = cell.word.load(std::memory_order_acquire);
        if (claimed_by_dead(word) && distance(h, word, position, position) == 0) {
            repair_cell(cell, word, stamp_for(h, position, position + 1) | kLost);
            return true;
        }
        if (deadline != nullptr && Clock::now() >= *deadline) return false;
    }
}

// --- the stream's counters: bytes << 1 | sleepers --------------------------

std::uint64_t count(const std::atomic<std::uint64_t>& counter) noexcept {
    return counter.load(std::memory_order_acquire) >> 1;
}
void advance(std::atomic<std::uint64_t>& counter, std::uint64_t n) noexcept {
    std::uint64_t old = counter.load(std::memory_order_relaxed);
    while (!counter.compare_exchange_weak(old, ((old >> 1) + n) << 1, std::memory_order_seq_cst,
                                          std::memory_order_relaxed)) {
    }
    if (old & kSleepers) concur::detail::unpark(counter, INT_MAX, kScope);
}
// Waits until the counter reaches `target`; false only when `deadline` passed.
bool wait_count(std::atomic<std::uint64_t>& counter, std::uint64_t target,
                const Deadline* deadline) noexcept {
    return concur::detail::wait_on(
        counter, kSleepers, [&](std::uint64_t value) { return (value >> 1) >= target; }, deadline,
        kScope);
}

// Moves stream_read from exactly `from` to `to`; false if it was elsewhere.
bool step_read(QueueHeader& h, std::uint64_t from, std::uint64_t to) noexcept {
    std::uint64_t old = h.stream_read.load(std::memory_order_relaxed);
    for (;;) {
        if ((old >> 1) != from) return false;
        if (h.stream_read.compare_exchange_weak(old, to << 1, std::memory_order_seq_cst,
                                                std::memory_order_relaxed))
            break;
    }
    if (old & kSleepers) concur::detail::unpark(h.stream_read, INT_MAX, kScope);
    return true;
}

bool recorded_lost(QueueHeader& h, std::uint64_t from, std::uint64_t to) noexcept {
    for (std::size_t i = 0; i < kLostRecords; ++i)
        if (h.lost_to[i].load(std::memory_order_seq_cst) == to &&
            h.lost_from[i].load(std::memory_order_seq_cst) == from)
            return true;
    return false;
}

// Holding the stream lock: if the previous holder died before writing all
// of its message, records the message as lost and declares its bytes written
// (so that the stream moves on; its reader, if any, skips it).
void repair_dead_writer(QueueHeader& h) noexcept {
    const std::uint64_t written = count(h.stream_written);
    if (written >= h.stream_reserved) return;
    const std::size_t i = h.lost_count.fetch_add(1, std::memory_order_relaxed) % kLostRecords;
    h.lost_to[i].store(0, std::memory_order_seq_cst);
    h.lost_from[i].store(h.stream_writing_start, std::memory_order_seq_cst);
    h.lost_to[i].store(h.stream_reserved, std::memory_order_seq_cst);
    advance(h.stream_written, h.stream_reserved - written);
}

// Run by whoever waited a slice in the stream: completes what a dead process
// left -- a reader that had the turn (its message is skipped), a writer that
// held the lock (repair_dead_writer), a lost message nobody reads.
void unstick_stream(QueueHeader& h) noexcept {
    std::uint64_t reader = h.stream_reader.load(std::memory_order_seq_cst);
    if (reader != 0 && !process_alive(static_cast<pid_t>(reader >> 32))) {
        // A reader stores its token, then its end: the end read between two
        // equal tokens is the dead reader's.
        const std::uint64_t end = h.stream_reader_end.load(std::memory_order_seq_cst);
        if (h.stream_reader.load(std::memory_order_seq_cst) != reader) return;
        for (std::uint64_t at = count(h.stream_read); at < end; at = count(h.stream_read))
            if (step_read(h, at, end)) break;
        h.stream_reader.compare_exchange_strong(reader, 0, std::memory_order_acq_rel);
    }
    const pid_t writer = h.stream_lock.owner();
    if (writer != 0 && !process_alive(writer) && h.stream_lock.try_acquire()) {
        repair_dead_writer(h);
        h.stream_lock.release();
    }
    const std::uint64_t at = count(h.stream_read);
    for (std::size_t i = 0; i < kLostRecords; ++i) {
        const std::uint64_t to = h.lost_to[i].load(std::memory_order_seq_cst);
        if (to > at && h.lost_from[i].load(std::memory_order_seq_cst) == at) step_read(h, at, to);
    }
}

// wait_count() in slices, looking for dead processes after each.
bool wait_stream(QueueHeader& h, std::atomic<std::uint64_t>& counter, std::uint64_t target,
                 const Deadline* deadline) noexcept {
    for (;;) {
        const Deadline slice = slice_end(deadline);
        if (wait_count(counter, target, &slice)) return true;
        unstick_stream(h);
        if (deadline != nullptr && Clock::now() >= *deadline) return count(counter) >= target;
    }
}

// Copies `n` bytes of the message made of `parts`, from its byte `from`,
// into the stream at `at`.
void copy_in(QueueHeader& h, std::uint64_t at, std::span<const std::span<const std::byte>> parts,
             std::uint64_t from, std::uint64_t n) noexcept {
    for (const auto& part : parts) {
        if (n == 0) return;
        if (from >= part.size()) {
            from -= part.size();
            continue;
        }
        const std::uint64_t take = std::min<std::uint64_t>(n, part.size() - from);
        const std::uint64_t offset = at % h.stream_bytes;
        const std::uint64_t first = std::min(take, h.stream_bytes - offset);
        std::memcpy(stream(h) + offset, part.data() + from, first);
        if (first < take) std::memcpy(stream(h), part.data() + from + first, take - first);
        at += take;
        n -= take;
        from = 0;
    }
}
void copy_out(QueueHeader& h, std::uint64_t at, std::byte* to, std::uint64_t n) noexcept {
    const std::uint64_t offset = at % h.stream_bytes;
    const std::uint64_t first = std::min(n, h.stream_bytes - offset);
    std::memcpy(to, stream(h) + offset, first);
    if (first < n) std::memcpy(to + first, stream(h), n - first);
}

class StreamLock {
  public:
    explicit StreamLock(RobustLockWord& word) noexcept : word_(&word) {}
    StreamLock(const StreamLock&) = delete;
    StreamLock& operator=(const StreamLock&) = delete;
    ~StreamLock() {
        if (held_) word_->release();
    }
    bool take(bool block, const Deadline* deadline) noexcept {
        held_ = block ? word_->acquire(deadline) : word_->try_acquire();
        return held_;
    }

  private:
    RobustLockWord* word_;
    bool held_ = false;
};

}  // namespace

QueueCore QueueCore::create(std::ptrdiff_t maxsize, const char* name) {
    std::uint64_t capacity = kUnboundedCells;
    if (maxsize > 0)
        capacity = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(maxsize), 2, kMaxCells);
    const std::uint64_t cells_at = round_up(sizeof(QueueHeader), 64);
    const std::uint64_t stream_at = round_up(cells_at + capacity * sizeof(QueueCell), 4096);
    SegmentRef ref{SharedSegment::create(stream_at + kStreamBytes, name), 0};
    new (ref.segment->data()) QueueHeader(capacity, maxsize > 0 ? maxsize : 0, cells_at, stream_at);
    return QueueCore(std::move(ref));  // cells: zero-filled is the initial state
}

QueueCore QueueCore::attach(SegmentRef ref) {
    if (ref.segment->size() < sizeof(QueueHeader) + ref.offset)
        throw ValueError("the segment received is not a queue");
    const QueueHeader& h = *ref.get<QueueHeader>();
    if (h.magic != kMagic || h.cell_size != sizeof(QueueCell) ||
        h.stream_offset + h.stream_bytes > ref.segment->size())
        throw ValueError("the segment received is not a queue");
    return QueueCore(std::move(ref));
}

QueueStatus QueueCore::put(std::span<const std::span<const std::byte>> parts, bool block,
                           const Deadline* deadline) {
    QueueHeader& h = header();
    const bool gated = h.maxsize == 1;
    const QueueStatus failed = block ? QueueStatus::timed_out : QueueStatus::would_block;
    std::uint64_t length = 0;
    for (const auto& part : parts) length += part.size();

    // Puts the cell `fill` writes, blocking as asked. The gate (maxsize 1) is
    // taken first and given back if nothing was put.
    auto put_cell = [&](auto&& fill) -> bool {
        if (gated && !(block ? h.gate.acquire(deadline) : h.gate.try_acquire())) return false;
        map_ring(h, *mapped_, h.tail);
        for (;;) {
            if (try_put(h, fill)) return true;
            if (!block || !wait_for_room(h, deadline)) {
                if (block && try_put(h, fill)) return true;  // a hand-back racing the timeout
                if (gated) h.gate.release(1);
                return false;
            }
        }
    };

    if (length <= kInline) {
        const auto fill = [&](QueueCell& cell) noexcept {
            cell.size = static_cast<std::uint32_t>(length);
            cell.flags = 0;
            std::size_t at = 0;
            for (const auto& part : parts) {
                if (!part.empty()) std::memcpy(cell.payload + at, part.data(), part.size());
                at += part.size();
            }
        };
        return put_cell(fill) ? QueueStatus::done : failed;
    }

    // A large message: see the header comment.
    StreamLock lock(h.stream_lock);
    if (!lock.take(block, deadline)) return failed;
    repair_dead_writer(h);  // if the lock was taken over from a dead writer
    const std::uint64_t start = h.stream_reserved;
    if (length <= h.stream_bytes && start + length > h.stream_bytes) {
        // Room for all of it before committing, so that the timeout holds.
        const std::uint64_t need = start + length - h.stream_bytes;
        if (count(h.stream_read) < need &&
            (!block || !wait_stream(h, h.stream_read, need, deadline)))
            return failed;
    }
    const auto fill = [&](QueueCell& cell) noexcept {
        cell.size = 0;
        cell.flags = kLargeMessage;
        std::memcpy(cell.payload, &start, 8);
        std::memcpy(cell.payload + 8, &length, 8);
    };
    // Reserved before the cell is published: if we die from here on, the
    // next holder of the lock (or a waiting reader) finds the message short.
    h.stream_writing_start = start;
    h.stream_reserved = start + length;
    if (!put_cell(fill)) {
        h.stream_reserved = start;
        return failed;
    }
    map_stream(h, *mapped_, start, length);
    std::uint64_t done = 0;
    while (done < length) {
        const std::uint64_t at = start + done;
        if (at >= h.stream_bytes) wait_stream(h, h.stream_read, at - h.stream_bytes + 1, nullptr);
        const std::uint64_t read = count(h.stream_read);
        // (A dead reader's message skipped may put `read` ahead of us.)
        const std::uint64_t room = read >= at ? h.stream_bytes : h.stream_bytes - (at - read);
        const std::uint64_t n = std::min(length - done, room);
        copy_in(h, at, parts, done, n);
        advance(h.stream_written, n);
        done += n;
    }
    return QueueStatus::done;
}

namespace {

// Reads the large message [start, start + length) and hands it to `sink`;
// false if it was lost (its writer died) and is skipped.
bool read_large(QueueHeader& h, QueueCore::Mapped& mapped, std::uint64_t start,
                std::uint64_t length, const QueueSink& sink, Bytes& buffer) {
    const std::uint64_t end = start + length;
    map_stream(h, mapped, start, length);
    // Our turn comes once the large messages before ours are read.
    wait_stream(h, h.stream_read, start, nullptr);
    if (recorded_lost(h, start, end)) {
        step_read(h, start, end);
        return false;
    }
    const std::uint64_t token = current_thread_token();
    h.stream_reader.store(token, std::memory_order_seq_cst);
    h.stream_reader_end.store(end, std::memory_order_seq_cst);
    struct EndTurn {  // destroyed last: after the read position moved on
        QueueHeader& h;
        std::uint64_t token;
        ~EndTurn() { h.stream_reader.compare_exchange_strong(token, 0, std::memory_order_acq_rel); }
    } end_turn{h, token};

    const std::uint64_t offset = start % h.stream_bytes;
    if (offset + length <= h.stream_bytes) {
        // In one piece: read it in place once it is all there.
        wait_stream(h, h.stream_written, end, nullptr);
        struct Consumed {  // also if the sink throws
            QueueHeader& h;
            std::uint64_t start, end;
            ~Consumed() { step_read(h, start, end); }
        } consumed{h, start, end};
        if (recorded_lost(h, start, end)) return false;
        sink.consume(sink.context,
                     std::span<const std::byte>(
                         reinterpret_cast<const std::byte*>(stream(h) + offset), length));
        return true;
    }
    if (buffer.size() < length) {
        buffer.clear();  // nothing to keep: resize() need not copy
        buffer.resize(length);
    }
    std::uint64_t done = 0;
    while (done < length) {
        const std::uint64_t at = start + done;
        wait_stream(h, h.stream_written, at + 1, nullptr);
        if (recorded_lost(h, start, end)) {
            step_read(h, at, end);
            return false;
        }
        const std::uint64_t n = std::min(length - done, count(h.stream_written) - at);
        copy_out(h, at, buffer.data() + done, n);
        if (!step_read(h, at, at + n)) return false;
        done += n;
    }
    sink.consume(sink.context, std::span<const std::byte>(buffer.data(), length));
    return true;
}

}  // namespace

QueueStatus QueueCore::get(const QueueSink& sink, Bytes& buffer, bool block,
                           const Deadline* deadline) {
    QueueHeader& h = header();
    map_ring(h, *mapped_, h.head);
    for (;;) {
        Taken taken;
        bool took = try_get(h, taken);
        while (!took) {
            if (!block) return QueueStatus::would_block;
            if (!wait_for_item(h, deadline)) {
                took = try_get(h, taken);  // a publish racing the timeout
                if (!took) return QueueStatus::timed_out;
            } else {
                took = try_get(h, taken);
            }
        }
        if (h.maxsize == 1) h.gate.release(1);
        if (!taken.large) {
            sink.consume(sink.context, std::span<const std::byte>(taken.small, taken.length));
            return QueueStatus::done;
        }
        if (read_large(h, *mapped_, taken.start, taken.length, sink, buffer))
            return QueueStatus::done;
        // Its writer died: skipped, like a lost cell; get the next one.
    }
}

bool QueueCore::abandon_large_put_for_testing(std::size_t length) noexcept {
    QueueHeader& h = header();
    if (!h.stream_lock.acquire(nullptr)) return false;
    repair_dead_writer(h);
    const std::uint64_t start = h.stream_reserved;
    const std::uint64_t total = length;
    h.stream_writing_start = start;
    h.stream_reserved = start + total;
    const bool put = try_put(h, [&](QueueCell& cell) noexcept {
        cell.size = 0;
        cell.flags = kLargeMessage;
        std::memcpy(cell.payload, &start, 8);
        std::memcpy(cell.payload + 8, &total, 8);
    });
    if (put) advance(h.stream_written, total / 2);  // half of it, then "dies" holding the lock
    return put;
}

bool QueueCore::abandon_large_get_for_testing() noexcept {
    QueueHeader& h = header();
    Taken taken;
    if (!try_get(h, taken) || !taken.large) return false;
    wait_stream(h, h.stream_read, taken.start, nullptr);
    h.stream_reader.store(current_thread_token(), std::memory_order_seq_cst);
    h.stream_reader_end.store(taken.start + taken.length, std::memory_order_seq_cst);
    step_read(h, taken.start, taken.start + taken.length / 2);  // half of it, then "dies"
    return true;
}

std::size_t QueueCore::qsize() const noexcept {
    const QueueHeader& h = header();
    const std::uint64_t head = h.head.load(std::memory_order_acquire);
    const std::uint64_t tail = h.tail.load(std::memory_order_acquire);
    return tail > head ? static_cast<std::size_t>(tail - head) : 0;
}

std::ptrdiff_t QueueCore::maxsize() const noexcept {
    return static_cast<std::ptrdiff_t>(header().maxsize);
}

bool QueueCore::full() const noexcept {
    const QueueHeader& h = header();
    const std::uint64_t limit = h.maxsize > 0 ? static_cast<std::uint64_t>(h.maxsize) : h.capacity;
    return qsize() >= limit;
}

void QueueCore::add_task() noexcept {
    header().unfinished.fetch_add(2, std::memory_order_seq_cst);
}

bool QueueCore::task_done() noexcept {
    std::atomic<std::uint32_t>& word = header().unfinished;
    std::uint32_t old = word.load(std::memory_order_relaxed);
    std::uint32_t next = 0;
    do {
        if ((old >> 1) == 0) return false;
        // The last task clears the sleepers bit: the joiners are woken below.
        next = (old >> 1) == 1 ? 0 : old - 2;
    } while (!word.compare_exchange_weak(old, next, std::memory_order_seq_cst,
                                         std::memory_order_relaxed));
    if (next == 0 && (old & kSleepers)) concur::detail::unpark(word, INT_MAX, kScope);
    return true;
}

void QueueCore::remove_task() noexcept {
    (void)task_done();
}

bool QueueCore::join(const Deadline* deadline) noexcept {
    return concur::detail::wait_on(
        header().unfinished, std::uint32_t{1},
        [](std::uint32_t value) { return (value >> 1) == 0; }, deadline, kScope);
}

bool QueueCore::claim_and_abandon_for_testing(bool as_getter) noexcept {
    QueueHeader& h = header();
    std::atomic<std::uint64_t>& counter = as_getter ? h.head : h.tail;
    const std::uint64_t position = counter.load(std::memory_order_relaxed);
    QueueCell& cell = cell_at(h, position);
    std::uint64_t word = cell.word.load(std::memory_order_acquire);
    if (distance(h, word, position, as_getter ? position + 1 : position) != 0 ||
        (word & kOwnerMask) != 0)
        return false;
    if (!cell.word.compare_exchange_strong(word, word | me(), std::memory_order_acq_rel,
                                           std::memory_order_relaxed))
        return false;
    help(counter, position);
    return true;
}

std::uint32_t QueueCore::unfinished() const noexcept {
    return header().unfinished.load(std::memory_order_acquire) >> 1;
}

}  // namespace concur::multiprocessing::detail

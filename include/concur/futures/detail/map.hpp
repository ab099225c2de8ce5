// concur/futures/detail/map.hpp -- private: Executor.map()'s machinery: the
// inputs copied as Python reads them, the chunks, and the ordered, lazily
// collected results.
//
// Results are written in place: map() allocates one vector of n slots, each
// chunk task writes its own slice of it, and to_vector() hands that vector
// over without copying (for a default-constructible R other than bool). A
// chunk that throws at item i stops there and reports i with the exception, so
// the exception surfaces exactly at its item, as Python's generator raises it.
//
// Memory ordering: the chunk tasks write disjoint slices; a reader touches a
// slice only after its chunk's future is done (an acquire on the future's
// state word), which orders the writes before the reads.
#pragma once

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <exception>
#include <iterator>
#include <memory>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>
#include <vector>

#include <concur/detail/deadline.hpp>
#include <concur/detail/prefault.hpp>
#include <concur/futures/future.hpp>

namespace concur::futures {

// Python's map() keyword arguments.
struct MapOptions {
    std::optional<std::chrono::nanoseconds> timeout = std::nullopt;
    std::size_t chunksize = 1;
};

}  // namespace concur::futures

namespace concur::futures::detail {

using concur::detail::Clock;
using concur::detail::Deadline;

// map()'s copy of one input. Python reads the iterables eagerly in the
// calling thread, zipping them until the shortest ends; so does this, into a
// vector, except for std::views::iota (bounded or not), which is kept as the
// view it is: its elements are computed, not stored.
template <class V>
struct IsIota : std::false_type {};
template <class W, class B>
struct IsIota<std::ranges::iota_view<W, B>> : std::true_type {};

template <class R>
constexpr bool kKeepAsView = IsIota<std::remove_cvref_t<R>>::value;

template <class R>
using Captured = std::conditional_t<kKeepAsView<R>, std::remove_cvref_t<R>,
                                    std::vector<std::ranges::range_value_t<R>>>;

// How many items `range` contributes to the zip: its size if known, else
// "unbounded" (the other inputs decide).
template <class R>
std::size_t known_size(const R& range) {
    if constexpr (std::ranges::sized_range<const R>)
        return static_cast<std::size_t>(std::ranges::size(range));
    else
        return static_cast<std::size_t>(-1);
}

// Copies at most `limit` items of `range`.
template <class R>
Captured<R> capture(R&& range, std::size_t limit) {
    if constexpr (kKeepAsView<R>) {
        return std::forward<R>(range);
    } else {
        Captured<R> copy;
        if constexpr (std::ranges::sized_range<R>)
            copy.reserve(std::min(limit, static_cast<std::size_t>(std::ranges::size(range))));
        for (auto&& value : range) {
            if (copy.size() == limit) break;
            copy.push_back(value);
        }
        return copy;
    }
}

template <class C>
std::size_t captured_size(const C& captured) {
    return known_size(captured);
}

// Where map() results live while the chunks run.
template <class R>
struct MapOutput {
    // std::vector<bool> has no bool&: keep each bool in a box; a type without
    // a default constructor in an optional.
    struct Box {
        R value;
    };
    static constexpr bool kDirect = std::default_initializable<R> && !std::is_same_v<R, bool>;
    using Slot = std::conditional_t<std::is_same_v<R, bool>, Box,
                                    std::conditional_t<kDirect, R, std::optional<R>>>;
    static R& get(Slot& slot) {
        if constexpr (std::is_same_v<R, bool>)
            return slot.value;
        else if constexpr (kDirect)
            return slot;
        else
            return *slot;
    }
    template <class V>
    static void put(Slot& slot, V&& value) {
        if constexpr (std::is_same_v<R, bool>)
            slot.value = std::forward<V>(value);
        else if constexpr (kDirect)
            slot = std::forward<V>(value);
        else
            slot.emplace(std::forward<V>(value));
    }

    // The n slots, value-initialised. A large output is mapped in with one
    // system call before it is written (see concur/detail/prefault.hpp).
    explicit MapOutput(std::size_t n) {
        values.reserve(n);
        concur::detail::prefault_for_writing(values.data(), n * sizeof(Slot));
        values.resize(n);
    }
    std::vector<Slot> values;
};

// What a chunk reports: where it stopped (its end, or the item that threw)
// and the exception, if any.
struct ChunkOutcome {
    std::size_t stop = 0;
    std::exception_ptr error;
};

// The ordered, lazy result range of map(): one future per chunk.
template <class R>
class MapResults {
  public:
    MapResults(std::shared_ptr<MapOutput<R>> output, std::vector<Future<ChunkOutcome>> chunks,
               std::size_t chunk_size, std::optional<Deadline> deadline)
        : output_(std::move(output)),
          chunks_(std::move(chunks)),
          chunk_size_(chunk_size),
          deadline_(deadline) {}

    class iterator {
      public:
        using value_type = R;
        using difference_type = std::ptrdiff_t;
        using reference = R&;
        using iterator_concept = std::input_iterator_tag;

        iterator() = default;
        reference operator*() const { return MapOutput<R>::get(owner_->output_->values[item_]); }
        iterator& operator++() {
            ++item_;
            settle();
            return *this;
        }
        void operator++(int) { ++*this; }
        friend bool operator==(const iterator& a, std::default_sentinel_t) {
            return a.owner_ == nullptr || a.chunk_ >= a.owner_->size();
        }

      private:
        friend class MapResults;
        explicit iterator(MapResults* owner) : owner_(owner) { settle(); }

        // Moves to the next value: waits for its chunk (TimeoutError past the
        // deadline), throws the chunk's exception at the item that raised it.
        void settle() {
            while (chunk_ < owner_->chunks_.size()) {
                const ChunkOutcome& outcome = owner_->wait_chunk(chunk_);
                if (item_ < outcome.stop) return;
                if (outcome.error) {
                    chunk_ = owner_->chunks_.size();  // a generator that raised is finished
                    std::rethrow_exception(outcome.error);
                }
                ++chunk_;
            }
        }

        MapResults* owner_ = nullptr;
        std::size_t chunk_ = 0;
        std::size_t item_ = 0;
    };

    // Single pass, as Python's generator.
    iterator begin() { return iterator(this); }
    std::default_sentinel_t end() const { return {}; }

    // Collects every result (Python: list(ex.map(...))); the first exception
    // in input order is raised. Without copying where results were written in
    // place. Call it instead of iterating, not after.
    std::vector<R> to_vector() {
        for (std::size_t k = 0; k < chunks_.size(); ++k) {
            const ChunkOutcome& outcome = wait_chunk(k);
            if (outcome.error) std::rethrow_exception(outcome.error);
        }
        if constexpr (MapOutput<R>::kDirect) {
            return std::move(output_->values);
        } else {
            std::vector<R> out;
            out.reserve(output_->values.size());
            for (auto& slot : output_->values) out.push_back(std::move(MapOutput<R>::get(slot)));
            return out;
        }
    }

    // Number of chunks submitted.
    std::size_t size() const noexcept { return chunks_.size(); }

  private:
    const ChunkOutcome& wait_chunk(std::size_t k) {
        Future<ChunkOutcome>& f = chunks_[k];
        if (deadline_) {
            const auto left = *deadline_ - Clock::now();
            return f.result(std::max(left, decltype(left)::zero()));
        }
        return f.result();
    }

    std::shared_ptr<MapOutput<R>> output_;
    std::vector<Future<ChunkOutcome>> chunks_;
    std::size_t chunk_size_;
    std::optional<Deadline> deadline_;
};

}  // namespace concur::futures::detail

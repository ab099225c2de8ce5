// describe/scan.hpp -- one pass over one chunk: what a worker computes, and
// what it hands back to be merged.
//
// Pass 1 (`PassPlan::first`): per column, the moments, the missing count, the
// first offending cell, and either a histogram of the first digit of every
// value's order key (order_key.hpp) or, where a sample has guessed the order
// statistics' whereabouts, the values in the guessed key ranges and the count
// below each; when `store` is set, also the values, so that the later passes
// need not read the input again -- as long as the process-wide memory budget
// (`budget`, bytes left) lets the chunk take them.
//
// Later passes narrow each wanted order statistic down: for every open "bin"
// (the values whose key starts with a prefix of `level` digits) the chunk
// either counts the next digit (a histogram) or, once the bin is small, hands
// back the bin's values for an exact std::nth_element.
//
// PassPlan and ChunkPartial are serialisable (cereal), so a worker process
// can compute a chunk as well as a thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "describe/moments.hpp"
#include "describe/source.hpp"

namespace concur::describe {

struct Bin {
    std::uint64_t prefix = 0;
    unsigned level = 1;    // digits fixed in `prefix`
    bool collect = false;  // hand the values back (else count the next digit)

    template <class Archive>
    void serialize(Archive& archive) {
        archive(prefix, level, collect);
    }
};

// Keys lo..hi that the first pass collects, counting the values below lo:
// where a sample says an order statistic lies (describe.cpp).
struct KeyRange {
    std::uint64_t lo = 0, hi = 0;

    template <class Archive>
    void serialize(Archive& archive) {
        archive(lo, hi);
    }
};

struct PassPlan {
    bool first = true;
    bool store = false;
    std::vector<std::vector<Bin>> bins;  // per column, later passes
    // Per column, first pass: the ranges to collect; a column without any
    // gets the first-digit histogram instead.
    std::vector<std::vector<KeyRange>> guesses;
    // Bytes of values the first pass may still keep (in-process engines
    // only; null for none). Memory order: relaxed -- it only counts, and
    // the values themselves reach the merging thread through the engine's
    // futures, which synchronise.
    std::atomic<std::int64_t>* budget = nullptr;

    template <class Archive>
    void serialize(Archive& archive) {
        archive(first, bins, guesses);  // a worker process never stores
    }
};

// What the first pass counts of a column, per chunk and then for the whole
// input: the moments, the missing cells, and the first offending cell.
struct ColumnTally {
    Moments moments;
    std::uint64_t missing = 0;
    bool offended = false;
    std::uint64_t offense_where = 0;  // Source::describe_position
    std::string offense_text;

    // Records an offending cell unless an earlier one is known.
    void offend(std::uint64_t where, std::string text) {
        if (offended) return;
        offended = true;
        offense_where = where;
        offense_text = std::move(text);
    }
    // Adds the tally of the chunks that follow this one's.
    void merge(ColumnTally&& later) {
        moments.merge(later.moments);
        missing += later.missing;
        if (later.offended) offend(later.offense_where, std::move(later.offense_text));
    }

    template <class Archive>
    void serialize(Archive& archive) {
        archive(moments, missing, offended, offense_where, offense_text);
    }
};

struct ColumnPartial {
    ColumnTally tally;
    std::vector<std::uint32_t> histogram;                    // pass 1: kDigits counts
    std::vector<std::uint64_t> guess_below;                  // pass 1: per guessed range
    std::vector<std::vector<double>> guess_values;           // pass 1: per guessed range
    std::vector<double> values;                              // pass 1 with store
    std::vector<std::vector<std::uint32_t>> bin_histograms;  // later passes: per bin
    std::vector<std::vector<double>> bin_values;             // later passes: per bin

    template <class Archive>
    void serialize(Archive& archive) {
        archive(tally, histogram, guess_below, guess_values, values, bin_histograms, bin_values);
    }
};

struct ChunkPartial {
    std::vector<ColumnPartial> columns;
    bool stored = false;  // pass 1 with store: the chunk kept its values
    std::string error;    // an InputError met in a worker process

    template <class Archive>
    void serialize(Archive& archive) {
        archive(columns, stored, error);
    }
};

// Reads chunk `chunk` of `source` and computes what `plan` asks for.
// Thread-safe. Throws InputError (malformed input).
ChunkPartial scan_chunk(const Source& source, std::size_t chunk, const PassPlan& plan);

}  // namespace concur::describe

#include "describe/describe.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "describe/order_key.hpp"
#include "describe/stored_source.hpp"

namespace concur::describe {

const char* stat_name(Stat stat) noexcept {
    switch (stat) {
        case Stat::kCount:
            return "count";
        case Stat::kMissing:
            return "missing";
        case Stat::kMean:
            return "mean";
        case Stat::kStd:
            return "std";
        case Stat::kMin:
            return "min";
        case Stat::kQ1:
            return "q1";
        case Stat::kMedian:
            return "median";
        case Stat::kQ3:
            return "q3";
        case Stat::kMax:
            return "max";
    }
    return "?";
}

std::optional<Stat> parse_stat(const std::string& name) {
    for (Stat stat : kAllStats)
        if (name == stat_name(stat)) return stat;
    if (name == "sd" || name == "stdev") return Stat::kStd;
    if (name == "25%") return Stat::kQ1;
    if (name == "50%") return Stat::kMedian;
    if (name == "75%") return Stat::kQ3;
    return std::nullopt;
}

std::optional<double> ColumnStats::get(Stat stat) const {
    switch (stat) {
        case Stat::kCount:
            return static_cast<double>(count);
        case Stat::kMissing:
            return static_cast<double>(missing);
        case Stat::kMean:
            return mean;
        case Stat::kStd:
            return std;
        case Stat::kMin:
            return min;
        case Stat::kQ1:
            return q1;
        case Stat::kMedian:
            return median;
        case Stat::kQ3:
            return q3;
        case Stat::kMax:
            return max;
    }
    return std::nullopt;
}

double interpolate(double below, double above, double t) noexcept {
    if (below == above || t == 0.0) return below;
    const double difference = above - below;
    return t >= 0.5 ? above - difference * (1.0 - t) : below + difference * t;
}

namespace {

// One order statistic being narrowed down: the value of rank `rank` (0-based)
// is the `rank_in_bin`-th smallest of the `bin_count` values whose keys start
// with `prefix` (`level` digits).
struct Target {
    std::uint64_t rank = 0;
    std::uint64_t prefix = 0;
    unsigned level = 0;
    std::uint64_t rank_in_bin = 0;
    std::uint64_t bin_count = 0;
    bool done = false;
    double value = 0.0;
};

// Moves a target one digit down: the digit whose cumulative count passes
// its rank.
template <class Count>
void descend(Target& target, const std::vector<Count>& histogram) {
    std::uint64_t before = 0;
    for (std::uint64_t digit = 0; digit < kDigits; ++digit) {
        const std::uint64_t here = histogram[digit];
        if (target.rank_in_bin < before + here) {
            target.prefix = (target.level == 0 ? 0 : target.prefix << kDigitBits) | digit;
            ++target.level;
            target.rank_in_bin -= before;
            target.bin_count = here;
            return;
        }
        before += here;
    }
}

struct ColumnState {
    ColumnTally tally;
    std::vector<std::uint64_t> histogram;      // first digits (no guesses)
    std::vector<KeyRange> guesses;             // or ranges guessed from a sample
    std::vector<std::uint64_t> guess_below;    // values below each range
    std::vector<std::vector<double>> guessed;  // values in each range
    std::vector<Target> targets;
};

// Where a sample of m values puts the quantiles: for each wanted q, the keys
// between the sample's (q - d) and (q + d) quantiles, d six standard errors
// of a sample quantile plus two values, merged where they overlap. The true
// order statistic lies outside with a probability of about 1e-9; then the
// histogram passes find it instead.
std::vector<KeyRange> guess_ranges(std::vector<double> sample, const bool* want_quartile);

// Exact selection in collected values: each group's targets (ranks within
// the group's values) by successive std::nth_element, groups in parallel.
struct Selection {
    std::vector<double>* values;
    std::vector<Target*> targets;
};
void select(Engine& engine, std::vector<Selection>& selections);

constexpr double kQuartiles[] = {0.25, 0.5, 0.75};
constexpr std::size_t kSampleSize = 1u << 16;

std::vector<KeyRange> guess_ranges(std::vector<double> sample, const bool* want_quartile) {
    std::erase_if(sample, [](double x) { return std::isnan(x); });
    std::vector<KeyRange> ranges;
    if (sample.size() < 1024) return ranges;  // too few to guess well: histogram instead
    std::sort(sample.begin(), sample.end());
    const double m = static_cast<double>(sample.size());
    const double last = m - 1;
    for (int q = 0; q < 3; ++q) {
        if (!want_quartile[q]) continue;
        const double p = kQuartiles[q];
        const double d = 6.0 * std::sqrt(p * (1 - p) / m) + 2.0 / m;
        const double from = std::floor((p - d) * last), to = std::ceil((p + d) * last);
        KeyRange range;
        range.lo = from <= 0 ? 0 : order_key(sample[static_cast<std::size_t>(from)]);
        range.hi = to >= last ? ~std::uint64_t{0} : order_key(sample[static_cast<std::size_t>(to)]);
        if (!ranges.empty() && range.lo <= ranges.back().hi)
            ranges.back().hi = std::max(ranges.back().hi, range.hi);
        else
            ranges.push_back(range);
    }
    return ranges;
}

void select(Engine& engine, std::vector<Selection>& selections) {
    engine.parallel_for(selections.size(), [&](std::size_t i) {
        std::vector<double>& values = *selections[i].values;
        std::vector<Target*> targets = selections[i].targets;
        std::sort(targets.begin(), targets.end(),
                  [](const Target* x, const Target* y) { return x->rank_in_bin < y->rank_in_bin; });
        auto from = values.begin();
        for (Target* target : targets) {
            const auto nth = values.begin() + static_cast<std::ptrdiff_t>(target->rank_in_bin);
            if (nth == from)  // the next rank up: the least of the rest
                std::iter_swap(nth, std::min_element(nth, values.end()));
            else
                std::nth_element(from, nth, values.end());
            target->value = *nth;
            target->done = true;
            from = nth + 1;
        }
    });
}

}  // namespace

Report describe(const Source& source, Engine& engine, const DescribeOptions& options) {
    const std::vector<std::string>& names = source.column_names();
    const std::size_t columns = names.size();
    const std::size_t chunks = source.chunk_count();
    auto wants = [&](Stat s) {
        return std::find(options.stats.begin(), options.stats.end(), s) != options.stats.end();
    };
    const bool want_quartile[] = {wants(Stat::kQ1), wants(Stat::kMedian), wants(Stat::kQ3)};
    const bool need_order = want_quartile[0] || want_quartile[1] || want_quartile[2];

    // Pass 1: moments, missing cells, offenses, first-digit histograms, and
    // the values themselves while they fit in the budget.
    std::vector<ColumnState> state(columns);
    PassPlan first;
    if (need_order) first.guesses.resize(columns);
    for (std::size_t c = 0; c < columns && need_order; ++c) {
        ColumnState& column = state[c];
        column.guesses = guess_ranges(source.sample(c, kSampleSize), want_quartile);
        first.guesses[c] = column.guesses;
        if (column.guesses.empty()) {
            column.histogram.assign(kDigits, 0);
        } else {
            column.guess_below.assign(column.guesses.size(), 0);
            column.guessed.resize(column.guesses.size());
        }
    }
    std::atomic<std::int64_t> budget(
        static_cast<std::int64_t>(std::min<std::uint64_t>(options.memory_budget, INT64_MAX)));
    first.first = true;
    first.store = need_order && !source.rereads_cheaply() && engine.keeps_values() &&
                  options.memory_budget > 0;
    first.budget = &budget;
    std::vector<std::vector<std::vector<double>>> stored(first.store ? chunks : 0);
    bool all_stored = first.store;
    engine.scan(source, first, [&](std::size_t chunk, ChunkPartial&& partial) {
        for (std::size_t c = 0; c < columns; ++c) {
            ColumnPartial& part = partial.columns[c];
            ColumnState& column = state[c];
            column.tally.merge(std::move(part.tally));
            if (!column.histogram.empty())
                for (std::uint64_t d = 0; d < kDigits; ++d)
                    column.histogram[d] += part.histogram[d];
            for (std::size_t g = 0; g < column.guesses.size(); ++g) {
                column.guess_below[g] += part.guess_below[g];
                auto& into = column.guessed[g];
                into.insert(into.end(), part.guess_values[g].begin(), part.guess_values[g].end());
            }
        }
        if (all_stored && partial.stored) {
            stored[chunk].resize(columns);
            for (std::size_t c = 0; c < columns; ++c)
                stored[chunk][c] = std::move(partial.columns[c].values);
        } else if (all_stored) {
            all_stored = false;
            std::vector<std::vector<std::vector<double>>>().swap(stored);
        }
        if (options.progress) options.progress(chunk + 1, chunks);
    });

    // Order statistics: place every wanted rank in its first-digit bin.
    for (std::size_t c = 0; c < columns && need_order; ++c) {
        ColumnState& column = state[c];
        const std::uint64_t n = column.tally.moments.count;
        if (column.tally.offended || n == 0) continue;
        for (int q = 0; q < 3; ++q) {
            if (!want_quartile[q]) continue;
            const double h = static_cast<double>(n - 1) * kQuartiles[q];
            const auto below = static_cast<std::uint64_t>(std::floor(h));
            for (std::uint64_t rank : {below, std::min(below + 1, n - 1)}) {
                const bool known = std::any_of(column.targets.begin(), column.targets.end(),
                                               [&](const Target& t) { return t.rank == rank; });
                if (known) continue;
                Target target;
                target.rank = target.rank_in_bin = rank;
                target.bin_count = n;  // level 0: all values
                if (!column.histogram.empty()) descend(target, column.histogram);
                column.targets.push_back(target);
            }
        }
        std::vector<std::uint64_t>().swap(column.histogram);
    }

    // Ranks inside a guessed range are selected among its values; the rest
    // (a guess that missed) start from level 0 in the passes below.
    std::vector<Selection> guessed;
    for (std::size_t c = 0; c < columns && need_order; ++c) {
        ColumnState& column = state[c];
        for (std::size_t g = 0; g < column.guesses.size(); ++g) {
            Selection selection{&column.guessed[g], {}};
            for (Target& target : column.targets) {
                if (target.level != 0 || target.rank < column.guess_below[g] ||
                    target.rank - column.guess_below[g] >= column.guessed[g].size())
                    continue;
                target.rank_in_bin = target.rank - column.guess_below[g];
                selection.targets.push_back(&target);
            }
            if (!selection.targets.empty()) guessed.push_back(std::move(selection));
        }
    }
    select(engine, guessed);
    guessed.clear();
    for (auto& column : state) std::vector<std::vector<double>>().swap(column.guessed);

    std::optional<StoredSource> kept;
    if (all_stored) kept.emplace(source, std::move(stored));
    const Source& values = kept ? static_cast<const Source&>(*kept) : source;

    // Later passes: count the next digit of each large bin, or collect a
    // small bin's values and select in memory.
    for (;;) {
        PassPlan plan;
        plan.first = false;
        plan.bins.resize(columns);
        std::vector<std::vector<std::vector<Target*>>> members(columns);  // per bin
        std::size_t open_bins = 0;
        for (std::size_t c = 0; c < columns; ++c) {
            for (Target& target : state[c].targets) {
                if (target.done) continue;
                if (target.level == kMaxLevel) {  // every bit known
                    target.value = key_value(target.prefix);
                    target.done = true;
                    continue;
                }
                auto& bins = plan.bins[c];
                std::size_t b = 0;
                while (b < bins.size() &&
                       !(bins[b].prefix == target.prefix && bins[b].level == target.level))
                    ++b;
                if (b == bins.size()) {
                    bins.push_back({target.prefix, target.level, false});
                    members[c].emplace_back();
                    ++open_bins;
                }
                members[c][b].push_back(&target);
            }
        }
        if (open_bins == 0) break;
        const std::uint64_t collect_limit = std::max<std::uint64_t>(
            std::uint64_t{1} << 16, options.memory_budget / sizeof(double) / open_bins);
        for (std::size_t c = 0; c < columns; ++c)
            for (std::size_t b = 0; b < plan.bins[c].size(); ++b)
                plan.bins[c][b].collect = members[c][b].front()->bin_count <= collect_limit;

        std::vector<std::vector<std::vector<std::uint64_t>>> histograms(columns);
        std::vector<std::vector<std::vector<double>>> collected(columns);
        for (std::size_t c = 0; c < columns; ++c) {
            histograms[c].resize(plan.bins[c].size());
            collected[c].resize(plan.bins[c].size());
            for (std::size_t b = 0; b < plan.bins[c].size(); ++b) {
                if (plan.bins[c][b].collect)
                    collected[c][b].reserve(members[c][b].front()->bin_count);
                else
                    histograms[c][b].assign(kDigits, 0);
            }
        }
        engine.scan(values, plan, [&](std::size_t, ChunkPartial&& partial) {
            for (std::size_t c = 0; c < columns; ++c) {
                ColumnPartial& part = partial.columns[c];
                for (std::size_t b = 0; b < plan.bins[c].size(); ++b) {
                    if (plan.bins[c][b].collect) {
                        auto& into = collected[c][b];
                        into.insert(into.end(), part.bin_values[b].begin(),
                                    part.bin_values[b].end());
                    } else {
                        for (std::uint64_t d = 0; d < kDigits; ++d)
                            histograms[c][b][d] += part.bin_histograms[b][d];
                    }
                }
            }
        });

        // Collected bins: exact selection, bins in parallel.
        std::vector<Selection> selections;
        for (std::size_t c = 0; c < columns; ++c)
            for (std::size_t b = 0; b < plan.bins[c].size(); ++b) {
                if (plan.bins[c][b].collect)
                    selections.push_back({&collected[c][b], members[c][b]});
                else
                    for (Target* target : members[c][b]) descend(*target, histograms[c][b]);
            }
        select(engine, selections);
    }

    Report report;
    for (std::size_t c = 0; c < columns; ++c) {
        ColumnState& column = state[c];
        if (column.tally.offended) {
            report.skipped.push_back(
                {names[c], "non-numeric value \"" + column.tally.offense_text + "\" at " +
                               source.describe_position(column.tally.offense_where)});
            continue;
        }
        ColumnStats stats;
        stats.name = names[c];
        const Moments& m = column.tally.moments;
        stats.count = m.count;
        stats.missing = column.tally.missing;
        if (m.count >= 1) {
            stats.mean = m.mean;
            stats.min = m.min;
            stats.max = m.max;
        }
        if (m.count >= 2) stats.std = std::sqrt(m.sample_variance());
        if (m.count >= 1) {
            auto rank_value = [&](std::uint64_t rank) {
                for (const Target& t : column.targets)
                    if (t.rank == rank) return t.value;
                return 0.0;
            };
            std::optional<double>* slots[] = {&stats.q1, &stats.median, &stats.q3};
            for (int q = 0; q < 3; ++q) {
                if (!want_quartile[q]) continue;
                const double h = static_cast<double>(m.count - 1) * kQuartiles[q];
                const auto below = static_cast<std::uint64_t>(std::floor(h));
                *slots[q] =
                    interpolate(rank_value(below), rank_value(std::min(below + 1, m.count - 1)),
                                h - static_cast<double>(below));
            }
        }
        report.columns.push_back(std::move(stats));
    }
    return report;
}

}  // namespace concur::describe

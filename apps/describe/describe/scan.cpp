#include "describe/scan.hpp"

#include <algorithm>

#include "describe/order_key.hpp"
#include "describe/pairs.hpp"

namespace concur::describe {

namespace {

// Collects what the pass asks for, column by column, as the source reads.
class PassSink final : public ValueSink {
  public:
    PassSink(const PassPlan& plan, std::size_t columns) : plan_(plan) {
        partial_.columns.resize(columns);
        routes_.resize(columns);
        for (std::size_t c = 0; c < columns; ++c) {
            ColumnPartial& column = partial_.columns[c];
            if (plan.first) {
                if (c < plan.guesses.size() && !plan.guesses[c].empty()) {
                    column.guess_below.assign(plan.guesses[c].size(), 0);
                    column.guess_values.resize(plan.guesses[c].size());
                } else {
                    column.histogram.assign(kDigits, 0);
                }
                continue;
            }
            const auto& bins = plan.bins[c];
            column.bin_histograms.resize(bins.size());
            column.bin_values.resize(bins.size());
            // A route per first digit: which bin a key starting with it may
            // be in (0: none, kEveryBin: check them all), so that most values
            // cost one table lookup however many bins there are.
            auto& route = routes_[c];
            route.assign(kDigits, 0);
            for (std::size_t b = 0; b < bins.size(); ++b) {
                if (!bins[b].collect) column.bin_histograms[b].assign(kDigits, 0);
                const auto mark = [&](std::uint64_t digit) {
                    route[digit] = route[digit] == 0 && b + 1 < kEveryBin
                                       ? static_cast<std::uint8_t>(b + 1)
                                       : kEveryBin;
                };
                if (bins[b].level == 0)
                    for (std::uint64_t d = 0; d < kDigits; ++d) mark(d);
                else
                    mark(bins[b].prefix >> (kDigitBits * (bins[b].level - 1)));
            }
        }
    }

    void values(std::size_t c, std::span<const double> values) override {
        ColumnPartial& column = partial_.columns[c];
        if (plan_.first) {
            // Block by block, so the moments, the histogram and the copy all
            // read the block from L1 cache: one trip to memory per value.
            std::uint32_t* histogram = column.histogram.empty() ? nullptr : column.histogram.data();
            if (plan_.store) column.values.reserve(column.values.size() + values.size());
            while (!values.empty()) {
                auto block = values.first(std::min(values.size(), Moments::kBlock));
                values = values.subspan(block.size());
                block = without_nan(block, column);
                column.tally.moments.add(block);
                if (histogram != nullptr)
                    for (double x : block) ++histogram[key_digit(order_key(x), 0)];
                else
                    collect_guesses(block, plan_.guesses[c], column);
                if (plan_.store)
                    column.values.insert(column.values.end(), block.begin(), block.end());
            }
            return;
        }
        const auto& bins = plan_.bins[c];
        if (bins.empty()) return;
        const std::uint8_t* route = routes_[c].data();
        auto place = [&](std::size_t b, std::uint64_t key, double x) {
            const Bin& bin = bins[b];
            if (key_prefix(key, bin.level) != bin.prefix) return;
            if (bin.collect)
                column.bin_values[b].push_back(x);
            else
                ++column.bin_histograms[b][key_digit(key, bin.level)];
        };
        for (double x : values) {
            const std::uint64_t key = order_key(x);
            const std::uint8_t way = route[key >> (64 - kDigitBits)];
            if (way == 0) continue;
            if (way != kEveryBin) {
                place(way - 1u, key, x);
                continue;
            }
            for (std::size_t b = 0; b < bins.size(); ++b) place(b, key, x);
        }
    }

    void missing(std::size_t c, std::uint64_t count) override {
        partial_.columns[c].tally.missing += count;
    }

    void offense(std::size_t c, std::uint64_t where, std::string text) override {
        partial_.columns[c].tally.offend(where, std::move(text));
    }

    // Counts the block's values below each guessed range and keeps those in
    // it. Doubles compare in key order except -0 against +0, so a range with
    // a zero end takes the keys one by one; the others compare two doubles
    // at a time.
    static void collect_guesses(std::span<const double> block, const std::vector<KeyRange>& guesses,
                                ColumnPartial& column) {
        for (std::size_t g = 0; g < guesses.size(); ++g) {
            const std::uint64_t lo = guesses[g].lo, width = guesses[g].hi - guesses[g].lo;
            const double lo_value = key_value(lo), hi_value = key_value(guesses[g].hi);
            auto& into = column.guess_values[g];
            std::uint64_t below = 0;
            std::size_t i = 0;
            if (lo_value != 0.0 && hi_value != 0.0 && lo_value == lo_value &&
                hi_value == hi_value) {
                const Pair low = splat(lo_value), high = splat(hi_value);
                PairMask count{};
                for (; i + 4 <= block.size(); i += 4) {
                    const Pair a = load_pair(&block[i]), b = load_pair(&block[i + 2]);
                    count -= (a < low) + (b < low);  // a true lane is -1
                    const PairMask in = ((a >= low) & (a <= high)) | ((b >= low) & (b <= high));
                    if ((in[0] | in[1]) == 0) continue;
                    for (std::size_t k = i; k < i + 4; ++k)
                        if (block[k] >= lo_value && block[k] <= hi_value) into.push_back(block[k]);
                }
                below = static_cast<std::uint64_t>(count[0] + count[1]);
            }
            for (; i < block.size(); ++i) {
                const std::uint64_t key = order_key(block[i]);
                below += key < lo;
                if (key - lo <= width) into.push_back(block[i]);
            }
            column.guess_below[g] += below;
        }
    }

    // The block itself, or its values other than NaN (counted as missing)
    // copied aside. Later passes need no such check: a NaN's key lies above
    // every number's, in no bin of theirs.
    std::span<const double> without_nan(std::span<const double> block, ColumnPartial& column) {
        PairMask nan{};
        std::size_t i = 0;
        for (; i + 4 <= block.size(); i += 4) {
            const Pair a = load_pair(&block[i]), b = load_pair(&block[i + 2]);
            nan |= (a != a) | (b != b);
        }
        bool any = (nan[0] | nan[1]) != 0;
        for (; i < block.size(); ++i) any |= block[i] != block[i];
        if (!any) return block;
        kept_.clear();
        for (double x : block)
            if (x == x) kept_.push_back(x);
        column.tally.missing += block.size() - kept_.size();
        return kept_;
    }

    ChunkPartial take() && {
        if (plan_.first && plan_.store) keep_values_within_budget();
        return std::move(partial_);
    }

  private:
    void keep_values_within_budget() {
        std::int64_t bytes = 0;
        for (const auto& column : partial_.columns)
            bytes += static_cast<std::int64_t>(column.values.size() * sizeof(double));
        if (plan_.budget != nullptr &&
            plan_.budget->fetch_sub(bytes, std::memory_order_relaxed) - bytes >= 0) {
            partial_.stored = true;
            return;
        }
        if (plan_.budget != nullptr) plan_.budget->fetch_add(bytes, std::memory_order_relaxed);
        for (auto& column : partial_.columns) std::vector<double>().swap(column.values);
    }

    const PassPlan& plan_;
    ChunkPartial partial_;
    static constexpr std::uint8_t kEveryBin = 255;
    std::vector<std::vector<std::uint8_t>> routes_;
    std::vector<double> kept_;
};

}  // namespace

ChunkPartial scan_chunk(const Source& source, std::size_t chunk, const PassPlan& plan) {
    PassSink sink(plan, source.column_names().size());
    source.read(chunk, sink);
    return std::move(sink).take();
}

}  // namespace concur::describe

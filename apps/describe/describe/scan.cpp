#include "describe/scan.hpp"

#include <algorithm>

#include "describe/order_key.hpp"

namespace concur::describe {

namespace {

// Collects what the pass asks for, column by column, as the source reads.
class PassSink final : public ValueSink {
  public:
    PassSink(const PassPlan& plan, std::size_t columns) : plan_(plan) {
        partial_.columns.resize(columns);
        ranges_.resize(columns);
        for (std::size_t c = 0; c < columns; ++c) {
            ColumnPartial& column = partial_.columns[c];
            if (plan.first) {
                column.histogram.assign(kDigits, 0);
                continue;
            }
            const auto& bins = plan.bins[c];
            column.bin_histograms.resize(bins.size());
            column.bin_values.resize(bins.size());
            // The key range all of the column's bins cover: most values fall
            // outside it and cost two comparisons.
            std::uint64_t lo = ~std::uint64_t{0}, hi = 0;
            for (std::size_t b = 0; b < bins.size(); ++b) {
                if (!bins[b].collect) column.bin_histograms[b].assign(kDigits, 0);
                const unsigned shift = 64 - kDigitBits * bins[b].level;
                const std::uint64_t first = shift == 64 ? 0 : bins[b].prefix << shift;
                const std::uint64_t last =
                    shift == 64 ? ~std::uint64_t{0} : first | ((std::uint64_t{1} << shift) - 1);
                lo = std::min(lo, first);
                hi = std::max(hi, last);
            }
            ranges_[c] = {lo, hi};
        }
    }

    void values(std::size_t c, std::span<const double> values) override {
        ColumnPartial& column = partial_.columns[c];
        if (plan_.first) {
            column.moments.add(values);
            std::uint32_t* histogram = column.histogram.data();
            for (double x : values) ++histogram[key_digit(order_key(x), 0)];
            if (plan_.store)
                column.values.insert(column.values.end(), values.begin(), values.end());
            return;
        }
        const auto& bins = plan_.bins[c];
        if (bins.empty()) return;
        const auto [lo, hi] = ranges_[c];
        for (double x : values) {
            const std::uint64_t key = order_key(x);
            if (key < lo || key > hi) continue;
            for (std::size_t b = 0; b < bins.size(); ++b) {
                const Bin& bin = bins[b];
                if (key_prefix(key, bin.level) != bin.prefix) continue;
                if (bin.collect)
                    column.bin_values[b].push_back(x);
                else
                    ++column.bin_histograms[b][key_digit(key, bin.level)];
            }
        }
    }

    void missing(std::size_t c, std::uint64_t count) override {
        partial_.columns[c].missing += count;
    }

    void offense(std::size_t c, std::uint64_t where, std::string text) override {
        ColumnPartial& column = partial_.columns[c];
        if (column.offended) return;
        column.offended = true;
        column.offense_where = where;
        column.offense_text = std::move(text);
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
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges_;
};

}  // namespace

ChunkPartial scan_chunk(const Source& source, std::size_t chunk, const PassPlan& plan) {
    PassSink sink(plan, source.column_names().size());
    source.read(chunk, sink);
    return std::move(sink).take();
}

}  // namespace concur::describe

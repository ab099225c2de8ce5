// src/threading/local.cpp -- local<T>'s per-thread values, destroyed when their thread exits.
#include <concur/threading/local.hpp>

#include <atomic>
#include <vector>

namespace concur::detail {
namespace {

std::atomic<std::uint64_t> local_ids{0};
std::atomic<std::uint64_t> thread_serials{0};

// Per thread: which locals have a value here. Entries hold the control weakly,
// so a destroyed local frees its values at once; when the thread exits, its
// values in still-living locals are erased (and destroyed) here.
struct LocalTable {
    struct Entry {
        void* value;
        std::weak_ptr<LocalControl> control;
    };
    std::unordered_map<std::uint64_t, Entry> entries;
    const std::uint64_t serial = thread_serials.fetch_add(1, std::memory_order_relaxed) + 1;

    ~LocalTable() { release_all(); }

    // Destroys this thread's values in the locals that still exist. Each pass
    // empties the table first, so a value's destructor may itself use a local:
    // a value it creates is destroyed by the next pass.
    void release_all() noexcept {
        while (!entries.empty()) {
            auto doomed_entries = std::move(entries);
            entries.clear();
            for (auto& [id, entry] : doomed_entries) {
                if (auto control = entry.control.lock()) {
                    std::shared_ptr<void> doomed;  // destroyed outside the control's mutex
                    std::lock_guard lock(control->mutex);
                    auto it = control->values.find(serial);
                    if (it != control->values.end() && it->second.get() == entry.value) {
                        doomed = std::move(it->second);
                        control->values.erase(it);
                    }
                }
            }
        }
    }

    // Drops entries of locals that no longer exist (their ids never recur).
    void sweep() {
        std::erase_if(entries, [](const auto& item) { return item.second.control.expired(); });
    }
};

thread_local LocalTable table;

}  // namespace

void* local_lookup(std::uint64_t local_id) noexcept {
    auto it = table.entries.find(local_id);
    if (it == table.entries.end()) return nullptr;
    return it->second.value;
}

void local_insert(const std::shared_ptr<LocalControl>& control, std::shared_ptr<void> value) {
    void* raw = value.get();
    std::shared_ptr<void> replaced;  // only during release_all(); destroyed unlocked
    {
        std::lock_guard lock(control->mutex);
        auto& slot = control->values[table.serial];
        replaced = std::move(slot);
        slot = std::move(value);
    }
    if (table.entries.size() >= 64 && (table.entries.size() & (table.entries.size() - 1)) == 0)
        table.sweep();
    table.entries[control->id] = LocalTable::Entry{raw, control};
}

std::uint64_t next_local_id() noexcept {
    return local_ids.fetch_add(1, std::memory_order_relaxed) + 1;
}

void local_thread_exit() noexcept {
    table.release_all();
}

}  // namespace concur::detail

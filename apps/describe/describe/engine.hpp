// describe/engine.hpp -- how the chunks of a pass are computed: --engine
// serial | threads | async | processes. All four run the same scan_chunk and
// merge the same partials in the same order, so they give the same numbers.
//
//   serial     a plain loop on the calling thread
//   threads    concur::futures::ThreadPoolExecutor, `workers` threads
//   async      concur::asyncio: a task per chunk running the chunk in the
//              loop's executor (run_in_executor), awaited in order -- the
//              seed's asyncio program, with the work off the loop
//   processes  concur::multiprocessing::Pool (fork), `workers` processes; a
//              fresh pool per pass, forked after the source is open, so the
//              workers read the same mapping; never keeps values between
//              passes (they would be in the workers' memory)
//
// At most 2 x workers chunks are in flight, so memory stays bounded however
// many chunks a file has. Not thread-safe: one engine per describe run.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "describe/scan.hpp"

namespace concur::describe {

enum class EngineKind { kSerial, kThreads, kAsync, kProcesses };

std::optional<EngineKind> parse_engine(std::string_view name);
const char* engine_name(EngineKind kind) noexcept;

class Engine {
  public:
    using Fold = std::function<void(std::size_t chunk, ChunkPartial&& partial)>;

    virtual ~Engine() = default;

    // Computes scan_chunk(source, i, plan) for every chunk i and calls
    // fold(i, partial) on the calling thread in chunk order. Blocks. Throws
    // InputError (the first chunk's, in chunk order) after every chunk
    // started has finished.
    virtual void scan(const Source& source, const PassPlan& plan, const Fold& fold) = 0;

    // Runs fn(0) .. fn(n-1), in parallel where the engine can. Blocks.
    virtual void parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn) = 0;

    // Whether values kept by pass 1 reach the caller (not across processes).
    virtual bool keeps_values() const noexcept { return true; }
};

std::unique_ptr<Engine> make_engine(EngineKind kind, unsigned workers);

}  // namespace concur::describe

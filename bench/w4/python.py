"""W4 "async-sleep", Python peers (bench/README.md, bench/w4/workload.hpp):
create N concurrent tasks, each of which awaits a sleep of 1.0 s, then wait for
all of them.

Systems:
  py-asyncio  asyncio.Runner() (the default event loop)
  py-uvloop   asyncio.Runner(loop_factory=uvloop.new_event_loop) (Debian
              python3-uvloop; without it the script exits with status 2)
Each: ``async def task(): await asyncio.sleep(1.0)``; ``create_task(task())`` N
times, then ``await asyncio.gather(*tasks)``; default GC settings. A fresh
Runner (event loop) per repetition.

Timed interval: t0 just before the first create_task, t1 when gather returns.
Metrics: overhead_s = t1 - t0 - 1.0 (median), rss_per_task = (ru_maxrss after
the wait - ru_maxrss before creating the tasks) / N in bytes (repetition 1's:
ru_maxrss is a high-water mark), wall_s = t1 - t0 (median).
"""

import asyncio
import resource
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bench_common as bench  # noqa: E402

SYSTEMS = ["py-asyncio", "py-uvloop"]
SLEEP = 1.0


def maxrss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


async def task():
    await asyncio.sleep(SLEEP)


async def one(n):
    """One repetition: (tasks finished, wall seconds, rss bytes per task)."""
    rss_before = maxrss_bytes()
    t0 = time.perf_counter()
    tasks = [asyncio.create_task(task()) for _ in range(n)]
    results = await asyncio.gather(*tasks)
    t1 = time.perf_counter()
    rss_after = maxrss_bytes()
    return len(results), t1 - t0, (rss_after - rss_before) / n  # gather raises if one failed


def main():
    system, n, reps = bench.parse(SYSTEMS)
    loop_factory = None
    if system == "py-uvloop":
        try:
            import uvloop
        except ImportError:
            sys.exit("py-uvloop: uvloop is not installed (Debian python3-uvloop)")
        loop_factory = uvloop.new_event_loop
    ok = True
    overhead, wall, rss = [], [], []
    for _ in range(reps):
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            finished, seconds, per_task = runner.run(one(n))
        ok = ok and finished == n
        wall.append(seconds)
        overhead.append(seconds - SLEEP)
        rss.append(per_task)
    print(f"# W4 {system} n {n} checksum {'ok' if ok else 'MISMATCH'}", flush=True)
    print(f"# W4 {system} rss_per_task: repetition 1's (ru_maxrss is a high-water mark)", flush=True)
    bench.emit_reps("W4", system, "overhead_s", overhead, "s")
    bench.emit("W4", system, "overhead_s", bench.median(overhead), "s")
    bench.emit_reps("W4", system, "rss_per_task", rss, "B")
    bench.emit("W4", system, "rss_per_task", rss[0] if rss else 0.0, "B")
    bench.emit_reps("W4", system, "wall_s", wall, "s")
    bench.emit("W4", system, "wall_s", bench.median(wall), "s")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

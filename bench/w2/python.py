"""W2 "tiny-tasks", Python peer (bench/README.md).

System: py-ThreadPoolExecutor:
    with ThreadPoolExecutor(max_workers=2) as ex:
        futs = [ex.submit(task, i) for i in range(N)]
        total = sum(f.result() for f in futs)
task(i) returns i; the sum must be N(N-1)/2. Timed: the whole block (pool
construction -> submits -> results -> shutdown). Run with a smaller N than the
C++ pools (the metric is per task). Metric: per_task in ns.
"""

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bench_common as bench  # noqa: E402


def task(i):
    return i


def main():
    system, n, reps = bench.parse(["py-ThreadPoolExecutor"])
    per_task = []
    ok = True
    for _ in range(reps):
        start = bench.now()
        with ThreadPoolExecutor(max_workers=2) as ex:
            futs = [ex.submit(task, i) for i in range(n)]
            total = sum(f.result() for f in futs)
        elapsed = bench.now() - start
        ok = ok and total == n * (n - 1) // 2
        per_task.append(elapsed / n * 1e9)
    bench.report("W2", system, n, ok, "per_task", per_task, "ns")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

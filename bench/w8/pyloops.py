"""W8 "describe", seed-style peer (bench/README.md): count, mean, median and
sample standard deviation (ddof = 1) of N uniform [0, 1) float64 values, as the
seed's practical example computes them ("Calculate Descriptive Statistics using
Python Asynchronous programming"): four ``async def`` statistics written as
pure-Python loops, run together by ``asyncio.gather`` inside ``asyncio.run``.

usage: pyloops.py <system> <n> [reps] [n_target]

Systems: asyncio-pyloops-ndarray iterates over the numpy array itself (the seed
held an ``np.arange``; every element is a numpy scalar), asyncio-pyloops-list
over ``a.tolist()`` (Python floats). The data, ``np.random.default_rng(42).random(N)``
(and, for -list, the list), are made before timing. One repetition is
``asyncio.run(describe(data))``: count by iterating, a sum loop for the mean,
``sorted()`` for the median (mean of the two middle values for an even N), a
two-pass sample std (its own mean, then the squared deviations).

Metrics (medians of the repetitions): describe_s, measured at n, and
describe_s_extrapolated = describe_s x n_target / n (default n_target: n), a
linear scaling and so an underestimate (``sorted`` is n log n). Every
repetition checks mean ~ 0.5, median ~ 0.5 and std ~ 0.2887 (within 0.01);
exit status 1 otherwise. Needs Debian python3-numpy for the data (exit status 2
without it).
"""

import asyncio
import math
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = Path(__file__).resolve().parent
# This directory holds numpy.py and pandas.py (the peers): as sys.path[0] it would
# shadow the real numpy.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))
import bench_common as bench  # noqa: E402

SYSTEMS = ["asyncio-pyloops-ndarray", "asyncio-pyloops-list"]


async def count_of(data):
    count = 0
    for _ in data:
        count += 1
    return count


async def mean_of(data):
    total = 0.0
    count = 0
    for x in data:
        total += x
        count += 1
    return total / count


async def median_of(data):
    ordered = sorted(data)
    k = len(ordered)
    mid = k // 2
    if k % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


async def std_of(data):
    total = 0.0
    count = 0
    for x in data:
        total += x
        count += 1
    mean = total / count
    squares = 0.0
    for x in data:
        d = x - mean
        squares += d * d
    return math.sqrt(squares / (count - 1))


async def describe(data):
    return await asyncio.gather(count_of(data), mean_of(data), median_of(data), std_of(data))


def main():
    system, n, reps = bench.parse(SYSTEMS)
    n_target = int(sys.argv[4]) if len(sys.argv) > 4 else n
    if n < 2 or reps < 1 or n_target < 1:
        sys.exit(
            "W8: n must be >= 2, reps and n_target >= 1"
            f" (got n {n}, reps {reps}, n_target {n_target})"
        )
    try:
        import numpy as np
    except ImportError:
        print("numpy: not installed (Debian python3-numpy)", file=sys.stderr)
        sys.exit(2)
    data = np.random.default_rng(42).random(n)
    if system == "asyncio-pyloops-list":
        data = data.tolist()
    ok = True
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        count, mean, median, std = asyncio.run(describe(data))
        times.append(time.perf_counter() - t0)
        ok = ok and bench.w8_plausible(n, count, mean, median, std)
    versions = f"numpy {np.__version__}, Python {sys.version.split()[0]}"
    bench.w8_checksum(system, n, count, mean, median, std, ok, versions)
    bench.emit_reps("W8", system, "describe_s", times, "s")
    describe_s = bench.median(times)
    bench.emit("W8", system, "describe_s", describe_s, "s")
    print(
        f"# W8 {system} describe_s_extrapolated: n_target {n_target}"
        f" = describe_s x {n_target} / {n} (linear; an underestimate, sorted is n log n)",
        flush=True,
    )
    bench.emit("W8", system, "describe_s_extrapolated", describe_s * n_target / n, "s")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

"""W8 "describe", numpy peer (bench/README.md, bench/w8/workload.hpp): count,
mean, median and sample standard deviation (ddof = 1) of N uniform [0, 1)
float64 values.

usage: numpy.py numpy <n> [reps]

The data, ``np.random.default_rng(42).random(N)``, are generated before
timing. One repetition: ``a.size``, ``np.mean(a)`` | ``np.median(a)`` |
``np.std(a, ddof=1)`` (np.median copies the array and partitions the copy).
Metrics (medians of the repetitions): describe_s (all four), mean_std_s (count,
mean and std), median_s. Every repetition checks mean ~ 0.5, median ~ 0.5 and
std ~ 0.2887 (within 0.01); exit status 1 otherwise. Needs Debian
python3-numpy (exit status 2 without it).
"""

import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = Path(__file__).resolve().parent
# This file is named numpy.py: its own directory (sys.path[0]) would shadow the real numpy.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))
import bench_common as bench  # noqa: E402

SYSTEMS = ["numpy"]


def main():
    system, n, reps = bench.parse(SYSTEMS)
    if n < 2 or reps < 1:
        sys.exit(f"W8: n must be >= 2 and reps >= 1 (got n {n}, reps {reps})")
    try:
        import numpy as np
    except ImportError:
        print("numpy: not installed (Debian python3-numpy)", file=sys.stderr)
        sys.exit(2)
    a = np.random.default_rng(42).random(n)
    ok = True
    describe, mean_std, median_s = [], [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        count = a.size
        mean = np.mean(a)
        t1 = time.perf_counter()
        median = np.median(a)
        t2 = time.perf_counter()
        std = np.std(a, ddof=1)
        t3 = time.perf_counter()
        describe.append(t3 - t0)
        mean_std.append((t1 - t0) + (t3 - t2))
        median_s.append(t2 - t1)
        ok = ok and bench.w8_plausible(n, count, mean, median, std)
    bench.w8_checksum(system, n, count, mean, median, std, ok, f"numpy {np.__version__}")
    metrics = (("describe_s", describe), ("mean_std_s", mean_std), ("median_s", median_s))
    for metric, values in metrics:
        bench.emit_reps("W8", system, metric, values, "s")
        bench.emit("W8", system, metric, bench.median(values), "s")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

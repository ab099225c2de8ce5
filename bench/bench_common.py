"""The harness conventions of bench/ for the Python systems (see bench/README.md).

Same interface and output as the C++ binaries (bench_common.hpp):
``<script> <system> <n> [reps]`` (or ``--list``), one OS process per system,
one line per measurement ``workload system metric value unit``, repetitions
and checksums as ``#`` lines, the median of the repetitions reported.
Standard library only; run with Debian's /usr/bin/python3.
"""

import sys
import time

now = time.perf_counter


def emit(workload, system, metric, value, unit):
    print(f"{workload} {system} {metric} {value:.6g} {unit}", flush=True)


def emit_reps(workload, system, metric, reps, unit):
    values = " ".join(f"{r:.6g}" for r in reps)
    print(f"# {workload} {system} {metric} reps: {values} {unit}", flush=True)


def report(workload, system, n, ok, metric, reps, unit):
    """The checksum line, the repetitions and their median: a harness's last lines."""
    print(f"# {workload} {system} n {n} checksum {'ok' if ok else 'MISMATCH'}", flush=True)
    emit_reps(workload, system, metric, reps, unit)
    emit(workload, system, metric, median(reps), unit)


# W8 (describe) of uniform [0, 1) data: what every Python W8 system checks.
W8_UNIFORM_STD = 12**-0.5
W8_TOLERANCE = 0.01


def w8_plausible(n, count, mean, median, std):
    return (
        count == n
        and abs(mean - 0.5) < W8_TOLERANCE
        and abs(median - 0.5) < W8_TOLERANCE
        and abs(std - W8_UNIFORM_STD) < W8_TOLERANCE
    )


def w8_checksum(system, n, count, mean, median, std, ok, versions):
    """The statistics of the last repetition and whether all were plausible."""
    print(
        f"# W8 {system} n {n} count {count} mean {mean:.6f} median {median:.6f} std {std:.6f}"
        f" checksum {'ok' if ok else 'MISMATCH'} ({versions})",
        flush=True,
    )
    if not ok:
        print(f"# W8 {system} implausible result (expected mean ~0.5, median ~0.5, std ~0.2887)")


def median(values):
    values = sorted(values)
    k = len(values)
    if k == 0:
        return 0.0
    return values[k // 2] if k % 2 else 0.5 * (values[k // 2 - 1] + values[k // 2])


def parse(systems):
    """Returns (system, n, reps) from argv: <system> <n> [reps], or lists the systems."""
    if len(sys.argv) >= 2 and sys.argv[1] == "--list":
        print("\n".join(systems))
        sys.exit(0)
    if len(sys.argv) < 3:
        sys.exit(f"usage: {sys.argv[0]} <system> <n> [reps]   (or --list)")
    if sys.argv[1] not in systems:
        sys.exit(f"unknown system {sys.argv[1]} (try --list)")
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    return sys.argv[1], int(sys.argv[2]), reps

"""W7 "spawn", Python peers (bench/README.md): start + join N processes that do
nothing, one after another; per_process = wall / N in microseconds.

Systems: py-mp-Process-fork, py-mp-Process-forkserver, py-mp-Process-spawn --
ctx = multiprocessing.get_context(method); p = ctx.Process(target=noop);
p.start(); p.join(); exit code checked. One untimed warm-up process first (it
starts the forkserver process).
"""

import multiprocessing
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bench_common as bench  # noqa: E402


def noop():
    pass


SYSTEMS = ["py-mp-Process-fork", "py-mp-Process-forkserver", "py-mp-Process-spawn"]


def main():
    system, n, reps = bench.parse(SYSTEMS)
    ctx = multiprocessing.get_context(system.rsplit("-", 1)[1])

    def one():
        p = ctx.Process(target=noop)
        p.start()
        p.join()
        return p.exitcode == 0

    ok = one()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        for _ in range(n):
            ok = one() and ok
        times.append((time.perf_counter() - start) / n * 1e6)
    bench.report("W7", system, n, ok, "per_process", times, "us")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

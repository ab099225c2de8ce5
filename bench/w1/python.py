"""W1 "seed-pool", Python peers (bench/README.md): out = [f(n) for n in range(N)].

f(n) = sum((x*x) ^ n for x in range(1000)), the opaque function every W1
system computes; f_seed(n) = sum(x*x for x in range(1000)) is the course's
seed, which ignores n (the "-seed" systems). Timed: everything, including the
pool's creation and teardown, in every repetition (no warm-up), as the seed
measured it.

Systems:
  py-serial, py-serial-seed      list(map(f, range(N)))
  py-mp-Pool, py-mp-Pool-seed    with multiprocessing.Pool() as p: p.map(f, range(N))
                                 (os.cpu_count() processes, default start method
                                 and chunksize)
  py-ProcessPoolExecutor         ProcessPoolExecutor(max_workers=os.cpu_count()),
                                 list(ex.map(f, range(N), chunksize=ceil(N / (4 * workers))))
                                 (Pool.map's chunks; chunksize=1 would measure IPC)
"""

import math
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bench_common as bench  # noqa: E402


def f(n):
    return sum((x * x) ^ n for x in range(1000))


def f_seed(n):
    return sum(x * x for x in range(1000))


def checksum(n_items, seed):
    """sum(f(n) for n < N) without calling f: bit b of (a ^ n) is set for the
    n < N whose bit b differs from a's (sum(f_seed) is 332,833,500 * N)."""
    if seed:
        return 332_833_500 * n_items
    total = 0
    for x in range(1000):
        a = x * x
        for b in range(48):
            half = 1 << b
            rest = n_items % (2 * half)
            with_bit = n_items // (2 * half) * half + max(0, rest - half)
            total += (n_items - with_bit if (a >> b) & 1 else with_bit) << b
    return total


def serial(fn, n):
    return list(map(fn, range(n)))


def mp_pool(fn, n):
    with multiprocessing.Pool() as pool:
        return pool.map(fn, range(n))


def process_pool_executor(fn, n):
    workers = os.cpu_count()
    with ProcessPoolExecutor(max_workers=workers) as ex:
        return list(ex.map(fn, range(n), chunksize=math.ceil(n / (4 * workers))))


SYSTEMS = {
    "py-serial": (serial, f),
    "py-serial-seed": (serial, f_seed),
    "py-mp-Pool": (mp_pool, f),
    "py-mp-Pool-seed": (mp_pool, f_seed),
    "py-ProcessPoolExecutor": (process_pool_executor, f),
}


def main():
    system, n, reps = bench.parse(list(SYSTEMS))
    run, fn = SYSTEMS[system]
    walls = []
    total = 0
    for _ in range(reps):
        start = bench.now()
        out = run(fn, n)
        walls.append(bench.now() - start)
        total = sum(out)
    expected = checksum(n, fn is f_seed)
    print(f"# W1 {system} checksum {total} n {n} processes {os.cpu_count()}", flush=True)
    if total != expected:
        print(f"# W1 {system} checksum MISMATCH (expected {expected})", flush=True)
    bench.emit_reps("W1", system, "wall", walls, "s")
    bench.emit("W1", system, "wall", bench.median(walls), "s")
    return 0 if total == expected else 1


if __name__ == "__main__":
    sys.exit(main())

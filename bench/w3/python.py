"""W3 "queue", Python peer (bench/README.md).

System: py-queue.Queue:<shape>, queue.Queue(maxsize=1024) with blocking put/get,
shapes 1p1c and 2p2c (threading.Thread producers and consumers). Producer j of
P puts range(j*N//P, (j+1)*N//P) then one None; each consumer gets until it
sees a None and sums what it got; the total must be N(N-1)/2. Timed: creating
the queue and the threads -> all threads joined. Run with a smaller N than the
C++ queues (the metric is per item). Metric: throughput in items/s.
"""

import queue
import sys
import threading
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bench_common as bench  # noqa: E402


def drive(threads, n):
    q = queue.Queue(maxsize=1024)
    sums = [0] * threads

    def consumer(c):
        total = 0
        while True:
            value = q.get()
            if value is None:
                break
            total += value
        sums[c] = total

    def producer(p):
        for value in range(n * p // threads, n * (p + 1) // threads):
            q.put(value)
        q.put(None)

    workers = [threading.Thread(target=consumer, args=(c,)) for c in range(threads)]
    workers += [threading.Thread(target=producer, args=(p,)) for p in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return sum(sums)


def main():
    system, n, reps = bench.parse(["py-queue.Queue:1p1c", "py-queue.Queue:2p2c"])
    threads = 2 if system.endswith(":2p2c") else 1
    throughput = []
    ok = True
    for _ in range(reps):
        start = bench.now()
        total = drive(threads, n)
        elapsed = bench.now() - start
        ok = ok and total == n * (n - 1) // 2
        throughput.append(n / elapsed)
    bench.report("W3", system, n, ok, "throughput", throughput, "items/s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

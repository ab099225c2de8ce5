"""W6 "ipc", Python peers (bench/README.md, bench/w6/workload.hpp): one
producer process -> one consumer process, multiprocessing's fork context.

Systems (each ":small" -- n 8-byte integers, the consumer checks their sum --
or ":big" -- n messages of 1 MiB stamped with their sequence number):
  py-mp-Queue            multiprocessing.Queue(): put() / get()
  py-mp-Pipe-send        Pipe(duplex=False): send(x) / recv()
  py-mp-Pipe-send_bytes  Pipe(duplex=False): send_bytes() / recv_bytes()
The clock runs from the consumer's "ready" (a second pipe) to its "done".
Producer on CPU 0, consumer on CPU 1 (W6_PIN).
"""

import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bench_common as bench  # noqa: E402

BIG = 1 << 20
NAMES = ["py-mp-Queue", "py-mp-Pipe-send", "py-mp-Pipe-send_bytes"]
SYSTEMS = [f"{name}:{shape}" for name in NAMES for shape in ("small", "big")]


def cpus():
    spec = os.environ.get("W6_PIN", "0,1")
    if spec == "none" or (os.cpu_count() or 1) < 2 or "," not in spec:
        return None, None
    a, b = spec.split(",", 1)
    return int(a), int(b)


def pin(cpu):
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})


def consume(name, big, n, channel, control, cpu):
    pin(cpu)
    control.send("ready")
    ok = True
    if name == "py-mp-Queue":
        get = channel.get
    elif name == "py-mp-Pipe-send":
        get = channel.recv
    else:
        get = channel.recv_bytes
    if big:
        for i in range(n):
            m = get()
            ok = ok and len(m) == BIG and int.from_bytes(m[:8], "little") == i
    elif name == "py-mp-Pipe-send_bytes":
        total = 0
        for _ in range(n):
            total += int.from_bytes(get(), "little")
        ok = total == n * (n - 1) // 2
    else:
        total = 0
        for _ in range(n):
            total += get()
        ok = total == n * (n - 1) // 2
    control.send(ok)


def run(name, big, n):
    ctx = multiprocessing.get_context("fork")
    control_parent, control_child = ctx.Pipe()
    if name == "py-mp-Queue":
        channel = ctx.Queue()
        receiver = sender = channel
    else:
        receiver, sender = ctx.Pipe(duplex=False)
    consumer = ctx.Process(target=consume, args=(name, big, n, receiver, control_child, cpus()[1]))
    consumer.start()
    control_parent.recv()
    if name == "py-mp-Queue":
        put = sender.put
    elif name == "py-mp-Pipe-send":
        put = sender.send
    else:
        put = sender.send_bytes
    start = time.perf_counter()
    if big:
        payload = bytearray(b"x" * BIG)
        for i in range(n):
            payload[:8] = i.to_bytes(8, "little")
            put(bytes(payload))
    elif name == "py-mp-Pipe-send_bytes":
        for i in range(n):
            put(i.to_bytes(8, "little"))
    else:
        for i in range(n):
            put(i)
    ok = control_parent.recv()
    seconds = time.perf_counter() - start
    consumer.join()
    return seconds, ok and consumer.exitcode == 0


def main():
    system, n, reps = bench.parse(SYSTEMS)
    name, shape = system.rsplit(":", 1)
    big = shape == "big"
    pin(cpus()[0])
    times, ok = [], True
    for _ in range(reps):
        seconds, good = run(name, big, n)
        times.append(seconds)
        ok = ok and good
    rates = [n * BIG / t / 1e6 if big else n / t for t in times]
    metric, unit = ("MB_per_s", "MB/s") if big else ("msgs_per_s", "msg/s")
    bench.report("W6", system, n, ok, metric, rates, unit)
    bench.emit("W6", system, "elapsed_s", bench.median(times), "s")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

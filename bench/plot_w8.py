#!/usr/bin/python3
"""Draws W8 (describe) of a bench/run.sh run: time versus input size per system.

    /usr/bin/python3 bench/plot_w8.py build/release/bench/run-full-W8.txt [--out docs/bench]

Writes w8.svg: left, `describe_s` (count, mean, median, std of N doubles in memory)
against N, one line per system, log-log, with the 0.3 s target at 100 M; right, the
whole-command seconds of the 5 M-row CSV per system. The asyncio-pyloops systems are
drawn from their `describe_s_extrapolated` (measured at 1 M, scaled linearly).
Needs matplotlib (Debian python3-matplotlib).
"""

import argparse
import re
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CONCUR = "concur-describe"


def parse(path):
    by_n = defaultdict(dict)  # system -> {n: seconds}
    csv = {}
    n = None
    for line in Path(path).read_text().splitlines():
        block = re.match(r"^# ==== W8 n=(\d+) ", line)
        if block:
            n = int(block.group(1))
            continue
        fields = line.split()
        if len(fields) != 5 or line.startswith("#"):
            continue
        workload, system, metric, value, _ = fields
        if workload == "W8" and n and metric in ("describe_s", "describe_s_extrapolated"):
            by_n[system][n] = float(value)
        elif workload == "W8-csv" and metric == "seconds":
            csv[system] = float(value)
    return by_n, csv


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--out", default="docs/bench")
    args = parser.parse_args()
    by_n, csv = parse(args.run)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    for system, points in sorted(by_n.items(), key=lambda kv: kv[0] != CONCUR):
        ns = sorted(points)
        style = dict(color="#d9480f", linewidth=2.5, zorder=3) if system == CONCUR else {}
        left.plot(ns, [points[k] for k in ns], marker="o", label=system, **style)
    left.axhline(0.3, color="#2b8a3e", linestyle="--", linewidth=1, label="target at 100 M: 0.3 s")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("values (N)")
    left.set_ylabel("seconds (lower is better)")
    left.set_title("count, mean, median, std of N doubles in memory")
    left.legend(fontsize=8)
    systems = sorted(csv, key=lambda s: csv[s])
    right.barh(systems, [csv[s] for s in systems],
               color=["#d9480f" if s == CONCUR else "#4c6ef5" for s in systems])
    right.set_xscale("log")
    right.set_xlabel("seconds, whole command (lower is better)")
    right.set_title("per column of a 5 M-row x 4 CSV (186 MB)")
    fig.suptitle("W8 describe (bench/README.md)")
    fig.tight_layout()
    out = Path(args.out) / "w8.svg"
    fig.savefig(out)
    print(out)


if __name__ == "__main__":
    main()

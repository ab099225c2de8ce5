#!/usr/bin/python3
"""Draws the charts of a bench/run.sh run: one SVG per workload, concur beside every peer.

    /usr/bin/python3 bench/plot.py build/release/bench/run-full.txt [--out docs/bench]

Reads the lines `workload system metric value unit` of the run (and the `n`
each system ran with from its `# ...` comment lines), and writes
  w1.svg  W1 wall time, one panel per N (lower is better)
  w2.svg  W2 ns per task (lower is better)
  w3.svg  W3 items/s, one panel per shape (higher is better)
for the workloads present in the file. concur's bars are highlighted, the
targets of bench/README.md are drawn as dashed lines, and an axis is
logarithmic when its values span more than 30x. Needs matplotlib (Debian
python3-matplotlib).
"""

import argparse
import re
import sys
from collections import OrderedDict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

CONCUR_COLOR = "#d9480f"
CPP_COLOR = "#4c6ef5"
PY_COLOR = "#868e96"
FAMILIES = [("concur", CONCUR_COLOR), ("C++ peer", CPP_COLOR), ("Python 3 (stdlib)", PY_COLOR)]
TARGET_COLORS = ["#2b8a3e", "#ae3ec9"]
# What a reader needs to know beside a peer's name (bench/README.md has the details).
NOTES = {
    "cpp-tbb-task_group": "no futures",
    "cpp-std-async": "a thread per task",
    "cpp-moodycamel-BlockingConcurrentQueue": "unbounded",
    "cpp-moodycamel-BlockingReaderWriterQueue": "unbounded, SPSC",
    "cpp-moodycamel-BlockingReaderWriterCircularBuffer": "SPSC",
    "cpp-boost-lockfree-spsc_queue": "SPSC, spins",
    "cpp-boost-lockfree-queue": "spins",
}

DATA = re.compile(r"^(W[123]) (\S+) (\S+) (\S+) (\S+)$")
N_COMMENT = re.compile(r"^# (W[123]) (\S+) .*?\bn (\d+)\b")


def parse(path):
    """Returns (meta, rows): rows[workload] is a list of dicts in run order."""
    meta = {"mode": "", "date": "", "reps": "", "machine": ""}
    last_n = {}
    rows = {}
    for line in Path(path).read_text().splitlines():
        m = re.match(r"^# bench/run\.sh mode (\S+) .*?reps (\S+) .*?date (\S+)", line)
        if m:
            meta["mode"], meta["reps"], meta["date"] = m.groups()
            continue
        m = re.match(r"^# (Linux .*?cores)", line)
        if m:
            meta["machine"] = m.group(1)
            continue
        m = N_COMMENT.match(line)
        if m:
            last_n[m.group(1), m.group(2)] = int(m.group(3))
            continue
        m = DATA.match(line)
        if not m:
            continue
        workload, system, metric, value, unit = m.groups()
        if system.startswith("anchor:") or system == "workload-total":
            continue
        try:
            value = float(value)
        except ValueError:
            continue
        rows.setdefault(workload, []).append(
            {
                "workload": workload,
                "system": system,
                "metric": metric,
                "value": value,
                "unit": unit,
                "n": last_n.get((workload, system)),
            }
        )
    return meta, rows


def color(system):
    if system.startswith("concur"):
        return CONCUR_COLOR
    if system.startswith("py-"):
        return PY_COLOR
    return CPP_COLOR


def fmt_scaled(v, units):
    """v with the largest unit of `units` ((factor, suffix), largest first) it reaches."""
    for factor, suffix in units:
        if v >= factor:
            return f"{v / factor:.3g} {suffix}"
    factor, suffix = units[-1]
    return f"{v / factor:.3g} {suffix}"


def fmt_seconds(v):
    return fmt_scaled(v, ((1, "s"), (1e-3, "ms"), (1e-6, "µs")))


def fmt_ns(v):
    return fmt_scaled(v, ((1e6, "ms"), (1e3, "µs"), (1, "ns")))


def fmt_rate(v):
    return fmt_scaled(v, ((1e9, "G/s"), (1e6, "M/s"), (1e3, "k/s"), (1, "/s")))


def panel(ax, rows, fmt, xlabel, title, targets=(), main_n=None):
    """Horizontal bars, first row on top; targets: (x, label) dashed lines."""
    labels = []
    for r in rows:
        label = r["system"]
        notes = [NOTES[label]] if label in NOTES and r["workload"] != "W1" else []
        if main_n is not None and r["n"] is not None and r["n"] != main_n:
            notes.append(f"n={r['n']:,}")
        if notes:
            label += "  (" + ", ".join(notes) + ")"
        labels.append(label)
    values = [r["value"] for r in rows]
    y = list(range(len(rows)))[::-1]
    ax.barh(y, values, color=[color(r["system"]) for r in rows], height=0.7)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8.5)
    for tick, r in zip(ax.get_yticklabels(), rows):
        if r["system"].startswith("concur"):
            tick.set_fontweight("bold")
            tick.set_color(CONCUR_COLOR)
    positive = [v for v in values if v > 0]
    log = bool(positive) and max(positive) / min(positive) > 30
    if log:
        ax.set_xscale("log")
        ax.set_xlim(min(positive) / 2, max(positive) * 8)
    else:
        ax.set_xlim(0, max(values) * 1.25 if values else 1)
    for yi, v, r in zip(y, values, rows):
        ax.text(
            v * 1.05 if log else v + ax.get_xlim()[1] * 0.01,
            yi,
            fmt(v),
            va="center",
            fontsize=8,
            fontweight="bold" if r["system"].startswith("concur") else "normal",
        )
    handles = [
        Patch(color=c, label=label)
        for label, c in FAMILIES
        if c in {color(r["system"]) for r in rows}
    ]
    for (x, label), line_color in zip(targets, TARGET_COLORS):
        if x and x > 0:
            handles.append(
                ax.axvline(x, color=line_color, linestyle="--", linewidth=1.3, label=label)
            )
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False
    )
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt(v) if v > 0 else "0"))
    if log:
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(xlabel + (" (log scale)" if log else ""), fontsize=9)
    ax.set_title(title, fontsize=10, loc="left", pad=14)
    ax.grid(axis="x", which="major", color="#dee2e6", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(axis="x", labelsize=8)


def field_of(rows, system, field="value"):
    """`field` of the row of `system`, or None when that system did not run."""
    for r in rows:
        if r["system"] == system:
            return r[field]
    return None


def suptitle(fig, text, meta):
    sub = []
    if meta["date"]:
        sub.append(meta["date"])
    if meta["machine"]:
        sub.append(meta["machine"])
    if meta["reps"]:
        sub.append(f"median of {meta['reps']} repetitions")
    lines = [text, ", ".join(sub)]
    if meta["mode"] == "quick":
        lines.append("QUICK RUN (sizes / 10): a smoke check, not a measurement")
    fig.suptitle("\n".join(lines), fontsize=10, x=0.01, ha="left")


def figure(panels):
    heights = [max(2.0, 0.32 * n + 1.2) for n in panels]
    fig, axes = plt.subplots(
        nrows=len(panels),
        figsize=(11.5, sum(heights) + 0.9),
        gridspec_kw={"height_ratios": heights},
        layout="constrained",
        squeeze=False,
    )
    return fig, [a[0] for a in axes]


def plot_w1(rows, meta, out):
    by_n = OrderedDict()
    for r in rows:
        if r["metric"] == "wall":
            by_n.setdefault(r["n"], []).append(r)
    if not by_n:
        return None
    ns = sorted(by_n, key=lambda n: n or 0)
    fig, axes = figure([len(by_n[n]) for n in ns])
    for ax, n in zip(axes, ns):
        omp = field_of(by_n[n], "cpp-omp-static")
        panel(
            ax,
            by_n[n],
            fmt_seconds,
            "wall time per call (lower is better)",
            f"N = {n:,}" if n else "N = ?",
            targets=[(omp * 1.05 if omp else None, "target: 1.05 × OpenMP static")],
        )
    suptitle(
        fig, "W1 seed-pool: out = [f(n) for n in range(N)], opaque f, one worker per core", meta
    )
    return save(fig, out / "w1")


def plot_w2(rows, meta, out):
    rows = [r for r in rows if r["metric"] == "per_task"]
    if not rows:
        return None
    main_n = field_of(rows, "concur-ThreadPoolExecutor", "n")
    fig, axes = figure([len(rows)])
    panel(
        axes[0],
        rows,
        fmt_ns,
        "wall time per task (lower is better)",
        f"N = {main_n:,} tasks, submit + one future each, pool of 2"
        if main_n
        else "submit + one future each, pool of 2",
        targets=[
            (150, "target: 150 ns"),
            (field_of(rows, "cpp-tbb-task_group"), "target: ≤ TBB task_group (no futures)"),
        ],
        main_n=main_n,
    )
    suptitle(fig, "W2 tiny-tasks: N trivial tasks through a 2-worker pool", meta)
    return save(fig, out / "w2")


def plot_w3(rows, meta, out):
    shapes = OrderedDict()
    for r in rows:
        if r["metric"] != "throughput" or ":" not in r["system"]:
            continue
        base, shape = r["system"].rsplit(":", 1)
        shapes.setdefault(shape, []).append(dict(r, system=base))
    if not shapes:
        return None
    names = sorted(shapes)
    fig, axes = figure([len(shapes[s]) for s in names])
    for ax, shape in zip(axes, names):
        srows = shapes[shape]
        main_n = field_of(srows, "concur-queue.Queue", "n")
        py = field_of(srows, "py-queue.Queue")
        panel(
            ax,
            srows,
            fmt_rate,
            "items per second (higher is better)",
            f"{shape}" + (f", N = {main_n:,} items" if main_n else ""),
            targets=[
                (
                    field_of(srows, "cpp-moodycamel-BlockingConcurrentQueue"),
                    "target: ≥ moodycamel BlockingConcurrentQueue",
                ),
                (py * 10 if py else None, "target: ≥ 10 × queue.Queue"),
            ],
            main_n=main_n,
        )
    suptitle(fig, "W3 queue: N uint64 through a bounded queue of 1024", meta)
    return save(fig, out / "w3")


FORMAT = "svg"


def save(fig, stem):
    path = stem.with_suffix("." + FORMAT)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Date": None} if FORMAT == "svg" else {}
    fig.savefig(path, format=FORMAT, metadata=metadata, dpi=110)
    plt.close(fig)
    return path


def main():
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", help="a bench/run.sh output file (run-<tag>.txt)")
    parser.add_argument(
        "--out",
        type=Path,
        default=here.parent / "docs" / "bench",
        help="directory for w1.svg, w2.svg, w3.svg (default: docs/bench)",
    )
    parser.add_argument(
        "--format", choices=("svg", "png"), default="svg", help="image format (default: svg)"
    )
    args = parser.parse_args()
    global FORMAT
    FORMAT = args.format
    matplotlib.rcParams["svg.hashsalt"] = "concur-bench"
    matplotlib.rcParams["font.family"] = "DejaVu Sans"
    meta, rows = parse(args.run)
    if not rows:
        sys.exit(f"plot.py: no measurement lines in {args.run}")
    written = []
    for workload, plot in (("W1", plot_w1), ("W2", plot_w2), ("W3", plot_w3)):
        if workload in rows:
            path = plot(rows[workload], meta, args.out)
            if path:
                written.append(str(path))
    print("# plot.py wrote " + ", ".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())

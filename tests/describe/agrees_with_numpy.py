#!/usr/bin/python3
"""concur-describe agrees with numpy (mean, std ddof=1, min, percentiles with
the default linear method, max) to 1e-12 relative on random data, and with the
seed's numbers on arange. Run by ctest with Debian's /usr/bin/python3;
exits 77 (skipped) when numpy is missing.

usage: agrees_with_numpy.py PATH/TO/concur-describe
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("numpy is not installed: skipped")
    sys.exit(77)

TOOL = sys.argv[1]


def describe(*args):
    out = subprocess.run([TOOL, *args, "--format", "json"], check=True,
                         capture_output=True, text=True, timeout=120).stdout
    return {c["name"]: c for c in json.loads(out)["columns"]}


def compare(name, got, values):
    expected = {
        "count": values.size, "mean": values.mean(), "std": values.std(ddof=1),
        "min": values.min(), "q1": np.percentile(values, 25),
        "median": np.percentile(values, 50), "q3": np.percentile(values, 75),
        "max": values.max(),
    }
    bad = 0
    for stat, want in expected.items():
        have = got[stat]
        error = abs(have - want) / max(abs(want), 1e-300)
        if error > 1e-12:
            print(f"MISMATCH {name} {stat}: concur {have!r} numpy {want!r} (rel {error:.3g})")
            bad += 1
    return bad


def main():
    rng = np.random.default_rng(2026)
    n = 100_003
    columns = {
        "uniform": rng.random(n),
        "normal": rng.normal(-3.0, 7.0, n),
        "tiny": rng.normal(1.0, 0.5, n) * 1e-200,
        "huge": rng.lognormal(0.0, 3.0, n) * 1e100,
        "ints": rng.integers(-2**40, 2**40, n).astype(np.float64),
        "ties": rng.integers(0, 5, n).astype(np.float64),
    }
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "random.csv")
        with open(path, "w") as f:
            f.write(",".join(columns) + "\n")
            for row in zip(*columns.values()):
                f.write(",".join(repr(float(x)) for x in row) + "\n")
        got = describe(path)
        for name, values in columns.items():
            bad += compare(name, got[name], values)
        for engine in ("serial", "async", "processes"):
            other = describe(path, "--engine", engine)
            for name, values in columns.items():
                bad += compare(f"{name} ({engine})", other[name], values)
        binary = os.path.join(tmp, "normal.f64")
        columns["normal"].astype("<f8").tofile(binary)
        bad += compare("normal (binary)", describe("--binary", binary)["x"], columns["normal"])
    seed = describe("--generate", "arange:10_000_000")["x"]
    bad += compare("arange", seed, np.arange(10_000_000, dtype=np.float64))
    print("agrees with numpy" if bad == 0 else f"{bad} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

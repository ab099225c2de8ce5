"""W8 "describe", file variant, pandas peer (bench/README.md): read the W8 CSV
(header a,b,c,d; written by ``peer_w8_cpp csvgen``) and describe it.

usage: pandas.py <path>

One run per process (bench/run.sh runs it REPS times and also times the whole
command, interpreter start and ``import pandas`` included): ``pd.read_csv(path)``
then ``df.describe()`` (count, mean, std with ddof = 1, min, quartiles with the
median, max of every column). Prints ``W8-csv pandas <metric> <s> s`` for
total_s (read_csv + describe), read_csv_s and describe_s. Checks that every
column's count is the number of rows and, for the W8 CSV, that column a has
mean ~ 0.5, median ~ 0.5 and std ~ 0.2887; exit status 1 otherwise. Needs Debian
python3-pandas (exit status 2 without it).
"""

import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = Path(__file__).resolve().parent
# This file is named pandas.py: its own directory (sys.path[0]) would shadow the real pandas.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))
import bench_common as bench  # noqa: E402

SYSTEM = "pandas"
UNIFORM_STD = 12**-0.5
TOLERANCE = 0.01


def main():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} <path to the W8 CSV>")
    try:
        import pandas as pd
    except ImportError:
        print("pandas: not installed (Debian python3-pandas)", file=sys.stderr)
        sys.exit(2)
    t0 = time.perf_counter()
    df = pd.read_csv(sys.argv[1])
    t1 = time.perf_counter()
    d = df.describe()
    t2 = time.perf_counter()
    ok = len(df.columns) > 0 and all(d.loc["count"] == len(df))
    if ok and list(df.columns) == ["a", "b", "c", "d"]:
        a = d["a"]
        ok = (
            abs(a["mean"] - 0.5) < TOLERANCE
            and abs(a["50%"] - 0.5) < TOLERANCE
            and abs(a["std"] - UNIFORM_STD) < TOLERANCE
        )
    print(
        f"# W8-csv {SYSTEM} rows {len(df)} columns {len(df.columns)} checksum"
        f" {'ok' if ok else 'MISMATCH'} (pandas {pd.__version__})",
        flush=True,
    )
    bench.emit("W8-csv", SYSTEM, "total_s", t2 - t0, "s")
    bench.emit("W8-csv", SYSTEM, "read_csv_s", t1 - t0, "s")
    bench.emit("W8-csv", SYSTEM, "describe_s", t2 - t1, "s")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Builds and runs the benchmarks W1-W8 (bench/README.md) for concur and
# for every peer system built here, one OS process per system, one after
# another, and prints the measurements, the ratios concur / peer of this run
# and the targets.
#
#   bench/run.sh [--quick] [--no-python] [--plot] [--anchors] [W1] [W2] [W3] [W4] [W5] [W6] [W7] [W8]
#
#   --quick      every size / 10 (a smoke check, not a measurement)
#   --no-python  skip the Python systems (py-*; W8's numpy, asyncio-pyloops-*,
#                pandas and csvstat)
#   --plot       then draw docs/bench/w1.svg, w2.svg, w3.svg with bench/plot.py
#   --anchors    also build and run an external reference harness (ANCHORS_DIR,
#                a Makefile building w1_seed_pool w2_tiny_tasks w3_queue), when
#                that directory exists, as a cross-check of the peers (anchor:* rows)
#   W1 ... W8   the workloads to run (default: all)
#
# Environment (sizes are the full ones; --quick divides them by 10):
#   BUILD_DIR   build tree (default build/release, configured with
#               `cmake --preset release`; another directory without a cache is
#               configured as a Release build with benchmarks only)
#   REPS        timed repetitions per system, median reported (default 5)
#   REPS_SLOW   repetitions of the slowest systems (W8's asyncio-pyloops-* and
#               csvstat; default 1)
#   SETTLE      seconds of rest before each block (default 3)
#   W1_N, W1_N_BIG        W1 sizes (100,000 and 1,000,000; Python at W1_N only)
#   W2_N        W2 C++ pools (1,000,000); W2_N_PY Python (100,000);
#               W2_N_ASYNC std::async, a thread per task (10,000)
#   W3_N        W3 C++ queues (10,000,000); W3_N_PY Python (1,000,000)
#   W6_N, W6_N_BIG        W6 messages: 8-byte (1,000,000) and 1 MiB (2,000);
#               W6_PIN producer,consumer CPUs (0,1; "none" lets the kernel choose)
#   W4_N, W4_N_BIG        W4 tasks sleeping 1 s (100,000 and 1,000,000;
#               Python at W4_N only)
#   W5_C, W5_R  W5 echo connections (100) and round trips each (10,000);
#               W5_PIN server,client CPUs (0,1; "none" lets the kernel choose)
#   W7_N        W7 processes per repetition (1,000); W7_N_SLOW for spawn and
#               Python's forkserver and spawn (100)
#   W8_N, W8_N_BIG        W8 values described in memory (10,000,000 and
#               100,000,000); W8_CSV_ROWS rows of the W8 CSV (5,000,000),
#               W8_CSV_SLICE the rows csvstat reads (100,000; scaled up)
#   W8_PYLOOPS_N          W8 values of the asyncio-pyloops-* systems (1,000,000;
#               run once, scaled linearly to each W8 n)
#   W8_DESCRIBE concur-describe, W8's CSV system (default
#               $BUILD_DIR/apps/describe/concur-describe, built when W8 runs)
#   PY          Python interpreter (default /usr/bin/python3, stdlib only)
#   TMO         timeout per system in seconds (default 600)
#   JOBS        build jobs (default 2)
#
# Output: lines `workload system metric value unit`, comments (repetitions,
# checksums, ratios, targets) as `#` lines; a copy goes to
# $BUILD_DIR/bench/run-<tag>.txt (tag: full or quick, plus the workloads when
# not all are run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

quick=0 python=1 plot=0 anchors=0
want=()
for arg in "$@"; do
    case "$arg" in
        --quick) quick=1 ;;
        --no-python) python=0 ;;
        --plot) plot=1 ;;
        --anchors) anchors=1 ;;
        W1 | W2 | W3 | W4 | W5 | W6 | W7 | W8) [[ " ${want[*]-} " == *" $arg "* ]] || want+=("$arg") ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
wants() { [ ${#want[@]} -eq 0 ] || [[ " ${want[*]} " == *" $1 "* ]]; }
all_workloads=(W1 W2 W3 W4 W5 W6 W7 W8)
selected=()
for w in "${all_workloads[@]}"; do wants "$w" && selected+=("$w"); done
want=("${selected[@]}")

div=1 mode=full
[ $quick -eq 1 ] && div=10 mode=quick
REPS=${REPS:-5}
REPS_SLOW=${REPS_SLOW:-1}
W1_N=$((${W1_N:-100000} / div))
W1_N_BIG=$((${W1_N_BIG:-1000000} / div))
W2_N=$((${W2_N:-1000000} / div))
W2_N_PY=$((${W2_N_PY:-100000} / div))
W2_N_ASYNC=$((${W2_N_ASYNC:-10000} / div))
W3_N=$((${W3_N:-10000000} / div))
W3_N_PY=$((${W3_N_PY:-1000000} / div))
W4_N=$((${W4_N:-100000} / div))
W4_N_BIG=$((${W4_N_BIG:-1000000} / div))
W5_C=${W5_C:-100}
W5_R=$((${W5_R:-10000} / div))
W6_N=$((${W6_N:-1000000} / div))
W6_N_BIG=$((${W6_N_BIG:-2000} / div))
W7_N=$((${W7_N:-1000} / div))
W7_N_SLOW=$((${W7_N_SLOW:-100} / div))
W8_N=$((${W8_N:-10000000} / div))
W8_N_BIG=$((${W8_N_BIG:-100000000} / div))
W8_CSV_ROWS=$((${W8_CSV_ROWS:-5000000} / div))
W8_CSV_SLICE=$((${W8_CSV_SLICE:-100000} / div))
W8_PYLOOPS_N=$((${W8_PYLOOPS_N:-1000000} / div))
PY=${PY:-/usr/bin/python3}
TMO=${TMO:-600}
BUILD_DIR=${BUILD_DIR:-build/release}
BUILD_DIR=${BUILD_DIR%/}
BIN=$BUILD_DIR/bench
W8_DESCRIBE=${W8_DESCRIBE:-$BUILD_DIR/apps/describe/concur-describe}

# ---- build -------------------------------------------------------------------
configure_log=$(mktemp)
tmp_files=("$configure_log")
# W8's CSV and scratch files: a directory made here, in the shell that owns the
# trap (main runs in a pipeline's subshell), removed at exit.
w8_dir=
cleanup() {
    rm -f "${tmp_files[@]}"
    if [ -n "$w8_dir" ]; then rm -rf "$w8_dir"; fi
}
trap cleanup EXIT
BUILD_DIR=${BUILD_DIR#./}
if [ "$BUILD_DIR" = build/release ]; then
    cmake --preset release >"$configure_log" 2>&1 || { cat "$configure_log" >&2; exit 1; }
elif [ -f "$BUILD_DIR/CMakeCache.txt" ]; then
    cmake -S . -B "$BUILD_DIR" >"$configure_log" 2>&1 || { cat "$configure_log" >&2; exit 1; }
else
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONCUR_BUILD_BENCHMARKS=ON \
        -DCONCUR_BUILD_TESTS=OFF -DCONCUR_BUILD_EXAMPLES=OFF -DCONCUR_BUILD_APPS=OFF \
        >"$configure_log" 2>&1 || { cat "$configure_log" >&2; exit 1; }
fi
cmake --build "$BUILD_DIR" --target concur_bench_workloads -j "${JOBS:-2}" >&2
if wants W8; then
    w8_dir=$(mktemp -d "${TMPDIR:-/tmp}/concur-bench-w8.XXXXXX")
    # W8's CSV system is concur's app concur-describe (apps/describe), not a
    # benchmark target: build it when the build tree knows it (apps enabled).
    describe_target=$(basename "$W8_DESCRIBE")
    if ! cmake --build "$BUILD_DIR" --target "$describe_target" -j "${JOBS:-2}" >"$w8_dir/build.log" 2>&1; then
        if grep -qiE "unknown target|no rule to make target" "$w8_dir/build.log"; then
            echo "bench/run.sh: W8: no target $describe_target in $BUILD_DIR (apps not configured?)" >&2
        else
            cat "$w8_dir/build.log" >&2
            exit 1
        fi
    fi
fi

anchor_dir=${ANCHORS_DIR:-../shared/anchors/cpu}  # the project's own checkout layout
case "$BUILD_DIR" in
    /*) anchor_bin=$BUILD_DIR/anchors ;;
    *) anchor_bin=$PWD/$BUILD_DIR/anchors ;;
esac
if [ $anchors -eq 1 ]; then
    if [ -f "$anchor_dir/Makefile" ]; then
        mkdir -p "$anchor_bin"
        for b in w1_seed_pool w2_tiny_tasks w3_queue; do
            make -s -C "$anchor_dir" BUILD="$anchor_bin" "$anchor_bin/$b" >&2 ||
                echo "bench/run.sh: the anchors' $b did not build" >&2
        done
    else
        echo "bench/run.sh: --anchors: $anchor_dir not found, no cross-check" >&2
        anchors=0
    fi
fi

tag=$mode
[ ${#want[@]} -lt ${#all_workloads[@]} ] && tag=$mode-$(IFS=-; echo "${want[*]}")
mkdir -p "$BIN"
raw=$BIN/run-$tag.txt

# ---- running -------------------------------------------------------------------
block=$(mktemp) targets=$(mktemp)
tmp_files+=("$block" "$targets")

# CPU time that processes other than this run used during a block (other jobs
# on a shared machine): busy ticks of the machine minus this run's children.
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
own_ticks() { awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$main_pid/stat"; }
hz=$(getconf CLK_TCK)

block_start() {
    # Let the previous block's processes finish leaving (Python pools'
    # worker processes exit and the kernel reclaims their memory).
    sleep "${SETTLE:-3}"
    echo "# ==== $* reps=$REPS ($(nproc) cores, $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg))"
    : >"$block"
    block_t0=$(date +%s.%N) block_busy=$(busy_ticks) block_own=$(own_ticks)
}
block_end() {
    awk -v t0="$block_t0" -v t1="$(date +%s.%N)" -v busy=$(($(busy_ticks) - block_busy)) \
        -v own=$(($(own_ticks) - block_own)) -v hz="$hz" -v what="$*" 'BEGIN {
            other = (busy - own) / hz; if (other < 0) other = 0
            printf "# ==== %s took %.1f s; CPU used by other processes meanwhile: %.1f s\n", what, t1 - t0, other }'
}

# run_system <workload> <program> <system> <n> [<reps> [<arg>]...]: runs one
# system in its own process (reps default REPS; the args follow it).
run_system() {
    local workload=$1 program=$2 name=$3 n=$4 reps=${5:-$REPS} cmd rc=0
    case "$program" in
        *.py)
            [ $python -eq 1 ] || return 0
            cmd=("$PY" "bench/$program")
            ;;
        anchor:*)
            cmd=("$anchor_bin/${program#anchor:}")
            [ -x "${cmd[0]}" ] || return 0
            ;;
        *)
            cmd=("$BIN/$program")
            if [ ! -x "${cmd[0]}" ]; then
                echo "# SKIP $workload $name ($program not built: its Debian package is missing, see scripts/install-deps.sh)"
                return 0
            fi
            ;;
    esac
    if [[ $program == anchor:* ]]; then
        timeout "$TMO" "${cmd[@]}" "$name" "$n" "$reps" "${@:6}" 2>&1 |
            sed -E 's/^(# )?(W[0-9]) ([^ ]+)/\1\2 anchor:\3/' | tee -a "$block" || rc=${PIPESTATUS[0]}
    else
        timeout "$TMO" "${cmd[@]}" "$name" "$n" "$reps" "${@:6}" 2>&1 | tee -a "$block" || rc=${PIPESTATUS[0]}
    fi
    if [ "$rc" -eq 124 ]; then
        echo "# FAILED $workload $name n=$n (timeout after $TMO s, see TMO)"
    elif [ "$rc" -ne 0 ]; then
        echo "# FAILED $workload $name n=$n (exit status $rc)"
    fi
}

# ratios <workload> <metric> <concur system> <label> <shape or ""> [<system> <op> <target>]...
# prints concur / every other system of the block (W3: of the given shape)
# and, for each <system> <op> <target>, whether the ratio meets the target
# (also kept for the summary at the end).
ratios() {
    awk -v w="$1" -v metric="$2" -v concur="$3" -v label="$4" -v shape="$5" -v spec="${*:6}" \
        -v targets="$targets" '
        !/^#/ && $1 == w && $3 == metric {
            sys = $2
            if (shape != "") { if (sys !~ ":" shape "$") next; sub(":" shape "$", "", sys) }
            if (!(sys in v)) order[++k] = sys
            v[sys] = $4
        }
        function verdict(r, op, target) { return (op == "<=" ? r <= target : r >= target) ? "met" : "MISSED" }
        END {
            nt = split(spec, t, " ")
            for (j = 1; j + 2 <= nt; j += 3) { top[t[j]] = t[j + 1]; tval[t[j]] = t[j + 2] }
            if (!(concur in v)) {
                printf "# %s: %s did not run, no ratios\n", label, concur
                for (s in top)
                    printf "# TARGET %s: %s / %s %s %s: not measured\n", label, concur, s, top[s], \
                        tval[s] >> targets
                exit
            }
            printf "# %s: concur / system, %s\n", label, \
                metric == "throughput" ? "items/s (> 1: concur faster)" : metric == "rt_per_s" ? "rt/s (> 1: concur faster)" : \
                metric ~ /rss/ ? metric " (< 1: concur smaller)" : metric " (< 1: concur faster)"
            for (i = 1; i <= k; ++i) {
                s = order[i]
                if (s == concur || s ~ /^anchor:/ || v[s] == 0) continue
                r = v[concur] / v[s]
                note = ""
                if (s in top) {
                    note = sprintf("   target %s %s: %s", top[s], tval[s], verdict(r, top[s], tval[s]))
                    printf "# TARGET %s: %s / %s = %.3g (%s %s): %s\n", label, concur, s, r, top[s], \
                        tval[s], verdict(r, top[s], tval[s]) >> targets
                }
                printf "#   %-52s %8.3g%s\n", s, r, note
            }
            for (s in top)
                if (!(s in v))
                    printf "# TARGET %s: %s / %s %s %s: not measured (%s did not run)\n", label, \
                        concur, s, top[s], tval[s], s >> targets
            for (i = 1; i <= k; ++i) {
                s = order[i]
                if (s !~ /^anchor:/) continue
                a = substr(s, 8)
                if ((a in v) && v[s] != 0) printf "#   cross-check %s: bench/ / anchors = %.3g\n", a, v[a] / v[s]
            }
        }' "$block"
}

# absolute <workload> <metric> <system> <label> <op> <target> <unit>
absolute() {
    awk -v w="$1" -v metric="$2" -v sys="$3" -v label="$4" -v op="$5" -v target="$6" \
        -v unit="$7" -v targets="$targets" '
        !/^#/ && $1 == w && $2 == sys && $3 == metric { v = $4; seen = 1 }
        END {
            if (!seen) { printf "# TARGET %s: %s %s %s %s: not measured\n", label, sys, op, target, unit >> targets; exit }
            met = op == "<=" ? v <= target : v >= target
            printf "# TARGET %s: %s = %.4g %s (%s %s %s): %s\n", label, sys, v, unit, op, target, unit, \
                met ? "met" : "MISSED" >> targets
        }' "$block"
}

run_w1() {
    local n ns=("$W1_N")
    [ "$W1_N_BIG" != "$W1_N" ] && ns+=("$W1_N_BIG")
    for n in "${ns[@]}"; do
        block_start "W1 n=$n"
        run_system W1 concur_w1_seed_pool concur-ThreadPoolExecutor-map "$n"
        run_system W1 concur_w1_process_pool concur-mp-Pool-map "$n"
        run_system W1 peer_w1_std cpp-serial "$n"
        run_system W1 peer_w1_omp cpp-omp-static "$n"
        run_system W1 peer_w1_tbb cpp-tbb-parallel_for "$n"
        run_system W1 peer_w1_std cpp-std-async "$n"
        if [ "$n" = "$W1_N" ]; then
            for s in py-serial py-serial-seed py-mp-Pool py-mp-Pool-seed py-ProcessPoolExecutor; do
                run_system W1 w1/python.py "$s" "$n"
            done
        fi
        if [ $anchors -eq 1 ]; then
            for s in cpp-serial cpp-omp-static cpp-tbb-parallel_for cpp-std-async; do
                run_system W1 anchor:w1_seed_pool "$s" "$n"
            done
        fi
        ratios W1 wall concur-ThreadPoolExecutor-map "W1 n=$n" "" cpp-omp-static "<=" 1.05
        if [ "$n" = "$W1_N" ]; then
            ratios W1 wall concur-mp-Pool-map "W1 n=$n processes" "" cpp-omp-static "<=" 3 \
                py-mp-Pool "<=" 0.01
        else
            ratios W1 wall concur-mp-Pool-map "W1 n=$n processes" "" cpp-omp-static "<=" 3
        fi
        block_end "W1 n=$n"
    done
}

run_w2() {
    block_start "W2 n=$W2_N (std::async $W2_N_ASYNC, Python $W2_N_PY)"
    run_system W2 concur_w2_tiny_tasks concur-ThreadPoolExecutor "$W2_N"
    for s in cpp-tbb-task_group cpp-tbb-task_group-future; do
        run_system W2 peer_w2_tbb "$s" "$W2_N"
    done
    run_system W2 peer_w2_asio cpp-asio-thread_pool-promise "$W2_N"
    run_system W2 peer_w2_std cpp-naive-mutex-cv-pool "$W2_N"
    run_system W2 peer_w2_std cpp-std-async "$W2_N_ASYNC"
    run_system W2 w2/python.py py-ThreadPoolExecutor "$W2_N_PY"
    if [ $anchors -eq 1 ]; then
        for s in cpp-tbb-task_group cpp-tbb-task_group-future cpp-asio-thread_pool-promise \
            cpp-naive-mutex-cv-pool; do
            run_system W2 anchor:w2_tiny_tasks "$s" "$W2_N"
        done
        run_system W2 anchor:w2_tiny_tasks cpp-std-async "$W2_N_ASYNC"
    fi
    absolute W2 per_task concur-ThreadPoolExecutor "W2 per task with a future each" "<=" 150 ns
    ratios W2 per_task concur-ThreadPoolExecutor W2 "" cpp-tbb-task_group "<=" 1.0
    block_end W2
}

run_w6() {
    local shape n s
    for shape in small big; do
        n=$W6_N
        [ $shape = big ] && n=$W6_N_BIG
        block_start "W6 $shape n=$n"
        for s in concur-mp-Queue concur-mp-Pipe-send concur-mp-Pipe-send_bytes; do
            run_system W6 concur_w6_ipc "$s:$shape" "$n"
        done
        for s in c-pipe c-shm-spsc; do
            run_system W6 peer_w6_c "$s:$shape" "$n"
        done
        for s in py-mp-Queue py-mp-Pipe-send py-mp-Pipe-send_bytes; do
            run_system W6 w6/python.py "$s:$shape" "$n"
        done
        if [ $shape = small ]; then
            absolute W6 msgs_per_s concur-mp-Queue:small "W6 Queue small" ">=" 20000000 msg/s
            ratios W6 msgs_per_s concur-mp-Pipe-send_bytes "W6 small Pipe" small c-pipe ">=" 0.9
            ratios W6 msgs_per_s concur-mp-Queue "W6 small Queue" small py-mp-Queue ">=" 1
        else
            absolute W6 MB_per_s concur-mp-Queue:big "W6 Queue big" ">=" 5000 MB/s
            ratios W6 MB_per_s concur-mp-Pipe-send_bytes "W6 big Pipe" big c-pipe ">=" 0.9
            ratios W6 MB_per_s concur-mp-Queue "W6 big Queue" big py-mp-Queue ">=" 1
        fi
        block_end "W6 $shape"
    done
}

run_w4() {
    local n ns=("$W4_N")
    [ "$W4_N_BIG" != "$W4_N" ] && ns+=("$W4_N_BIG")
    for n in "${ns[@]}"; do
        block_start "W4 n=$n"
        run_system W4 concur_w4_async_sleep concur-asyncio "$n"
        run_system W4 peer_w4_uv libuv-timers "$n"
        run_system W4 peer_w4_asio asio-coro "$n"
        if [ "$n" = "$W4_N" ]; then
            for s in py-asyncio py-uvloop; do run_system W4 w4/python.py "$s" "$n"; done
        fi
        ratios W4 overhead_s concur-asyncio "W4 n=$n overhead" ""
        ratios W4 rss_per_task concur-asyncio "W4 n=$n memory" ""
        if [ "$n" = "$W4_N_BIG" ]; then
            absolute W4 overhead_s concur-asyncio "W4 n=$n overhead" "<=" 0.6 s
            absolute W4 rss_per_task concur-asyncio "W4 n=$n memory" "<=" 300 B/task
        fi
        block_end "W4 n=$n"
    done
}

# w5_command <server program>: the command that starts it, in w5_cmd; false
# (with a SKIP line) when it is not there.
w5_command() {
    local program=$1
    case "$program" in
        *.py)
            [ $python -eq 1 ] || return 1
            w5_cmd=("$PY" "bench/$program")
            ;;
        *)
            w5_cmd=("$BIN/$program")
            if [ ! -x "${w5_cmd[0]}" ]; then
                echo "# SKIP W5 ($program not built: its Debian package is missing, see scripts/install-deps.sh)"
                return 1
            fi
            ;;
    esac
}

# w5_round <system> <command...>: one round, a fresh server and the neutral
# client; the client's lines go to the block.
w5_round() {
    local name=$1 port rc=0 waited=0
    shift
    local server_out
    server_out=$(mktemp)
    tmp_files+=("$server_out")
    timeout "$TMO" "$@" "$name" "$W5_C" >"$server_out" &
    local server_pid=$!
    while [ ! -s "$server_out" ] && ((waited < 100)); do sleep 0.1; waited=$((waited + 1)); done
    port=$(head -1 "$server_out")
    if [ -z "$port" ]; then
        echo "# FAILED W5 $name (the server printed no port)"
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        return 0
    fi
    timeout "$TMO" "$BIN/peer_w5_client" "$port" "$name" "$W5_C" "$W5_R" 2>&1 |
        tee -a "$block" || rc=${PIPESTATUS[0]}
    wait "$server_pid" || rc=$?
    [ "$rc" -ne 0 ] && echo "# FAILED W5 $name (exit status $rc)"
    return 0
}

# w5_median <system>: the median round-trip rate of its rounds, as its last line.
w5_median() {
    awk -v s="$1" '!/^#/ && $1 == "W5" && $2 == s && $3 == "rt_per_s" { print $4 }' "$block" |
        sort -g | awk -v s="$1" '{ v[++n] = $1 }
        END {
            if (n == 0) exit
            m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
            printf "# W5 %s rt_per_s median of %d rounds\n", s, n
            printf "W5 %s rt_per_s %.6g rt/s\n", s, m
        }' | tee -a "$block"
}

# REPS rounds, each running every system once (round-robin): a slow window
# of a shared machine then slows one round of every system rather than
# every round of one, so the ratios of medians hold.
run_w5() {
    block_start "W5 C=$W5_C R=$W5_R"
    if [ ! -x "$BIN/peer_w5_client" ]; then
        echo "# SKIP W5 (peer_w5_client not built)"
        block_end W5
        return 0
    fi
    local systems=(concur-asyncio libuv-c asio-coro py-asyncio-streams py-uvloop-streams
        py-asyncio-protocol py-uvloop-protocol)
    local programs=(concur_w5_echo_server peer_w5_uv_server peer_w5_asio_server
        w5/python_server.py w5/python_server.py w5/python_server.py w5/python_server.py)
    local present=() i rep w5_cmd
    for i in "${!systems[@]}"; do
        w5_command "${programs[$i]}" && present+=("$i")
    done
    for ((rep = 1; rep <= REPS; ++rep)); do
        echo "# W5 round $rep of $REPS"
        for i in "${present[@]}"; do
            w5_command "${programs[$i]}" >/dev/null
            w5_round "${systems[$i]}" "${w5_cmd[@]}"
        done
    done
    for i in "${present[@]}"; do w5_median "${systems[$i]}"; done
    ratios W5 rt_per_s concur-asyncio W5 "" libuv-c ">=" 0.95
    block_end W5
}

run_w7() {
    block_start "W7 n=$W7_N (spawn, forkserver: $W7_N_SLOW)"
    run_system W7 concur_w7_spawn concur-Process-fork "$W7_N"
    run_system W7 concur_w7_spawn concur-Process-forkserver "$W7_N"
    run_system W7 concur_w7_spawn concur-Process-spawn "$W7_N_SLOW"
    for s in c-fork-_exit c-vfork-_exit c-fork-exec-true c-posix_spawn-true; do
        run_system W7 peer_w7_c "$s" "$W7_N"
    done
    run_system W7 w7/python.py py-mp-Process-fork "$W7_N"
    for s in py-mp-Process-forkserver py-mp-Process-spawn; do
        run_system W7 w7/python.py "$s" "$W7_N_SLOW"
    done
    ratios W7 per_process concur-Process-fork W7 "" c-fork-_exit "<=" 1.3
    ratios W7 per_process concur-Process-forkserver "W7 forkserver" "" c-fork-_exit "<=" 2
    block_end W7
}

run_w3() {
    local shape s
    for shape in 1p1c 2p2c; do
        block_start "W3 $shape n=$W3_N (Python $W3_N_PY)"
        run_system W3 concur_w3_queue "concur-queue.Queue:$shape" "$W3_N"
        run_system W3 concur_w3_queue "cpp-naive-mutex-cv-deque:$shape" "$W3_N"
        run_system W3 peer_w3_moodycamel "cpp-moodycamel-BlockingConcurrentQueue:$shape" "$W3_N"
        if [ $shape = 1p1c ]; then
            run_system W3 peer_w3_moodycamel cpp-moodycamel-BlockingReaderWriterQueue:1p1c "$W3_N"
            run_system W3 peer_w3_moodycamel cpp-moodycamel-BlockingReaderWriterCircularBuffer:1p1c "$W3_N"
        fi
        run_system W3 peer_w3_tbb "cpp-tbb-concurrent_bounded_queue:$shape" "$W3_N"
        [ $shape = 1p1c ] && run_system W3 peer_w3_boost_lockfree cpp-boost-lockfree-spsc_queue:1p1c "$W3_N"
        run_system W3 peer_w3_boost_lockfree "cpp-boost-lockfree-queue:$shape" "$W3_N"
        run_system W3 w3/python.py "py-queue.Queue:$shape" "$W3_N_PY"
        if [ $anchors -eq 1 ]; then
            for s in cpp-naive-mutex-cv-deque cpp-moodycamel-BlockingConcurrentQueue \
                cpp-tbb-concurrent_bounded_queue cpp-boost-lockfree-queue; do
                run_system W3 anchor:w3_queue "$s:$shape" "$W3_N"
            done
            if [ $shape = 1p1c ]; then
                for s in cpp-moodycamel-BlockingReaderWriterQueue \
                    cpp-moodycamel-BlockingReaderWriterCircularBuffer cpp-boost-lockfree-spsc_queue; do
                    run_system W3 anchor:w3_queue "$s:1p1c" "$W3_N"
                done
            fi
        fi
        local py_target=()
        [ $python -eq 1 ] && py_target=(py-queue.Queue ">=" 10)
        ratios W3 throughput concur-queue.Queue "W3 $shape" "$shape" \
            cpp-moodycamel-BlockingConcurrentQueue ">=" 1 "${py_target[@]}"
        block_end "W3 $shape"
    done
}

# run_w8_pyloops: the seed-style systems (pure-Python loops under asyncio), too
# slow for W8's sizes: REPS_SLOW repetitions, once, at W8_PYLOOPS_N in a block of
# their own; their describe_s lines are kept for run_w8, which scales them to each n.
run_w8_pyloops() {
    local s
    : >"$w8_dir/pyloops"
    [ $python -eq 1 ] || return 0
    block_start "W8 pyloops n=$W8_PYLOOPS_N"
    if ! "$PY" -c 'import numpy' 2>/dev/null; then
        echo "# SKIP W8 asyncio-pyloops-* (numpy, which makes their data, is not installed for $PY: Debian python3-numpy, see scripts/install-deps.sh)"
        block_end "W8 pyloops"
        return 0
    fi
    echo "# W8 asyncio-pyloops-*: REPS_SLOW=$REPS_SLOW at n=$W8_PYLOOPS_N; describe_s_extrapolated" \
        "= describe_s x n / $W8_PYLOOPS_N (linear, an underestimate: sorted is n log n)"
    for s in asyncio-pyloops-ndarray asyncio-pyloops-list; do
        run_system W8 w8/pyloops.py "$s" "$W8_PYLOOPS_N" "$REPS_SLOW" "$W8_N"
    done
    awk '!/^#/ && $1 == "W8" && $2 ~ /^asyncio-pyloops-/ && $3 == "describe_s"' "$block" \
        >"$w8_dir/pyloops"
    block_end "W8 pyloops"
}

run_w8() {
    local n metric ns=("$W8_N")
    [ "$W8_N_BIG" != "$W8_N" ] && ns+=("$W8_N_BIG")
    run_w8_pyloops
    for n in "${ns[@]}"; do
        block_start "W8 n=$n"
        if [ -x "$BIN/concur_w8_describe" ]; then
            run_system W8 concur_w8_describe concur-describe "$n"
        else
            echo "# SKIP W8 concur-describe (concur_w8_describe not built: bench/CMakeLists.txt builds it where the target concur_describe_lib exists)"
        fi
        run_system W8 peer_w8_cpp cpp-serial "$n"
        run_system W8 peer_w8_omp cpp-omp "$n"
        if [ $python -eq 1 ] && ! "$PY" -c 'import numpy' 2>/dev/null; then
            echo "# SKIP W8 numpy (numpy is not installed for $PY: Debian python3-numpy, see scripts/install-deps.sh)"
        else
            run_system W8 w8/numpy.py numpy "$n"
        fi
        run_system W8 peer_w8_omp read-pass-floor "$n"
        if [ -s "$w8_dir/pyloops" ]; then
            echo "# W8 asyncio-pyloops-*: describe_s_extrapolated from the block W8 pyloops" \
                "(n=$W8_PYLOOPS_N): describe_s x $n / $W8_PYLOOPS_N"
            awk -v n="$n" -v m="$W8_PYLOOPS_N" '{
                    printf "W8 %s describe_s_extrapolated %.6g s\n", $2, $4 * n / m }' \
                "$w8_dir/pyloops" | tee -a "$block"
        fi
        ratios W8 describe_s concur-describe "W8 n=$n" ""
        awk '!/^#/ && $1 == "W8" && $2 == "concur-describe" && $3 == "describe_s" { c = $4 }
            !/^#/ && $1 == "W8" && $3 == "describe_s_extrapolated" && $4 > 0 { order[++k] = $2; v[$2] = $4 }
            END {
                if (c == "") exit
                for (i = 1; i <= k; ++i)
                    printf "#   %-52s %8.3g   (describe_s_extrapolated)\n", order[i], c / v[order[i]]
            }' "$block"
        if [ -x "$BIN/concur_w8_describe" ]; then
            for metric in mean_std_s median_s; do ratios W8 "$metric" concur-describe "W8 n=$n" ""; done
        fi
        if [ "$n" = "$W8_N_BIG" ]; then
            absolute W8 describe_s concur-describe "W8 n=$n describe" "<=" 0.3 s
        fi
        block_end "W8 n=$n"
    done
    run_w8_csv
}

# medians: reads lines `workload system metric value unit` (the repetitions of
# one system, in run order) and prints, per metric in first-seen order, the
# repetitions as a # line and their median.
medians() {
    awk '{
            key = $1 " " $2 " " $3
            if (!(key in count)) { order[++k] = key; unit[key] = $5 }
            v[key, ++count[key]] = $4
            reps[key] = reps[key] " " sprintf("%.6g", $4)
        }
        END {
            for (i = 1; i <= k; ++i) {
                key = order[i]; n = count[key]
                for (j = 1; j <= n; ++j) s[j] = v[key, j] + 0
                for (j = 2; j <= n; ++j) {
                    x = s[j]
                    for (m = j - 1; m >= 1 && s[m] > x; --m) s[m + 1] = s[m]
                    s[m + 1] = x
                }
                med = n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2
                printf "# %s reps:%s %s\n", key, reps[key], unit[key]
                printf "%s %.6g %s\n", key, med, unit[key]
            }
        }'
}

# run_timed [-i FILE] [-k] [-m METRIC] <workload> <system> <reps> <command>...
# runs the command <reps> times, each run timed by the shell around the whole
# command (process start included; bash's $EPOCHREALTIME, so no clock process
# is started inside the interval), stdin from FILE (default /dev/null), stdout
# discarded. -k keeps stdout: its lines `<workload> <system> metric value unit`
# are the system's own measurements (reported as medians too), its other lines
# are shown once, as # lines. Prints the repetitions and the median as
# `<workload> <system> <METRIC> <s> s` (METRIC default seconds). A failed run
# stops the system with a # FAILED line.
run_timed() {
    local in=/dev/null keep=0 metric=seconds
    while [ $# -gt 0 ]; do
        case "$1" in
            -i) in=$2; shift 2 ;;
            -k) keep=1; shift ;;
            -m) metric=$2; shift 2 ;;
            *) break ;;
        esac
    done
    local workload=$1 name=$2 reps=$3 rep rc t0 t1 us
    shift 3
    local out=$w8_dir/out err=$w8_dir/err lines=$w8_dir/lines
    : >"$lines"
    for ((rep = 1; rep <= reps; ++rep)); do
        rc=0
        if [ $keep -eq 1 ]; then
            t0=${EPOCHREALTIME/[.,]/}
            timeout "$TMO" "$@" <"$in" >"$out" 2>"$err" || rc=$?
            t1=${EPOCHREALTIME/[.,]/}
        else
            t0=${EPOCHREALTIME/[.,]/}
            timeout "$TMO" "$@" <"$in" >/dev/null 2>"$err" || rc=$?
            t1=${EPOCHREALTIME/[.,]/}
        fi
        if [ "$rc" -ne 0 ]; then
            if [ "$rc" -eq 124 ]; then
                echo "# FAILED $workload $name run $rep (timeout after $TMO s, see TMO)"
            else
                echo "# FAILED $workload $name run $rep (exit status $rc)"
            fi
            tail -n 5 "$err" | sed "s/^/# $workload $name stderr: /"
            return 0
        fi
        us=$((t1 - t0))
        printf '%s %s %s %d.%06d s\n' "$workload" "$name" "$metric" $((us / 1000000)) \
            $((us % 1000000)) >>"$lines"
        if [ $keep -eq 1 ]; then
            awk -v w="$workload" -v s="$name" '$1 == w && $2 == s && NF == 5' "$out" >>"$lines"
            if [ "$rep" -eq 1 ]; then
                awk -v w="$workload" -v s="$name" '!($1 == w && $2 == s && NF == 5) && NF > 0 {
                        if (++k > 20) exit
                        print (/^#/ ? $0 : "# " w " " s " output: " $0)
                    }' "$out"
            fi
        fi
    done
    medians <"$lines" | tee -a "$block"
}

run_w8_csv() {
    local csv=$w8_dir/w8.csv slice=$w8_dir/slice.csv c ops=()
    block_start "W8-csv rows=$W8_CSV_ROWS"
    if [ ! -x "$BIN/peer_w8_cpp" ]; then
        echo "# SKIP W8-csv (peer_w8_cpp, which writes the CSV, is not built)"
        block_end W8-csv
        return 0
    fi
    if ! "$BIN/peer_w8_cpp" csvgen "$W8_CSV_ROWS" "$csv"; then
        echo "# FAILED W8-csv (peer_w8_cpp csvgen $W8_CSV_ROWS $csv)"
        block_end W8-csv
        return 0
    fi
    cat "$csv" >/dev/null  # warm page cache for every system
    echo "# W8-csv file: $W8_CSV_ROWS rows x 4 columns, $(stat -c %s "$csv") bytes (a temporary" \
        "directory, removed at exit), read once before timing"
    echo "# W8-csv seconds: the whole command timed by the shell (process start included)"
    if [ -x "$W8_DESCRIBE" ]; then
        run_timed -k W8-csv concur-describe "$REPS" "$W8_DESCRIBE" "$csv"
    else
        echo "# SKIP W8-csv concur-describe ($W8_DESCRIBE not built; see W8_DESCRIBE)"
    fi
    if [ $python -eq 1 ]; then
        if "$PY" -c 'import pandas' 2>/dev/null; then
            run_timed -k W8-csv pandas "$REPS" "$PY" bench/w8/pandas.py "$csv"
        else
            echo "# SKIP W8-csv pandas (pandas is not installed for $PY: Debian python3-pandas, see scripts/install-deps.sh)"
        fi
    fi
    if command -v datamash >/dev/null; then
        for c in 1 2 3 4; do ops+=(count "$c" mean "$c" median "$c" sstdev "$c"); done
        run_timed -i "$csv" -k W8-csv datamash "$REPS" datamash -t, --header-in "${ops[@]}"
    else
        echo "# SKIP W8-csv datamash (not installed: Debian datamash, see scripts/install-deps.sh)"
    fi
    if [ $python -eq 1 ]; then
        if command -v csvstat >/dev/null; then
            head -n $((W8_CSV_SLICE + 1)) "$csv" >"$slice"
            echo "# W8-csv csvstat: all default statistics of the first $W8_CSV_SLICE rows" \
                "(slice_s), REPS_SLOW=$REPS_SLOW; seconds = slice_s x $W8_CSV_ROWS / $W8_CSV_SLICE"
            run_timed -m slice_s W8-csv csvstat "$REPS_SLOW" csvstat "$slice"
            awk -v rows="$W8_CSV_ROWS" -v slice="$W8_CSV_SLICE" '
                !/^#/ && $1 == "W8-csv" && $2 == "csvstat" && $3 == "slice_s" {
                    printf "W8-csv csvstat seconds %.6g s\n", $4 * rows / slice }' "$block" |
                tee -a "$block"
            rm -f "$slice"
        else
            echo "# SKIP W8-csv csvstat (not installed: Debian csvkit, see scripts/install-deps.sh)"
        fi
    fi
    run_timed W8-csv wc-l "$REPS" wc -l "$csv"
    run_timed W8-csv cat-devnull "$REPS" cat "$csv"
    ratios W8-csv seconds concur-describe "W8-csv rows=$W8_CSV_ROWS" "" pandas "<=" 0.25
    awk '!/^#/ && $1 == "W8-csv" && $2 == "concur-describe" && $3 == "seconds" { c = $4 }
        !/^#/ && $1 == "W8-csv" && $2 == "pandas" && $3 == "total_s" { p = $4 }
        END {
            if (c != "" && p > 0)
                printf "#   %-52s %8.3g   (pandas in-process: read_csv + describe, no start-up)\n", \
                    "pandas total_s", c / p
        }' "$block"
    rm -f "$csv"
    block_end "W8-csv"
}

main() {
    main_pid=$BASHPID
    echo "# bench/run.sh mode $mode (sizes / $div) reps $REPS workloads ${want[*]} date $(date -u +%FT%TZ)"
    echo "# $(uname -srm), $(nproc) cores; $(${CXX:-c++} --version | head -1); $($PY --version 2>&1) ($PY)"
    echo "# concur $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- include src bench 2>/dev/null || echo ' (modified)'), build $BUILD_DIR"
    sed -n 's/^-- concur: bench peer /# peer /p' "$configure_log"
    [ $python -eq 1 ] || echo "# --no-python: the Python systems are not run"
    wants W1 && run_w1
    wants W2 && run_w2
    wants W3 && run_w3
    wants W4 && run_w4
    wants W5 && run_w5
    wants W6 && run_w6
    wants W7 && run_w7
    wants W8 && run_w8
    echo "# ==== targets (ratios of this run; see bench/README.md)"
    if [ -s "$targets" ]; then cat "$targets"; else echo "# (no target measured)"; fi
    echo "# load at end $(cut -d' ' -f1-3 /proc/loadavg)"
}

main | tee "$raw"
echo "# raw output: $raw"
if [ $plot -eq 1 ]; then
    "$PY" bench/plot.py "$raw"
else
    echo "# charts: $PY bench/plot.py $raw   (writes docs/bench/w1.svg, w2.svg, w3.svg for the workloads run)"
fi

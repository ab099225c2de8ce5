#!/usr/bin/env bash
# Runs concur's benchmarks side by side with the anchors' systems, in one run
# on this machine, and prints the anchors' lines plus ratios.
#
#   bench/run.sh [--quick] [W3]
#
# Sizes follow ../shared/anchors/cpu/run.sh: W3_N (default 10,000,000, quick
# 1,000,000), REPS (default 3). The anchors' own binary (moodycamel, oneTBB,
# Boost) is built from ../shared/anchors/cpu into build/anchors when its
# Debian packages are present; otherwise only concur and the naive baseline run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

quick=0
want=()
for arg in "$@"; do
    case "$arg" in
        --quick) quick=1 ;;
        W3) want+=("$arg") ;;
        *) echo "usage: bench/run.sh [--quick] [W3]" >&2; exit 2 ;;
    esac
done
[ ${#want[@]} -eq 0 ] && want=(W3)
div=1; [ $quick -eq 1 ] && div=10
REPS=${REPS:-3}
W3_N=$(( ${W3_N:-10000000} / div ))

cmake --preset release >/dev/null
cmake --build --preset release --target concur_w3_queue >&2

anchors=../shared/anchors/cpu
anchor_bin=""
if [ -f "$anchors/src/w3_queue.cpp" ] && [ -f /usr/include/concurrentqueue/moodycamel/blockingconcurrentqueue.h -o -f /usr/include/concurrentqueue/blockingconcurrentqueue.h ] \
   && [ -f /usr/include/tbb/concurrent_queue.h -o -f /usr/include/oneapi/tbb/concurrent_queue.h ]; then
    mkdir -p build/anchors
    if make -s -C "$anchors" BUILD="$PWD/build/anchors" "$PWD/build/anchors/w3_queue" >&2; then
        anchor_bin=build/anchors/w3_queue
    fi
fi

log=$(mktemp)
run() { "$@" | tee -a "$log"; }

for w in "${want[@]}"; do
    case "$w" in
    W3)
        echo "# W3 n=$W3_N reps=$REPS ($(nproc) cores, $(date -u +%FT%TZ))"
        for shape in 1p1c 2p2c; do
            run build/release/bench/concur_w3_queue "concur-queue.Queue:$shape" "$W3_N" "$REPS"
            run build/release/bench/concur_w3_queue "cpp-naive-mutex-cv-deque:$shape" "$W3_N" "$REPS"
            if [ -n "$anchor_bin" ]; then
                for s in cpp-moodycamel-BlockingConcurrentQueue cpp-tbb-concurrent_bounded_queue; do
                    run "$anchor_bin" "$s:$shape" "$W3_N" "$REPS"
                done
                [ $shape = 1p1c ] && run "$anchor_bin" cpp-moodycamel-BlockingReaderWriterCircularBuffer:1p1c "$W3_N" "$REPS"
            fi
        done
        echo "# ratios (concur-queue.Queue / system, same shape, this run)"
        awk '$1=="W3" && $3=="throughput" { split($2, a, ":"); v[a[2], a[1]] = $4; shapes[a[2]] = 1; systems[a[1]] = 1 }
             END { for (s in shapes) for (sys in systems)
                     if (sys != "concur-queue.Queue" && ((s, sys) in v) && ((s, "concur-queue.Queue") in v))
                       printf "# W3 %s concur/%s = %.2f\n", s, sys, v[s, "concur-queue.Queue"] / v[s, sys] }' "$log" | sort
        ;;
    esac
done
rm -f "$log"

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
        W1|W2|W3) want+=("$arg") ;;
        *) echo "usage: bench/run.sh [--quick] [W1] [W2] [W3]" >&2; exit 2 ;;
    esac
done
[ ${#want[@]} -eq 0 ] && want=(W1 W2 W3)
div=1; [ $quick -eq 1 ] && div=10
REPS=${REPS:-3}
W1_N=$(( ${W1_N:-100000} / div ))
W1_N_BIG=$(( ${W1_N_BIG:-1000000} / div ))
W2_N=$(( ${W2_N:-1000000} / div ))
W3_N=$(( ${W3_N:-10000000} / div ))

cmake --preset release >/dev/null
cmake --build --preset release --target concur_w1_seed_pool concur_w2_tiny_tasks concur_w3_queue >&2

anchors=../shared/anchors/cpu
anchor_bins=()
if [ -f "$anchors/Makefile" ]; then
    mkdir -p build/anchors
    for b in w1_seed_pool w2_tiny_tasks w3_queue; do
        if make -s -C "$anchors" BUILD="$PWD/build/anchors" "$PWD/build/anchors/$b" >&2; then
            anchor_bins+=("$b")
        else
            echo "# anchors' $b not built (missing Debian packages? scripts/install-deps.sh)" >&2
        fi
    done
fi
have_anchor() { [[ " ${anchor_bins[*]} " == *" $1 "* ]]; }

log=$(mktemp)
run() { "$@" | tee -a "$log"; }
# Lines of the current block only, for its ratios.
block_start() { block_from=$(wc -l < "$log"); }
block() { tail -n +"$((block_from + 1))" "$log"; }

for w in "${want[@]}"; do
    case "$w" in
    W1)
        for n in "$W1_N" "$W1_N_BIG"; do
            echo "# W1 n=$n reps=$REPS ($(nproc) cores, $(date -u +%FT%TZ))"
            block_start
            run build/release/bench/concur_w1_seed_pool concur-ThreadPoolExecutor-map "$n" "$REPS"
            if have_anchor w1_seed_pool; then
                for s in cpp-serial cpp-omp-static cpp-tbb-parallel_for; do
                    run build/anchors/w1_seed_pool "$s" "$n" "$REPS"
                done
            fi
            awk -v n="$n" '$1=="W1" && $3=="wall" { v[$2] = $4 }
                 END { c = v["concur-ThreadPoolExecutor-map"]; if (c == "") exit
                       for (s in v) if (s != "concur-ThreadPoolExecutor-map")
                         printf "# W1 n=%s concur/%s wall ratio = %.2f (<= 1.1 is the target vs omp)\n", n, s, c / v[s] }' <(block) | sort
        done
        ;;
    W2)
        echo "# W2 n=$W2_N reps=$REPS ($(nproc) cores, $(date -u +%FT%TZ))"
        block_start
        run build/release/bench/concur_w2_tiny_tasks concur-ThreadPoolExecutor "$W2_N" "$REPS"
        if have_anchor w2_tiny_tasks; then
            for s in cpp-tbb-task_group cpp-tbb-task_group-future cpp-asio-thread_pool-promise cpp-naive-mutex-cv-pool; do
                run build/anchors/w2_tiny_tasks "$s" "$W2_N" "$REPS"
            done
        fi
        awk '$1=="W2" && $3=="per_task" { v[$2] = $4 }
             END { c = v["concur-ThreadPoolExecutor"]; if (c == "") exit
                   for (s in v) if (s != "concur-ThreadPoolExecutor")
                     printf "# W2 concur/%s per-task ratio = %.2f (lower is better)\n", s, c / v[s] }' <(block) | sort
        ;;
    W3)
        echo "# W3 n=$W3_N reps=$REPS ($(nproc) cores, $(date -u +%FT%TZ))"
        block_start
        for shape in 1p1c 2p2c; do
            run build/release/bench/concur_w3_queue "concur-queue.Queue:$shape" "$W3_N" "$REPS"
            run build/release/bench/concur_w3_queue "cpp-naive-mutex-cv-deque:$shape" "$W3_N" "$REPS"
            if have_anchor w3_queue; then
                for s in cpp-moodycamel-BlockingConcurrentQueue cpp-tbb-concurrent_bounded_queue; do
                    run build/anchors/w3_queue "$s:$shape" "$W3_N" "$REPS"
                done
                [ $shape = 1p1c ] && run build/anchors/w3_queue cpp-moodycamel-BlockingReaderWriterCircularBuffer:1p1c "$W3_N" "$REPS"
            fi
        done
        echo "# ratios (concur-queue.Queue / system, same shape, this run)"
        awk '$1=="W3" && $3=="throughput" { split($2, a, ":"); v[a[2], a[1]] = $4; shapes[a[2]] = 1; systems[a[1]] = 1 }
             END { for (s in shapes) for (sys in systems)
                     if (sys != "concur-queue.Queue" && ((s, sys) in v) && ((s, "concur-queue.Queue") in v))
                       printf "# W3 %s concur/%s = %.2f\n", s, sys, v[s, "concur-queue.Queue"] / v[s, sys] }' <(block) | sort
        ;;
    esac
done
rm -f "$log"

#!/usr/bin/env bash
# Our Q8_0 decode against our BF16 decode on the same 1.1B checkpoint (the Q8_0 target is a
# ratio to our own BF16): PAIRS pairs of JVMs per thread count (default 3), BF16 then --quantize
# q8_0, so that each pair sees the same minute of this VM's moving bandwidth (bench/README.md,
# round 4). Each pair's ratio is printed, and at the end each thread count's sorted ratios and
# their median: a single pair can land anywhere in 1.3-1.9x on the Zen 5 VM, where a busy
# neighbour on the host core takes up to 40% of a compute-bound kernel's rate (round 46). About
# 2 minutes a pair. JVM_FLAGS goes to both JVMs: "-XX:MaxVectorSize=16 -Dscans.vectorRegisters=32"
# runs the 128-bit kernels (NEON's width) on an x86 machine (bench/README.md, round 21).
#
#   M=/work/models-bench PAIRS=5 bench/compare-q8.sh > compare-q8.log
M="${M:?set M to the folder with tiny1b-bf16-hf}"
source "$(dirname "$0")/common.sh"
need_files "$M"/tiny1b-bf16-hf/*.safetensors
# The BF16 file back in 2 MiB page-cache folios first (PAGE_CACHE=keep skips this): in small ones
# its decode reads slower and flatters the Q8_0 copy, which is anonymous memory (round 22: 1.66–1.87×
# at 2 threads without the refill, 1.59–1.70× with it, minutes apart).
refill_files "$M"/tiny1b-bf16-hf/*.safetensors
ratios=()
for T in ${THREADS:-2 1}; do
  for ((pair = 1; pair <= ${PAIRS:-3}; pair++)); do
    bf16="" q8=""
    for q in "" "--quantize q8_0"; do
      echo "=== $(date -u +%H:%M:%S) threads $T pair $pair ${q:-BF16}"
      out=$("$JAVA" --add-modules jdk.incubator.vector -Xmx1g ${JVM_FLAGS:-} -jar "$JAR" bench --model "$M/tiny1b-bf16-hf" \
          --prompt-tokens 0 --gen 64 --threads $T --reps 4 $q 2>/dev/null | grep '^tg64\|^read')
      echo "$out"
      rate=$(awk '/^tg64/ { print $2 }' <<< "$out")
      if [ -z "$q" ]; then bf16=$rate; else q8=$rate; fi
    done
    r=$(awk -v a="$q8" -v b="$bf16" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "?" }')
    echo "ratio T=$T pair $pair: Q8_0 $q8 / BF16 $bf16 = $r"
    ratios+=("$T $r")
  done
done
for T in ${THREADS:-2 1}; do
  printf '%s\n' "${ratios[@]}" | awk -v t=$T '$1 == t && $2 != "?" { print $2 }' | sort -n | awk -v t=$T '{ v[++n] = $1 }
    END { if (!n) exit; m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
          printf "T=%s: Q8_0 / BF16 per pair, sorted:", t; for (i = 1; i <= n; i++) printf " %.2f", v[i]; printf "; median %.2f\n", m }'
done

#!/usr/bin/env bash
# Our Q8_0 decode against our BF16 decode on the same 1.1B checkpoint (the Q8_0 target is a
# ratio to our own BF16): three pairs of JVMs per thread count, BF16 then --quantize q8_0, so
# that each pair sees the same minute of this VM's moving bandwidth (bench/README.md, round 4).
# About 7 minutes. JVM_FLAGS goes to both JVMs: "-XX:MaxVectorSize=16 -Dscans.vectorRegisters=32"
# runs the 128-bit kernels (NEON's width) on an x86 machine (bench/README.md, round 21).
#
#   M=/work/models-bench bench/compare-q8.sh > compare-q8.log
M="${M:?set M to the folder with tiny1b-bf16-hf}"
source "$(dirname "$0")/common.sh"
# The BF16 file back in 2 MiB page-cache folios first (PAGE_CACHE=keep skips this): in small ones
# its decode reads slower and flatters the Q8_0 copy, which is anonymous memory (round 22: 1.66–1.87×
# at 2 threads without the refill, 1.59–1.70× with it, minutes apart).
refill_files "$M"/tiny1b-bf16-hf/*.safetensors
for T in 2 1; do
  for pair in 1 2 3; do
    for q in "" "--quantize q8_0"; do
      echo "=== $(date -u +%H:%M:%S) threads $T pair $pair ${q:-BF16}"
      "$JAVA" --add-modules jdk.incubator.vector -Xmx1g ${JVM_FLAGS:-} -jar "$JAR" bench --model "$M/tiny1b-bf16-hf" \
          --prompt-tokens 0 --gen 64 --threads $T --reps 4 $q 2>/dev/null | grep '^tg64\|^read'
    done
  done
done

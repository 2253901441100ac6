#!/usr/bin/env bash
# Two builds or two settings of this engine, alternating on the same `bench` arguments, so that
# each pair of runs meets the same minute of the VM's memory bandwidth: how round 25 measured its
# kernel changes (bench/README.md). A_JAR / B_JAR default to the built jar; A_FLAGS / B_FLAGS are
# JVM options for one side only; PAIRS (default 2) pairs of runs. The model's safetensors files
# are refilled into 2 MiB page-cache folios first (PAGE_CACHE=keep skips it).
#
#   git worktree add /tmp/old HEAD~1 && (cd /tmp/old && ./mvnw -B -q -o package -DskipTests)
#   A_JAR=/tmp/old/target/scans-engine.jar bench/ab-jars.sh --model $M/tiny1b-bf16-hf \
#       --prompt-tokens 0 --gen 64 --threads 1 --reps 4 --quantize q8_0
#   A_FLAGS=-Dscans.cpuVendor=other B_FLAGS=-Dscans.cpuVendor=intel bench/ab-jars.sh \
#       --model $M/tiny1b-f16-hf --prompt-tokens 0 --gen 64 --threads 1 --reps 3
source "$(dirname "$0")/common.sh"
A_JAR="${A_JAR:-$JAR}"
B_JAR="${B_JAR:-$JAR}"
model=""
for ((i = 1; i < $#; i++)); do [ "${!i}" = --model ] && { j=$((i + 1)); model="${!j}"; }; done
[ -n "$model" ] || { echo "usage: [A_JAR=…] [B_JAR=…] [A_FLAGS=…] [B_FLAGS=…] bench/ab-jars.sh --model DIR BENCH-OPTIONS…" >&2; exit 2; }
for jar in "$A_JAR" "$B_JAR"; do [ -f "$jar" ] || { echo "no $jar" >&2; exit 1; }; done
need_files "$model"/*.safetensors
refill_files "$model"/*.safetensors
for ((pair = 1; pair <= ${PAIRS:-2}; pair++)); do
  for side in A B; do
    jar=$A_JAR flags=${A_FLAGS:-}
    [ $side = B ] && jar=$B_JAR flags=${B_FLAGS:-}
    echo "=== $(date -u +%H:%M:%S) pair $pair $side: $jar $flags"
    "$JAVA" --add-modules jdk.incubator.vector -Xmx1g $flags -jar "$jar" bench "$@" 2>/dev/null | grep '^pp\|^tg\|^read'
  done
done

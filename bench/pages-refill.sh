#!/bin/bash
# What `pages --refill` does to the decode speed of a checkpoint just copied in (bench/README.md,
# "Page cache"): copy the folder (the copy sits in 4 KiB page-cache folios), bench its decode,
# refill, bench again; CYCLES times.
# usage: bench/pages-refill.sh MODEL_DIR SCRATCH_DIR [THREADS] [CYCLES]
source "$(dirname "$0")/common.sh"
SRC=${1:?model folder}; COPY=${2:?scratch folder for the copy (removed at the end)}; T=${3:-1}; CYCLES=${4:-2}
need_files "$SRC"/*.safetensors
[ -e "$COPY" ] && { echo "$COPY exists: give a path that does not" >&2; exit 1; }
trap 'rm -rf "$COPY"' EXIT
run() { "$JAVA" --add-modules jdk.incubator.vector -Xmx1g -jar "$JAR" "$@" 2>/dev/null; }
for cycle in $(seq 1 "$CYCLES"); do
  rm -rf "$COPY"; cp -r "$SRC" "$COPY"; sync
  echo "== cycle $cycle, $(date -u +%H:%M:%S) UTC, copied"
  run bench --model "$COPY" --prompt-tokens 0 --gen 32 --reps 3 --threads "$T" | grep -E "^(tg|read|pages)"
  run pages --model "$COPY" --refill
  run bench --model "$COPY" --prompt-tokens 0 --gen 32 --reps 3 --threads "$T" | grep -E "^(tg|read|pages)"
done

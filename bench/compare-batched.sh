#!/usr/bin/env bash
# Batched decoding, B sequences one token each per step, in llama.cpp and in this engine on the
# same weights, each beside its own batch-1 decode: is the B = 16 target (8× batch 1) within what
# the reference engine reaches on this machine? Both with F16 KV caches (llama-bench's default),
# flash attention off in llama.cpp. Two alternating pairs per thread count. About 6 minutes for
# the 1.1B pair.
#
#   bash ../shared/tools/setup.sh; bench/llamacpp/build.sh /tmp/lcpp
#   M=/work/models-bench LCPP=/tmp/lcpp bench/compare-batched.sh > compare-batched.log
#   PAIR=llama7b-f16 THREADS=2 GEN=8 M=… LCPP=… bench/compare-batched.sh   # the 7B-shaped F16 pair
#
# PAIR names $M/PAIR.gguf and $M/PAIR-hf (default tiny1b-bf16). The pair's files are refilled into
# 2 MiB page-cache folios once; where both do not fit in memory beside each other (the 7B pair,
# 27 GB), each run's own file is refilled before it instead, so llama.cpp's and ours then meet
# different minutes, and only each engine's own ratio is comparable.
# Each line is one JSON object: llama.cpp's from bench/llamacpp/batched.cpp (its runs alternate
# batch 1 and batch B in one process), ours from `bench --json`; the last lines give each side's
# ratio of the mean batched tok/s to the mean batch-1 tok/s.
M="${M:?set M to the folder with the model pair}"
PAIR="${PAIR:-tiny1b-bf16}"
B="${B:-16}"
GEN="${GEN:-32}"
source "$(dirname "$0")/common.sh"
need_llamacpp_program batched
GGUF="$M/$PAIR.gguf"
HF=("$M/$PAIR-hf"/*.safetensors)
need_files "$GGUF" "${HF[@]}"
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT
# Both files at once, unless together they take more than half of memory.
pair_bytes=$(stat -c %s "$GGUF" "${HF[@]}" | awk '{s += $1} END {printf "%d", s}')
mem_bytes=$(awk '/MemTotal/ {printf "%d", $2 * 1024}' /proc/meminfo)
if [ "$pair_bytes" -lt $((mem_bytes / 2)) ]; then EACH=0; else EACH=1; fi
refill() { drop_cached "$GGUF" "${HF[@]}"; read_back "$@"; }
[ $EACH = 1 ] || refill "$GGUF" "${HF[@]}"
for T in ${THREADS:-2 1}; do
  for pair in 1 2; do
    echo "=== $(date -u +%H:%M:%S) threads $T pair $pair" >&2
    [ $EACH = 0 ] || refill "$GGUF"
    printf '{"engine":"llama.cpp",' | tee -a "$LOG"
    GGML_BACKEND_DIR="$BINS" "$LCPP/batched" "$GGUF" $T "$B" "$GEN" 3 f16 2>/dev/null | sed 's/^{//' | tee -a "$LOG"
    [ $EACH = 0 ] || refill "${HF[@]}"
    printf '{"engine":"ours",' | tee -a "$LOG"
    "$JAVA" --add-modules jdk.incubator.vector -Xmx1g -jar "$JAR" bench --model "$M/$PAIR-hf" --prompt-tokens 0 \
        --gen "$GEN" --reps 3 --threads $T --batch "$B" --kv-cache f16 --json 2>/dev/null | sed 's/^{//' | tee -a "$LOG"
  done
done
/usr/bin/python3 - "$LOG" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for engine in ("llama.cpp", "ours"):
    for t in sorted({r["threads"] for r in rows}, reverse=True):
        mine = [r for r in rows if r["engine"] == engine and r["threads"] == t]
        mean = lambda k: statistics.mean(x for r in mine for x in (r[k] if isinstance(r[k], list) else [r[k]]))
        one, many = mean("tg_tok_s"), mean("tg_batch_tok_s")
        print(f"{engine} threads {t}: batch 1 {one:.2f} tok/s, batch {mine[0]['batch']} {many:.2f} tok/s, {many / one:.2f}x")
PY

#!/usr/bin/env bash
# Batched decoding, B sequences one token each per step, in llama.cpp and in this engine on the
# same 1.1B BF16 weights, each beside its own batch-1 decode: is the B = 16 target (8× batch 1)
# within what the reference engine reaches on this machine? Both with F16 KV caches (llama-bench's
# default), flash attention off in llama.cpp. Two alternating pairs per thread count, after the
# pair's files are refilled into 2 MiB page-cache folios. About 6 minutes.
#
#   bash ../shared/tools/setup.sh; bench/llamacpp/build.sh /tmp/lcpp
#   M=/work/models-bench LCPP=/tmp/lcpp bench/compare-batched.sh > compare-batched.log
#
# Each line is one JSON object: llama.cpp's from bench/llamacpp/batched.cpp (its runs alternate
# batch 1 and batch B in one process), ours from `bench --json`; the last lines give each side's
# ratio of the mean batched tok/s to the mean batch-1 tok/s.
M="${M:?set M to the folder with tiny1b-bf16-hf and tiny1b-bf16.gguf}"
LCPP="${LCPP:?set LCPP to the folder bench/llamacpp/build.sh built}"
B="${B:-16}"
source "$(dirname "$0")/common.sh"
BINS="$(bash "$ROOT/bench/llamacpp/build.sh" --bins)"
FILES=("$M"/tiny1b-bf16.gguf "$M"/tiny1b-bf16-hf/*.safetensors)
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT
drop_cached "${FILES[@]}"
read_back "${FILES[@]}"
for T in 2 1; do
  for pair in 1 2; do
    echo "=== $(date -u +%H:%M:%S) threads $T pair $pair" >&2
    printf '{"engine":"llama.cpp",' | tee -a "$LOG"
    GGML_BACKEND_DIR="$BINS" "$LCPP/batched" "$M/tiny1b-bf16.gguf" $T "$B" 32 3 f16 2>/dev/null | sed 's/^{//' | tee -a "$LOG"
    printf '{"engine":"ours",' | tee -a "$LOG"
    "$JAVA" --add-modules jdk.incubator.vector -Xmx1g -jar "$JAR" bench --model "$M/tiny1b-bf16-hf" --prompt-tokens 0 \
        --gen 32 --reps 3 --threads $T --batch "$B" --kv-cache f16 --json 2>/dev/null | sed 's/^{//' | tee -a "$LOG"
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

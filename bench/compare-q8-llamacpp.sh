#!/usr/bin/env bash
# Q8_0 decoding in llama.cpp and in this engine on the same 1.1B weights, each beside its own BF16
# decode: llama.cpp's Q8_0 file is made from the BF16 GGUF by llama.cpp's own quantizer
# (bench/llamacpp/quantize.cpp), ours by `--quantize q8_0` at load from the BF16 checkpoint. Is the
# Q8_0 target (1.7× the BF16 decode) within what llama.cpp reaches here, and how does our Q8_0
# decode compare with its? Two rounds per thread count, the four runs of a round back to back,
# after the files are refilled into 2 MiB page-cache folios (PAGE_CACHE=keep skips it). About 6
# minutes.
#
#   bash ../shared/tools/setup.sh; bench/llamacpp/build.sh /tmp/lcpp
#   M=/work/models-bench LCPP=/tmp/lcpp bench/compare-q8-llamacpp.sh > compare-q8-llamacpp.log
#
# Makes $M/tiny1b-q8_0.gguf once if it is missing. One JSON object a line (llama.cpp's from
# llamacpp.mjs bench, ours from `bench --json`), then each engine's Q8_0 / BF16 ratio of the mean
# tok/s and ours against llama.cpp's per format.
M="${M:?set M to the folder with tiny1b-bf16-hf and tiny1b-bf16.gguf}"
source "$(dirname "$0")/common.sh"
need_llamacpp_tool
need_llamacpp_program quantize
need_files "$M"/tiny1b-bf16.gguf "$M"/tiny1b-bf16-hf/*.safetensors
Q8="$M/tiny1b-q8_0.gguf"
if [ ! -f "$Q8" ]; then
  GGML_BACKEND_DIR="$BINS" "$LCPP/quantize" "$M/tiny1b-bf16.gguf" "$Q8.part" > /dev/null 2>&1 && mv "$Q8.part" "$Q8" \
    || { rm -f "$Q8.part"; echo "llama.cpp could not quantize $M/tiny1b-bf16.gguf" >&2; exit 1; }
fi
FILES=("$M"/tiny1b-bf16.gguf "$Q8" "$M"/tiny1b-bf16-hf/*.safetensors)
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT
refill_files "${FILES[@]}"
llama() { # FORMAT FILE THREADS
  printf '{"engine":"llama.cpp","format":"%s",' "$1" | tee -a "$LOG"
  node "$TOOLS/llamacpp.mjs" bench "$2" --prompt-tokens 0 --gen 64 --threads "$3" --reps 3 2>/dev/null | sed 's/^{//' | tee -a "$LOG"
}
ours() { # FORMAT THREADS [--quantize q8_0]
  printf '{"engine":"ours","format":"%s",' "$1" | tee -a "$LOG"
  "$JAVA" --add-modules jdk.incubator.vector -Xmx1g -jar "$JAR" bench --model "$M/tiny1b-bf16-hf" --prompt-tokens 0 \
      --gen 64 --reps 3 --threads "$2" "${@:3}" --json 2>/dev/null | sed 's/^{//' | tee -a "$LOG"
}
for T in 2 1; do
  for round in 1 2; do
    echo "=== $(date -u +%H:%M:%S) threads $T round $round" >&2
    llama BF16 "$M/tiny1b-bf16.gguf" $T
    llama Q8_0 "$Q8" $T
    ours BF16 $T
    ours Q8_0 $T --quantize q8_0
  done
done
/usr/bin/python3 - "$LOG" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def tg(r):
    return r["tg"]["mean"] if r["engine"] == "llama.cpp" else r["tg_tok_s"]
mean = {}
for r in rows:
    t = r.get("threads")
    mean.setdefault((r["engine"], r["format"], t), []).append(tg(r))
mean = {k: statistics.mean(v) for k, v in mean.items()}
for t in sorted({k[2] for k in mean}, reverse=True):
    for e in ("llama.cpp", "ours"):
        b, q = mean[(e, "BF16", t)], mean[(e, "Q8_0", t)]
        print(f"{e} threads {t}: BF16 {b:.2f} tok/s, Q8_0 {q:.2f} tok/s, {q / b:.2f}x")
    print(f"threads {t}: ours / llama.cpp, BF16 {mean[('ours', 'BF16', t)] / mean[('llama.cpp', 'BF16', t)]:.2f}x, "
          f"Q8_0 {mean[('ours', 'Q8_0', t)] / mean[('llama.cpp', 'Q8_0', t)]:.2f}x")
PY

#!/usr/bin/env bash
# Runs on the other machine, from the unpacked kit (make-kit.sh): writes the 1.1B-shaped BF16 pair
# with filler weights, checks a greedy continuation of the bundled stories260K model when REPO
# names a checkout, then at each thread count (THREADS, default: the machine's cores, halved down
# to 2) reads both files plainly (ReadFiles) and runs our bench (pp512, tg32, 16 sequences) and
# llama.cpp's ppbench and batched on the same shapes. Everything goes to $OUT/log.txt as it happens, so a run cut short still reports.
set -u
K="$(cd "$(dirname "$0")" && pwd)"; cd "$K"
OUT="${OUT:?set OUT to a folder for log.txt}"
exec > >(tee -a "$OUT/log.txt") 2>&1
echo "== $(date -u +%T) machine"
uname -m -r; nproc
lscpu | grep -E 'Model name|Thread|Core|Socket|NUMA node|L2|L3' || true
lscpu | grep -o -wE 'avx2|avx512f|avx512_bf16|avx512_fp16|avx512_vnni|amx_bf16' | sort -u | paste -sd' '
free -g | head -2; cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
J="$K/jre/bin/java --add-modules jdk.incubator.vector -Xmx2g"
M="${MODELS:-/tmp/scans-kit-models}"; mkdir -p "$M/hf"; cp hf/* "$M/hf/"
echo "== $(date -u +%T) writing the pair"
"$K/jre/bin/java" -cp "$K" Filler st.head st.size "$M/hf/model.safetensors" 1 && "$K/jre/bin/java" -cp "$K" Filler gguf.head gguf.size "$M/m.gguf" 2 || exit 1
cat "$M/m.gguf" "$M/hf/model.safetensors" > /dev/null
if [ -n "${REPO:-}" ]; then
  echo "== $(date -u +%T) greedy stories260K (here: ', there was a little girl named Lily. She loved to play outside in the p')"
  $J -jar scans-engine.jar generate --model "$REPO/models/stories260K" --prompt "Once upon a time" --max-new-tokens 24 --threads 4 2>/dev/null | head -1
fi
export GGML_BACKEND_DIR="$K/lib"
if [ -z "${THREADS:-}" ]; then THREADS=""; for ((t = $(nproc); t >= 2; t /= 2)); do THREADS="$THREADS $t"; done; fi
for T in $THREADS; do
  echo "== $(date -u +%T) threads $T"
  $J -cp "$K:$K/scans-engine.jar" ReadFiles $T "$M/m.gguf" "$M/hf/model.safetensors" 2>/dev/null
  timeout 150 $J -jar scans-engine.jar bench --model "$M/hf" --prompt-tokens 512 --gen 32 --threads $T --reps 2 --batch 16 2>/dev/null | grep -E '^(pp|tg|read|pages)'
  timeout 60 ./ppbench "$M/m.gguf" $T 512 2 2>/dev/null
  timeout 90 ./batched "$M/m.gguf" $T 16 32 2 2>/dev/null
done
echo "== $(date -u +%T) done"

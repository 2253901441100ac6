#!/usr/bin/env bash
# The laptop case: this engine and llama.cpp both held to AVX2 (256-bit vectors, 16 vector
# registers, as on every Intel laptop since 2021 and AMD before Zen 4), on the same weights and
# the same machine, back to back as in compare-llamacpp.sh. About 7 minutes.
#
#   M=/work/models-bench bench/compare-avx2.sh > compare-avx2.log
#
# Ours runs with -XX:UseAVX=2. llama.cpp's prebuilt package holds one CPU backend per x86 feature
# level and loads the best the CPU supports; a scratch copy of TOOLS without the AVX-512 ones
# (zen4, sapphirerapids, skylakex, cascadelake, cooperlake, cannonlake, icelake) makes it load
# its alderlake backend (AVX2, FMA, F16C, AVX-VNNI), which the script checks and prints.
M="${M:?set M to the folder with the tiny1b models}"
source "$(dirname "$0")/common.sh"
need_files "$M"/tiny1b-{bf16,f16}.gguf "$M"/tiny1b-{bf16,f16}-hf/*.safetensors
SCRATCH="${SCRATCH:-/tmp/scans-tools-avx2}"
rm -rf "$SCRATCH" && cp -a "$TOOLS" "$SCRATCH" || { echo "cannot copy $TOOLS to $SCRATCH" >&2; exit 1; }
BINS=$(dirname "$(find "$SCRATCH/.node" -name 'libggml-cpu-x64.so' | head -1)")
[ -d "$BINS" ] || { echo "no llama.cpp CPU backends under $SCRATCH/.node (run setup.sh)" >&2; exit 1; }
for v in zen4 sapphirerapids skylakex cascadelake cooperlake cannonlake icelake; do rm -f "$BINS/libggml-cpu-$v.so"; done
llama() { node "$SCRATCH/llamacpp.mjs" bench "$@" 2>&1 | tail -1; }
ours() { "$JAVA" --add-modules jdk.incubator.vector -XX:UseAVX=2 -Xmx1g -jar "$JAR" bench "$@" 2>/dev/null; }
stamp() { echo "=== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) :: $*"; }
loaded=$(LD_DEBUG=files node "$SCRATCH/llamacpp.mjs" bench "$M/tiny1b-bf16.gguf" --prompt-tokens 8 --gen 2 --reps 1 2>&1 \
  | grep -o 'libggml-cpu-[a-z0-9]*\.so' | sort | uniq -c | sort -rn | head -1 | awk '{print $2}')
stamp "llama.cpp CPU backend loaded: $loaded (the one named most often by the loader)"
for d in bf16 f16; do
  drop_cached "$M"/tiny1b-*.gguf "$M"/tiny1b-*-hf/*.safetensors
  read_back "$M/tiny1b-$d.gguf" "$M"/tiny1b-$d-hf/*.safetensors
  for T in 1 2; do
    stamp "llama.cpp ${d^^} T=$T"; llama "$M/tiny1b-$d.gguf" --prompt-tokens 256 --gen 64 --threads $T --reps 2
    stamp "ours ${d^^} T=$T"; ours --model "$M/tiny1b-$d-hf" --prompt-tokens 256 --gen 64 --threads $T --reps 2
  done
done
drop_cached "$M"/tiny1b-*.gguf "$M"/tiny1b-*-hf/*.safetensors
read_back "$M"/tiny1b-bf16-hf/*.safetensors
stamp "ours BF16 batch 16 T=2"; ours --model "$M/tiny1b-bf16-hf" --prompt-tokens 0 --gen 32 --threads 2 --reps 2 --batch 16
stamp done

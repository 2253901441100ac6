#!/usr/bin/env bash
# llama.cpp and this engine on the same F16 weights (the dtype of the real Llama-2-7b-chat-hf
# files), back to back per line as compare-llamacpp.sh runs them: pp512 and tg128 at 2 and 1
# threads, then our 16-sequence decode. ROUNDS (default 1) rounds per thread count. About 5
# minutes a round (round 27: 10:25–10:35 UTC). Before each pair, a plain read of both files
# (bench/ReadFiles.java; see compare-llamacpp.sh).
#
#   M=/work/models-bench bench/compare-f16.sh > compare-f16.log
M="${M:?set M to the folder with tiny1b-f16-hf and tiny1b-f16.gguf}"
source "$(dirname "$0")/common.sh"
need_llamacpp_tool
F16=("$M"/tiny1b-f16.gguf "$M"/tiny1b-f16-hf/*.safetensors)
need_files "${F16[@]}"
refill_files "${F16[@]}"
stamp "page cache: $(grep FileHugePages /proc/meminfo | tr -s ' ')"
for T in 2 1; do
  for ((round = 1; round <= ${ROUNDS:-1}; round++)); do
    readfiles $T "${F16[@]}"
    stamp "llama.cpp F16 T=$T round $round"; llama "$M/tiny1b-f16.gguf" --prompt-tokens 512 --gen 128 --threads $T --reps 3
    stamp "ours F16 T=$T round $round"; ours --model "$M/tiny1b-f16-hf" --prompt-tokens 512 --gen 128 --threads $T --reps 3
  done
done
stamp "ours F16 batch 16 T=2"; ours --model "$M/tiny1b-f16-hf" --prompt-tokens 0 --gen 64 --threads 2 --reps 2 --batch 16
stamp done

#!/usr/bin/env bash
# The Llama-2-7B-shaped BF16 pair (bench/README.md, "Llama-2-7B-shaped BF16 pair"): pp512 and tg32
# at 2 threads, llama.cpp then ours, and our time from start to the first token, twice. The two
# 13.5 GB files do not fit the page cache together, so before each engine runs, both are dropped
# from the cache and that engine's file is read back sequentially (which also puts it in 2 MiB
# folios, see "Page cache"). About 10 minutes plus the reads from disk.
#
#   M=/work/models-bench bench/compare-7b.sh > compare-7b.log
#
# M holds llama7b-bf16-hf and llama7b-bf16.gguf (mkmodel.py, see bench/README.md "How to run");
# DTYPE=f16 takes llama7b-f16-hf and llama7b-f16.gguf instead (the real chat model's dtype).
# OURS_ONLY=1 skips llama.cpp. After each refill, a plain read of that engine's file
# (bench/ReadFiles.java): the two files' pages can sit in memory that reads 10-30% apart.
M="${M:?set M to the folder with the 7B pair}"
source "$(dirname "$0")/common.sh"
DTYPE="${DTYPE:-bf16}"
# The heap a 7B forward needs (about 93 MiB); F16 weights add their list of zero and subnormal
# halves, about 232 MB for the 7B shape (bench/README.md, "Memory").
heap=300m; [ "$DTYPE" = f16 ] && heap=450m
J="$JAVA --add-modules jdk.incubator.vector -Xmx$heap"
HF="$M/llama7b-$DTYPE-hf"; GGUF="$M/llama7b-$DTYPE.gguf"
need_files "$HF"/*.safetensors
[ -n "${OURS_ONLY:-}" ] || need_files "$GGUF"
stamp() { echo "=== $(date -u +%H:%M:%S) :: $* :: $(grep FileHugePages /proc/meminfo | tr -s ' ')"; }
# Both files out of the cache, then only the given ones back in.
refill() { drop_cached "$HF"/*.safetensors "$GGUF"; read_back "$@"; }
for round in 1 2; do
  if [ -z "${OURS_ONLY:-}" ]; then
    refill "$GGUF"; readfiles 2 "$GGUF"; stamp "llama.cpp round $round"
    node "$TOOLS/llamacpp.mjs" bench "$GGUF" --prompt-tokens 512 --gen 32 --threads 2 --reps 1 2>&1 | tail -1
  fi
  refill "$HF"/*.safetensors; readfiles 2 "$HF"/*.safetensors; stamp "ours round $round"
  $J -jar "$JAR" bench --model "$HF" --prompt-tokens 512 --gen 32 --threads 2 --reps 1 2>/dev/null
  stamp "ours, start to first token"
  /usr/bin/time -f "start to first token: %e s wall, %M KB max RSS" $J -jar "$JAR" generate --model "$HF" \
    --prompt-ids 1,450,4996,17354,1701,432,17204,975,278,17366,11203 --max-new-tokens 1 --threads 2 2>&1 | tail -2
done
stamp done

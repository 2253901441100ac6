#!/usr/bin/env bash
# Back-to-back bench of llama.cpp and this engine on the same weights, as in bench/README.md:
# each llama.cpp line is followed at once by ours, with the same threads, so that both see the
# same memory bandwidth (which moves within minutes on a shared VM). About 15 minutes
# (round 22: 21:21–21:36 UTC).
#
#   M=/work/models-bench bench/compare-llamacpp.sh > compare.log
#
# M holds tiny1b-bf16-hf, tiny1b-bf16.gguf, tiny1b-f16-hf, tiny1b-f16.gguf (mkmodel.py, see
# bench/README.md "How to run"); TOOLS is ../shared/tools (setup.sh run once).
#
# Before each block of lines its weight files are dropped from the page cache and read back in
# one sequential pass (PAGE_CACHE=keep skips this). How a file came into the cache decides the
# size of its page-cache folios: a file just written by mkmodel.py sits in small ones, a file
# read back sequentially in 2 MiB ones that map with huge-page TLB entries, and a plain read of
# the same bytes then runs up to twice as fast (bench/README.md, "Page cache"). Both engines'
# files get the same treatment. Still, two files in 2 MiB folios can read 10-30% apart, by where
# their pages sit in memory, so before each pair of decode lines both files are read plainly
# (bench/ReadFiles.java), and each engine's decode can be stated against its own file's read.
M="${M:?set M to the folder with the tiny1b models}"
source "$(dirname "$0")/common.sh"
need_llamacpp_tool
BF16=("$M"/tiny1b-bf16.gguf "$M"/tiny1b-bf16-hf/*.safetensors)
F16=("$M"/tiny1b-f16.gguf "$M"/tiny1b-f16-hf/*.safetensors)
need_files "${BF16[@]}" "${F16[@]}"
# Puts the given files back in the page cache in 2 MiB folios, after dropping the other pair's:
# before each block of lines, not once at the start, because the folios do not always last (in
# round 14 the cache lost most of them between the F16 and the Q8_0 lines with nothing else
# running).
refill() {
  [ "${PAGE_CACHE:-refill}" = refill ] || return 0
  drop_cached "${BF16[@]}" "${F16[@]}"
  read_back "$@"
  stamp "page cache refilled: $(grep FileHugePages /proc/meminfo | tr -s ' ')"
}
refill "${BF16[@]}"
for T in 2 1; do
  for round in 1 2; do
    readfiles $T "${BF16[@]}"
    stamp "llama.cpp BF16 T=$T round $round"; llama "$M/tiny1b-bf16.gguf" --prompt-tokens 512 --gen 128 --threads $T --reps 3
    stamp "ours BF16 T=$T round $round"; ours --model "$M/tiny1b-bf16-hf" --prompt-tokens 512 --gen 128 --threads $T --reps 3
  done
done
refill "${F16[@]}"
for T in 2 1; do
  readfiles $T "${F16[@]}"
  stamp "llama.cpp F16 T=$T"; llama "$M/tiny1b-f16.gguf" --prompt-tokens 0 --gen 128 --threads $T --reps 3
  stamp "ours F16 T=$T"; ours --model "$M/tiny1b-f16-hf" --prompt-tokens 0 --gen 128 --threads $T --reps 3
done
refill "$M"/tiny1b-bf16-hf/*.safetensors
for T in 2 1; do
  stamp "ours BF16 vs Q8_0 decode T=$T"
  ours --model "$M/tiny1b-bf16-hf" --prompt-tokens 0 --gen 64 --threads $T --reps 3
  ours --model "$M/tiny1b-bf16-hf" --prompt-tokens 0 --gen 64 --threads $T --reps 3 --quantize q8_0
done
stamp "ours batch 16 T=2"; ours --model "$M/tiny1b-bf16-hf" --prompt-tokens 0 --gen 64 --threads 2 --reps 2 --batch 16
stamp done

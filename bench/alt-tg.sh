#!/usr/bin/env bash
# Decode (tg) of llama.cpp and this engine on the same weights, over several placements of the
# files in memory: each round drops both files from the page cache and reads them back (in the
# opposite order to the round before), then runs the two engines back to back, llama.cpp first in
# odd rounds and ours first in even ones. At the end, each round's ratio and their median.
#
#   M=/work/models-bench DTYPE=f16 THREADS="1 2" ROUNDS=6 bench/alt-tg.sh > alt-f16.log
#
# Why rounds of refills: on the VMs of bench/README.md a file's plain read depends on where its
# pages landed (two files of the same size 10-30% apart, steadily over minutes), and the two
# engines read different files; one placement gives a ratio that carries that factor. Refilling
# between rounds draws the placements again, so the median ratio is about the engines, not about
# where the pages sit. Each round also prints both files' plain reads (bench/ReadFiles.java).
# About 3 minutes a round and thread count.
M="${M:?set M to the folder with tiny1b-DTYPE-hf and tiny1b-DTYPE.gguf}"
DTYPE="${DTYPE:-f16}"
GEN="${GEN:-128}"
source "$(dirname "$0")/common.sh"
need_llamacpp_tool
GGUF="$M/tiny1b-$DTYPE.gguf"
HF="$M/tiny1b-$DTYPE-hf"
FILES=("$GGUF" "$HF"/*.safetensors)
need_files "${FILES[@]}"
ratios=()
for T in ${THREADS:-1 2}; do
  for ((round = 1; round <= ${ROUNDS:-6}; round++)); do
    drop_cached "${FILES[@]}"
    if ((round % 2)); then read_back "${FILES[@]}"; else read_back "${FILES[1]}" "${FILES[0]}"; fi
    readfiles $T "${FILES[@]}"
    theirs="" mine=""
    for side in $( ((round % 2)) && echo "llama ours" || echo "ours llama"); do
      stamp "$side $DTYPE T=$T round $round"
      if [ $side = llama ]; then
        line=$(llama "$GGUF" --prompt-tokens 0 --gen "$GEN" --threads $T --reps 3)
        echo "$line"
        theirs=$(sed -n 's/.* tg[0-9]* \([0-9.]*\) ± .*/\1/p' <<< "$line")
      else
        out=$(ours --model "$HF" --prompt-tokens 0 --gen "$GEN" --threads $T --reps 3)
        grep '^tg\|^read\|^pages' <<< "$out"
        mine=$(awk '/^tg/ { print $2 }' <<< "$out")
      fi
    done
    r=$(awk -v a="$mine" -v b="$theirs" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "?" }')
    echo "ratio T=$T round $round: ours $mine / llama.cpp $theirs = $r"
    ratios+=("$T $r")
  done
done
stamp done
for T in ${THREADS:-1 2}; do
  printf '%s\n' "${ratios[@]}" | awk -v t=$T '$1 == t && $2 != "?" { print $2 }' | sort -n | awk -v t=$T '{ v[++n] = $1 }
    END { if (!n) exit; m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
          printf "T=%s: ours / llama.cpp per round, sorted:", t; for (i = 1; i <= n; i++) printf " %.2f", v[i]; printf "; median %.2f\n", m }'
done

#!/usr/bin/env bash
# Makes the fixture and golden file of engine's LongContextLlamaCppTest: a small random Llama with
# a 4096-position context (HF checkpoint and GGUF with the same float32 weights, by the shared
# tools' mkmodel.py), and llama.cpp's logits over 2048 positions of it, kept at every 64th
# position and the last eight.
#
#   bash ../shared/tools/setup.sh && bench/llamacpp/make-long-golden.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
TOOLS="${SHARED_TOOLS:-../shared/tools}"
OUT=engine/src/test/resources/long-context
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bench/llamacpp/build.sh "$work/build"

# mkmodel.py finds its tokenizer sources at ../shared/models beside its own folder; give it that layout.
mkdir -p "$work/x"
cp -r "$TOOLS" "$work/x/tools" && rm -rf "$work/x/tools/.node"
ln -s "$(realpath "$TOOLS/..")" "$work/x/shared"
rm -rf "$OUT"
/usr/bin/python3 "$work/x/tools/mkmodel.py" --out-hf "$OUT" --out-gguf "$work/model.gguf" --dim 64 --hidden 176 --layers 2 \
    --heads 4 --kv-heads 2 --vocab 512 --rope-theta 10000 --rms-eps 1e-5 --seed 11 --dtype F32 --context 4096
rm -f "$OUT/mkmodel_args.json.bak"

ids=$(/usr/bin/python3 -c "import random; r = random.Random(5); print(','.join(['1'] + [str(r.randrange(3, 512)) for _ in range(2047)]))")
GGML_BACKEND_DIR="$(bench/llamacpp/build.sh --bins)" "$work/build/logits" "$work/model.gguf" - "$ids" > "$work/all.txt"
{
  echo "# llama.cpp v0.4.0 (node-llama-cpp 3.21.1) logits of the GGUF twin of this folder's checkpoint, F32 KV cache,"
  echo "# flash attention off, 1 thread, one pass over the 2048 ids below; lines: position, then its 512 logits,"
  echo "# for every 64th position and the last eight. Made by bench/llamacpp/make-long-golden.sh."
  echo "# ids $ids"
  awk '{ n = NR - 1; if (n % 64 == 0 || n >= 2040) print n, $0 }' "$work/all.txt"
} > "$OUT/llamacpp_logits.txt"
echo "wrote $OUT"

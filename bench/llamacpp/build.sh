#!/usr/bin/env bash
# Builds bench/llamacpp/{logits,batched,quantize,ppbench}.cpp into DIR/logits, DIR/batched, DIR/quantize, DIR/ppbench
# against the llama.cpp that node-llama-cpp 3.21.1 bundles (llama.cpp v0.4.0): headers from the
# source bundle it ships, the shared libraries of its prebuilt CPU build. Needs g++ and
# ../shared/tools/setup.sh run first (which installs into ../shared/tools/.node, or into
# ~/.cache/scans-reference-tools/node where that folder is read-only; both are looked in here).
#
#   bench/llamacpp/build.sh DIR        then: GGML_BACKEND_DIR=$(bench/llamacpp/build.sh --bins) DIR/logits ...
set -euo pipefail
cd "$(dirname "$0")/../.."
NODE_DIR="${LLAMACPP_NODE_DIR:-../shared/tools/.node}"
if [ -z "${LLAMACPP_NODE_DIR:-}" ] && [ ! -d "$NODE_DIR/node_modules/node-llama-cpp" ]; then
    NODE_DIR="$HOME/.cache/scans-reference-tools/node"
fi
BINS="$(realpath "$NODE_DIR/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64")"
if [ "${1:-}" = "--bins" ]; then echo "$BINS"; exit 0; fi
out="$(realpath "$1")"
mkdir -p "$out"
[ -d "$out/src" ] || git clone -q "$NODE_DIR/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$out/src"
ln -sf "$BINS/libllama.v0.4.0.so" "$out/libllama.so"
ln -sf "$BINS/libggml.v0.4.0.so" "$out/libggml.so"
for prog in logits batched quantize ppbench; do
    g++ -std=c++17 -O1 -I"$out/src/include" -I"$out/src/common" -I"$out/src/ggml/include" -o "$out/$prog" "bench/llamacpp/$prog.cpp" \
        -L"$out" -L"$BINS" -l:libllama-common.so -lllama -lggml -l:libggml-base.so -Wl,-rpath,"$BINS" -Wl,-rpath,"$out"
done

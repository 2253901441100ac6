#!/usr/bin/env bash
# Makes the golden file of scans/src/test/java/org/scans/method/ControlVectorLlamaCppTest: llama.cpp's
# logits for stories260K with the control vector that `extract --export-llamacpp` writes for layer 2.
#
#   bash ../shared/tools/setup.sh        # node-llama-cpp 3.21.1: llama.cpp v0.4.0 libraries and source bundle
#   bench/cvec/make-golden.sh            # after ./mvnw package; needs g++
#
# The program is built against the headers in the source bundle node-llama-cpp ships and linked to
# the shared libraries of its prebuilt CPU build, so it is the same llama.cpp the other references used.
set -euo pipefail
cd "$(dirname "$0")/../.."
NODE_DIR="${LLAMACPP_NODE_DIR:-../shared/tools/.node}"
BINS="$NODE_DIR/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64"
BUNDLE="$NODE_DIR/node_modules/node-llama-cpp/llama/gitRelease.bundle"
GGUF="${STORIES_GGUF:-../shared/models/stories260K/stories260K.gguf}"
OUT=scans/src/test/resources/reference
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
J="$JAVA_HOME/bin/java --add-modules jdk.incubator.vector -jar target/scans-engine.jar"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$BUNDLE" "$work/src"
ln -s "$(realpath "$BINS")/libllama.v0.4.0.so" "$work/libllama.so"
ln -s "$(realpath "$BINS")/libggml.v0.4.0.so" "$work/libggml.so"
g++ -std=c++17 -O1 -I"$work/src/include" -I"$work/src/common" -I"$work/src/ggml/include" -o "$work/cvec-logits" bench/cvec/cvec-logits.cpp \
    -L"$work" -L"$BINS" -l:libllama-common.so -lllama -lggml -l:libggml-base.so -Wl,-rpath,"$(realpath "$BINS")" -Wl,-rpath,"$work"

# The vectors: the default anchors on the bundled model; the control vector: layer 2, α·sign = +4.
$J extract --model models/stories260K --out "$OUT/stories260K_cvec_vectors.safetensors" \
    --export-llamacpp "$OUT/stories260K_cvec_layer2.gguf" --layers 2 --alpha 4 --sign +1
ids=1,403,407,261,378,432,383,286
{
  echo "# llama.cpp v0.4.0 (node-llama-cpp 3.21.1) logits over stories260K.gguf, F32 KV cache, flash attention off, 1 thread,"
  echo "# control vector stories260K_cvec_layer2.gguf (direction.2) loaded by common_control_vector_load, applied to layers 1..5;"
  echo "# ids $ids; one line per position. Made by bench/cvec/make-golden.sh."
  GGML_BACKEND_DIR="$(realpath "$BINS")" "$work/cvec-logits" "$GGUF" "$OUT/stories260K_cvec_layer2.gguf" "$ids"
} > "$OUT/stories260K_llamacpp_cvec_layer2_logits.txt"
echo "wrote $OUT/stories260K_llamacpp_cvec_layer2_logits.txt"

#!/usr/bin/env bash
# Makes the golden file of scans/src/test/java/org/scans/method/ControlVectorLlamaCppTest: llama.cpp's
# logits for stories260K with the control vector that `extract --export-llamacpp` writes for layer 2.
#
#   bash ../shared/tools/setup.sh && ./mvnw -B -q package -DskipTests && bench/llamacpp/make-cvec-golden.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
GGUF="${STORIES_GGUF:-../shared/models/stories260K/stories260K.gguf}"
OUT=scans/src/test/resources/reference
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
J="$JAVA_HOME/bin/java --add-modules jdk.incubator.vector -jar target/scans-engine.jar"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bench/llamacpp/build.sh "$work"

# The vectors: the default anchors on the bundled model; the control vector: layer 2, α·sign = +4.
$J extract --model models/stories260K --out "$OUT/stories260K_cvec_vectors.safetensors" \
    --export-llamacpp "$OUT/stories260K_cvec_layer2.gguf" --layers 2 --alpha 4 --sign +1
ids=1,403,407,261,378,432,383,286
{
  echo "# llama.cpp v0.4.0 (node-llama-cpp 3.21.1) logits over stories260K.gguf, F32 KV cache, flash attention off, 1 thread,"
  echo "# control vector stories260K_cvec_layer2.gguf (direction.2) loaded by common_control_vector_load, applied to layers 1..5;"
  echo "# ids $ids; one line per position. Made by bench/llamacpp/make-cvec-golden.sh."
  GGML_BACKEND_DIR="$(bench/llamacpp/build.sh --bins)" "$work/logits" "$GGUF" "$OUT/stories260K_cvec_layer2.gguf" "$ids"
} > "$OUT/stories260K_llamacpp_cvec_layer2_logits.txt"
echo "wrote $OUT/stories260K_llamacpp_cvec_layer2_logits.txt"

#!/usr/bin/env bash
# Packs what it takes to measure this engine against llama.cpp on another x86-64 Linux machine on
# which nothing can be installed and to which no 4 GB model can be copied (the GPU machine some
# sessions are lent has 16 cores of its own; its tool carries at most 64 MiB). In one tar.xz of
# about 26 MB:
#   - a Java 25 runtime (jlink: java.base, jdk.incubator.vector, jdk.management and jdk.jfr, the
#     last two for the compiler directives, see JitDirectives) and the engine's jar;
#   - llama.cpp's batched and ppbench programs with the libraries of node-llama-cpp's CPU build;
#   - the headers of the TinyLlama-1.1B-shaped BF16 pair and Filler.class, which writes both files
#     back at full size with filler weights (see Filler.java), ReadFiles.class (../ReadFiles.java)
#     and run-kit.sh.
#
#   M=/work/models-bench bench/kit/make-kit.sh /tmp/kit.tar.xz
#   then there:  mkdir k && tar -xJf kit.tar.xz -C k && OUT=/some/dir k/run-kit.sh
#
# Needs g++ and ../shared/tools/setup.sh run first (as bench/llamacpp/build.sh does; it also
# installs the numpy that llamaio needs), and the jar built.
set -euo pipefail
M="${M:?set M to the folder with tiny1b-bf16-hf and tiny1b-bf16.gguf}"
OUT_TAR="$(realpath -m "${1:?usage: make-kit.sh OUT.tar.xz}")"
source "$(dirname "$0")/../common.sh"
set -e
JDK="$(dirname "$(dirname "$JAVA")")"
K="$(mktemp -d)"; B="$(mktemp -d)"
trap 'rm -rf "$K" "$B"' EXIT
"$JDK/bin/jlink" --add-modules java.base,jdk.incubator.vector,jdk.management,jdk.jfr \
    --strip-debug --no-header-files --no-man-pages --output "$K/jre" 2>/dev/null
cp "$JAR" "$K/scans-engine.jar"
# llama.cpp: build.sh clones the sources its headers come from; the kit's programs then look for
# their libraries beside themselves.
bash "$ROOT/bench/llamacpp/build.sh" "$B" > /dev/null 2>&1
BINS="$(bash "$ROOT/bench/llamacpp/build.sh" --bins)"
mkdir -p "$K/lib"
cp "$BINS"/libggml*.so "$BINS"/libllama.v0.4.0.so "$K/lib/"
for prog in batched ppbench; do
  g++ -std=c++17 -O2 -I"$B/src/include" -I"$B/src/ggml/include" -o "$K/$prog" "$ROOT/bench/llamacpp/$prog.cpp" \
      -L"$K/lib" -l:libllama.v0.4.0.so -l:libggml.v0.4.0.so -l:libggml-base.so -Wl,-rpath,'$ORIGIN/lib'
done
# The pair's headers: safetensors' 8-byte length and JSON; the GGUF up to its aligned data.
mkdir -p "$K/hf"
cp "$M"/tiny1b-bf16-hf/{config.json,tokenizer.model,tokenizer_config.json} "$K/hf/"
# llamaio (../shared/tools) already parses both formats: its GGUF reader finds where the data starts.
/usr/bin/python3 - "$TOOLS" "$M/tiny1b-bf16-hf/model.safetensors" "$M/tiny1b-bf16.gguf" "$K" <<'PY'
import os, struct, sys
tools, st, gguf, k = sys.argv[1:5]
sys.path.insert(0, tools)
from llamaio import GGUFReader
def save(name, path, n):
    with open(path, 'rb') as f: open(os.path.join(k, name + '.head'), 'wb').write(f.read(n))
    open(os.path.join(k, name + '.size'), 'w').write(str(os.path.getsize(path)))
with open(st, 'rb') as f: save('st', st, 8 + struct.unpack('<Q', f.read(8))[0])
save('gguf', gguf, GGUFReader(gguf).data_start)
PY
"$JDK/bin/javac" -d "$K" "$ROOT/bench/kit/Filler.java"
"$JDK/bin/javac" --add-modules jdk.incubator.vector -cp "$JAR" -d "$K" "$ROOT/bench/ReadFiles.java" 2>/dev/null
cp "$ROOT/bench/kit/run-kit.sh" "$K/"
tar -cJf "$OUT_TAR" -C "$K" .
echo "$OUT_TAR: $(du -h "$OUT_TAR" | cut -f1)"

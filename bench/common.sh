# Sourced by the compare-*.sh scripts: where the jar, Java and llama.cpp's tools are, and the two
# page-cache steps both scripts take before measuring (bench/README.md, "Page cache").
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${TOOLS:-$ROOT/../shared/tools}"
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
JAR="${JAR:-$ROOT/target/scans-engine.jar}"
[ -f "$JAR" ] || { echo "no $JAR: build with ./mvnw -B -q package -DskipTests" >&2; exit 1; }

# One llama-bench line from llama.cpp, our bench on the same arguments, and a timestamped
# heading; the scripts that run them otherwise define their own after sourcing this file.
llama() { node "$TOOLS/llamacpp.mjs" bench "$@" 2>&1 | tail -1; }
ours() { "$JAVA" --add-modules jdk.incubator.vector -Xmx1g -jar "$JAR" bench "$@" 2>/dev/null; }
# A plain read of each file through its mapping at $1 threads (bench/ReadFiles.java): the two
# engines read different files, whose pages can sit in memory that reads 10-30% apart.
readfiles() { "$JAVA" --add-modules jdk.incubator.vector -cp "$JAR" "$ROOT/bench/ReadFiles.java" "$@" 2>/dev/null; }
stamp() { echo "=== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) :: $*"; }

# Drops the files from the page cache (posix_fadvise DONTNEED).
drop_cached() {
  /usr/bin/python3 -c 'import os, sys
for p in sys.argv[1:]:
    fd = os.open(p, os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)' "$@"
}

# Reads each file once, sequentially: dropped first, it comes back in 2 MiB page-cache folios.
# Fragmented free memory can keep a file from them, so memory is compacted before each file (root
# only; one compaction for four 2.2 GB files left the last F16 one 1.46 of 2.20 GB in them).
read_back() {
  for f in "$@"; do
    [ -w /proc/sys/vm/compact_memory ] && echo 1 > /proc/sys/vm/compact_memory
    dd if="$f" of=/dev/null bs=8M status=none
  done
}

# Drops the given files and reads them back (2 MiB folios), unless PAGE_CACHE=keep.
refill_files() {
  [ "${PAGE_CACHE:-refill}" = refill ] || return 0
  drop_cached "$@"
  read_back "$@"
}

# Stops a script before its first measurement when a model file it measures is missing (a fresh
# machine, or M naming another folder); a glob that matched nothing is named as it was written.
need_files() {
  local f
  for f in "$@"; do
    [ -f "$f" ] || { echo "no $f: write the models with mkmodel.py (bench/README.md, \"How to run\")" >&2; exit 1; }
  done
}

# Stops a script before its first measurement when llama.cpp's tool cannot run (a fresh machine
# without setup.sh), rather than after half an hour of rounds with one side missing.
need_llamacpp_tool() {
  node "$TOOLS/llamacpp.mjs" version > /dev/null 2>&1 ||
    { echo "llama.cpp's tool does not run (node $TOOLS/llamacpp.mjs version): run $TOOLS/setup.sh first" >&2; exit 1; }
}

# Checks that bench/llamacpp/build.sh built program $1 into $LCPP, and sets BINS to the llama.cpp
# libraries it loads its backends from (GGML_BACKEND_DIR).
need_llamacpp_program() {
  [ -n "${LCPP:-}" ] || { echo "set LCPP to the folder bench/llamacpp/build.sh built" >&2; exit 1; }
  [ -x "$LCPP/$1" ] || { echo "no $LCPP/$1: build it with bench/llamacpp/build.sh $LCPP" >&2; exit 1; }
  BINS="$(bash "$ROOT/bench/llamacpp/build.sh" --bins)"
}

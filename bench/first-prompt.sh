#!/usr/bin/env bash
# Start to first answer, the way a user meets it: a fresh JVM runs `generate` on an 11-token prompt
# with one new token, so the time holds the load, the kernel warm-up and the first prompt while C2
# is still compiling (bench/README.md, round 41). Two jars alternate, PAIRS times (default 2);
# A_JAR / B_JAR default to the built jar. The model's files should be in the page cache.
#
#   A_JAR=/tmp/old.jar bench/first-prompt.sh $M/tiny1b-bf16-hf
source "$(dirname "$0")/common.sh"
model="${1:?usage: [A_JAR=…] [B_JAR=…] [PAIRS=n] bench/first-prompt.sh MODEL_DIR}"
need_files "$model"/*.safetensors
A_JAR="${A_JAR:-$JAR}"
B_JAR="${B_JAR:-$JAR}"
for jar in "$A_JAR" "$B_JAR"; do [ -f "$jar" ] || { echo "no $jar" >&2; exit 1; }; done
for ((pair = 1; pair <= ${PAIRS:-2}; pair++)); do
  for jar in "$A_JAR" "$B_JAR"; do
    echo "=== $(date -u +%H:%M:%S) pair $pair: $jar"
    /usr/bin/time -f "start to exit %e s, max RSS %M KB" "$JAVA" --add-modules jdk.incubator.vector -Xmx300m \
      -Dscans.warmup.verbose=true -jar "$jar" generate --model "$model" \
      --prompt-ids 1,450,4996,17354,1701,432,17204,975,278,17366,11203 --max-new-tokens 1 --threads 2 2>&1 \
      | grep '^warm-up\|^prompt\|^start to exit'
  done
done

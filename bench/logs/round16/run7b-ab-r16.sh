#!/bin/bash
# 7B F16 run, old jar (ca15ae5) then new (prefix reuse), same settings
J="/usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-modules jdk.incubator.vector -jar"
M=/work/models-bench/llama7b-f16-hf
V=/tmp/r15/out/v.safetensors
for jar in scans-old scans-engine; do
  rm -rf /tmp/r16/run-$jar
  echo "=== $(date -u +%H:%M:%S) $jar: run --dataset xstest --limit 16 --baseline --max-new-tokens ${N:-256} --kv-cache f16"
  $J /tmp/r16/$jar.jar pages --model $M 2>&1 | grep "^pages"
  /usr/bin/time -f "%e s wall, max RSS %M KB" $J /tmp/r16/$jar.jar run --model $M --vectors $V --dataset xstest --limit 16 --baseline --max-new-tokens ${N:-256} --kv-cache f16 --out /tmp/r16/run-$jar 2>&1 | grep -E "Throughput|wall"
done
echo "=== $(date -u +%H:%M:%S) done"

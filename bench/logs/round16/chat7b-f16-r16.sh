#!/bin/bash
# 7B F16 scripted chat (5 turns, 48 tokens each): old jar (ca15ae5) against new, turn times
J="/usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-modules jdk.incubator.vector -jar"
M=/work/models-bench/llama7b-f16-hf
printf 'Hello there\nWhat is the capital of France?\nTell me more about it.\nWhy is that?\nGive me an example.\n' > /tmp/r16/chat5.txt
for jar in scans-old scans-final; do
  echo "=== $(date -u +%H:%M:%S) $jar"
  $J /tmp/r16/$jar.jar chat --model $M --vectors /tmp/r15/out/v.safetensors --max-new-tokens 48 < /tmp/r16/chat5.txt 2>&1 | grep -oE "^\[[0-9]+ tokens, [0-9.]+ tok/s, [0-9.]+ s"
done
echo "=== $(date -u +%H:%M:%S) done"

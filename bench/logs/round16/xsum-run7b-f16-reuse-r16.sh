#!/bin/bash
cd /work/main
J="/usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-modules jdk.incubator.vector -jar /tmp/r16/scans-engine.jar"
M=/work/models-bench/llama7b-f16-hf
V=/tmp/r15/out/v.safetensors
rm -rf /tmp/r16/xs /tmp/r16/run
$J pages --model $M --refill 2>&1 | grep -v "WARNING: Using"; $J pages --model $M 2>&1 | grep -v "WARNING: Using"
echo "=== $(date -u +%H:%M:%S) eval xsum --rows 4 --max-new-tokens 48 (default batch)"
/usr/bin/time -f "%e s wall, max RSS %M KB" $J eval xsum --model $M --vectors $V --rows 4 --max-new-tokens 48 --out /tmp/r16/xs 2>&1 | grep -v "WARNING: Using"
python3 -c "import json; [print(l['id'], l['prompt_tokens'], l['response_tokens'], l['baseline_tokens'], l['seconds'], repr(l['response'][:60])) for l in map(json.loads, open('/tmp/r16/xs/samples.jsonl'))]"
echo "=== $(date -u +%H:%M:%S) run --dataset xstest --limit 16 --baseline --max-new-tokens 256 --kv-cache f16"
/usr/bin/time -f "%e s wall, max RSS %M KB" $J run --model $M --vectors $V --dataset xstest --limit 16 --baseline --max-new-tokens 256 --kv-cache f16 --out /tmp/r16/run 2>&1 | grep -v "WARNING: Using" | grep -v "^run \["
echo "=== $(date -u +%H:%M:%S) done"

#!/bin/bash
# final jar: eval xsum on the 7B F16 shape after a refill (progress lines with the classifying note)
J="/usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-modules jdk.incubator.vector -jar /tmp/r16/scans-final.jar"
M=/work/models-bench/llama7b-f16-hf
rm -rf /tmp/r16/xsf
$J pages --model $M --refill 2>&1 | grep -v "WARNING: Using"
echo "=== $(date -u +%H:%M:%S) eval xsum --rows 4 --max-new-tokens 48 (default batch)"
/usr/bin/time -f "%e s wall, max RSS %M KB" $J eval xsum --model $M --vectors /tmp/r15/out/v.safetensors --rows 4 --max-new-tokens 48 --out /tmp/r16/xsf 2>&1 | grep -v "WARNING: Using"
python3 -c "import json; [print(l['id'], l['prompt_tokens'], l['response_tokens'], l['baseline_tokens'], l['seconds'], repr(l['response'][:60])) for l in map(json.loads, open('/tmp/r16/xsf/samples.jsonl'))]"
echo "=== $(date -u +%H:%M:%S) done"

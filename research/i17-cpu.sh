#!/usr/bin/env bash
# Issue 17's verdict on this 2-core CPU (the GPU run of research/i17-gpu/ did not finish): the layer-23
# CWE-79 vectors (mean difference; BiPO-trained, 2 epochs) tuned on the tuning split (2 samples per task,
# T 0.4), then each reported once on the report split at the scale research/i17_choose.py picks (4 samples
# per task, random and negated controls). float32: this CPU has no bf16 instructions (AMX, AVX512-BF16), so
# bf16 runs emulated and slower. One shared vector cache, so BiPO trains once.
set -eu
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD/src PYTHONUNBUFFERED=1
PY=${PY:-.venv/bin/python}
mkdir -p runs/cpu/vcache
for r in tune report-mean_diff report-optimized; do mkdir -p runs/cpu/$r; [ -e runs/cpu/$r/cache ] || ln -s ../vcache runs/cpu/$r/cache; done
CPU=(--set samples=2 --set batch_size=24 --set 'train={epochs = 2}' --set 'dtype="float32"')
sweep() { $PY -m secsteer sweep "$@" --allow-code-execution 2>&1 | grep -v -E "it/s\]|s/it\]" | tail -3; }
echo "=== $(date +%T) tune"
sweep research/i17-gpu/tune.toml --out runs/cpu/tune "${CPU[@]}" --set 'scales=[0.25, 0.5, 1.0]'
$PY research/i17_choose.py runs/cpu/tune | tee runs/cpu/chosen.txt
while read -r method scale _rate; do
  echo "=== $(date +%T) report $method at $scale"
  sweep research/i17-gpu/report.toml --out runs/cpu/report-$method --set samples=4 --set batch_size=24 --set 'dtype="float32"' \
    --set 'train={epochs = 2}' --set "methods=[\"$method\"]" --set "scales=[$scale]" \
    --set 'controls=["random", "negated"]'
done < runs/cpu/chosen.txt
echo "=== $(date +%T) done"

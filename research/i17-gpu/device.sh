#!/usr/bin/env bash
# Issue 17/16 generation on a lent GPU machine (no network): reassemble the bundled 0.5B GGUF carried in chunks
# (/tmp/dstore/part*), convert it, then generate every run of research/i17-gpu/ with --generate-only. Each run
# folder is tarred into $OUT/runs.tgz after each step, so a run cut short still returns what it finished.
# Dry run on a CPU with a tiny model: DRY="--set model=PATH --set max_new_tokens=4 --set dtype=float32".
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/i17-out}; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
if [ -d .dwhl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .dwhl/*.whl || exit 1
  export PYTHONPATH=$PWD/src:/tmp/site SECSTEER_CACHE=/tmp/ssc
  GGUF=$SECSTEER_CACHE/gguf/1d9614638d18-qwen2.5-coder-0.5b-instruct-q4_k_m.gguf
  if [ ! -f "$GGUF" ]; then
    mkdir -p "$(dirname "$GGUF")"; cat /tmp/dstore/part* > "$GGUF.partial"
    echo "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32  $GGUF.partial" | sha256sum -c - || exit 1
    mv "$GGUF.partial" "$GGUF"
  fi
  [ -d ../shared/datasets/seccodeplt ] || { mkdir -p ../shared/datasets && tar xzf /tmp/dstore/seccodeplt.tgz -C ../shared/datasets; }
  nvidia-smi --query-gpu=name,memory.used --format=csv
fi
PY=${PY:-python3}
DRY=${DRY:-}
log() { echo "=== $(date +%T) $*"; }
log convert; $PY -m secsteer info --model bundled:qwen2.5-coder-0.5b-instruct 2>&1 | tail -5
mkdir -p /tmp/vcache runs/gpu
run() {   # run NAME SPEC [--set ...]: generate only, into runs/gpu/NAME, sharing one vector cache
  local name=$1 spec=$2; shift 2
  mkdir -p runs/gpu/$name; [ -e runs/gpu/$name/cache ] || ln -s /tmp/vcache runs/gpu/$name/cache
  log "$name"; local t=$SECONDS
  timeout 400 $PY -m secsteer sweep research/i17-gpu/$spec --out runs/gpu/$name --generate-only \
    --allow-code-execution --no-report $DRY "$@" 2>&1 | grep -v -E "it/s\]|s/it\]" | tail -4
  echo "$name took $((SECONDS - t)) s"
  # written beside and renamed: a command killed mid-tar must not leave a truncated archive behind
  tar czf "$OUT/runs.tgz.tmp" --dereference --exclude='*.safetensors.tmp' runs/gpu 2>/dev/null && mv "$OUT/runs.tgz.tmp" "$OUT/runs.tgz"
}
CD=(--set 'decoding="contrastive"' --set alpha=1.0 --set beta=0.05)
run tune tune.toml
for s in 0.1 0.25 0.5 1.0; do run report-md-$s report.toml --set "scales=[$s]"; done
for s in 0.25 0.5 1.0; do run report-opt-$s report.toml --set 'methods=["optimized"]' --set "scales=[$s]"; done
run tune-contrastive tune-contrastive.toml
for s in 0.1 0.3 1.0; do run report-cd-$s report.toml "${CD[@]}" --set "scales=[$s]"; done
run tune-layers tune-layers.toml
run headroom headroom.toml
log done

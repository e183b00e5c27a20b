#!/usr/bin/env bash
# Judge here what research/i17-gpu/device.sh generated on the GPU (runs/gpu/NAME/generated.jsonl), by the
# same command without --generate-only. Usage: judge.sh NAME [--set ...], NAME as in device.sh, e.g.
#   judge.sh tune;  judge.sh report-md-0.25 --set 'scales=[0.25]'
set -eu
cd "$(dirname "$0")/../.."
name=$1; shift
case $name in
  tune|tune-contrastive|tune-layers|headroom) spec=$name.toml ;;
  report-*) spec=report.toml ;;
  *) echo "unknown run $name" >&2; exit 2 ;;
esac
python -m secsteer sweep "research/i17-gpu/$spec" --out "runs/gpu/$name" --allow-code-execution "$@"

"""Sweep wall time by executor: judging overlapped with generation vs in turn, and Ray vs the local default.

Each side is a whole `secsteer sweep` in a fresh process (start-up and model load included, as a user sees it)
on one spec: the built-in scenarios with their tests executed, the bundled model in bf16, baseline only, so
that no vector read dilutes the difference. Sides alternate ABBA; both runs must store the same samples.

    python -m benchmarks --only pipeline,pipeline_ray
    python -m benchmarks.bench_pipeline --reps 2 --json pipeline.json      # the same, standalone
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.context import Context
from benchmarks.timing import REPO, Figure, Paired, from_paired

SPEC = {
    "name": "bench-pipeline", "methods": [], "scenarios": ["builtin"], "scenario_limit": 1, "samples": 4,
    "temperature": 0.4, "max_new_tokens": 96, "batch_size": 8, "dtype": "bfloat16", "run_tests": True,
}
# local: the default, which overlaps or not by the hardware (run.json's "executions" says which it chose)
EXECUTORS = {"sequential": ["--no-overlap"], "overlap": ["--overlap"], "local": [], "ray": ["--executor", "ray"]}


def write_spec(path: Path, **changes: Any) -> Path:
    def value(v: Any) -> str:
        return "true" if v is True else json.dumps(v)

    path.write_text("".join(f"{k} = {value(v)}\n" for k, v in {**SPEC, **changes}.items()))
    return path


def sweep_seconds(spec: Path, out: Path, executor: str) -> float:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "secsteer", "sweep", str(spec), "--out", str(out), "--no-report",
               "--allow-code-execution", *EXECUTORS[executor]]
    t0 = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3 * 3600)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{executor} sweep exited with {proc.returncode}: {proc.stderr.strip()[-400:]}")
    return seconds


def samples_of(run: Path) -> list[str]:
    rows = [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines()]
    return sorted(json.dumps({k: r[k] for k in ("unit", "row", "completion", "valid", "secure", "functional")},
                             sort_keys=True) for r in rows)


def compare(workdir: Path, baseline: str, variant: str, reps: int) -> tuple[Paired, dict[str, Any]]:
    """ABBA-ordered whole sweeps; every run's samples must equal the first run's."""
    spec = write_spec(workdir / "pipeline.toml")
    times: dict[str, list[float]] = {baseline: [], variant: []}
    reference: list[str] | None = None
    same = True
    for r in range(reps):
        for side in ((baseline, variant) if r % 2 == 0 else (variant, baseline)):
            out = workdir / f"{side}-{r}"
            times[side].append(sweep_seconds(spec, out, side))
            got = samples_of(out)
            reference = reference if reference is not None else got
            same = same and got == reference
    load = os.getloadavg()
    chosen = {side: executions(workdir / f"{side}-0") for side in (baseline, variant)}
    return Paired(tuple(times[baseline]), tuple(times[variant])), {"same_samples": same, "load_avg_end": load,
                                                                    "spec": SPEC, "rows": len(reference or []),
                                                                    "executions": chosen}


def executions(run: Path) -> list[dict[str, Any]]:
    """How the sweep ran its units, as it noted in run.json (the local default's choice and why)."""
    return json.loads((run / "run.json").read_text()).get("executions", [])


def pipeline(ctx: Context) -> Figure:
    what = "sweep wall time, judging overlapped (--overlap) / in turn (--no-overlap) (builtin, tests run, bf16)"
    if ctx.quick:
        return Figure("pipeline", what, "skipped", note="full mode only (minutes on the bundled model)")
    paired, values = compare(ctx.workdir, "sequential", "overlap", reps=min(ctx.reps, 2))
    return _checked(from_paired("pipeline", what, paired, ("<=", 0.7), **values))


def pipeline_ray(ctx: Context) -> Figure:
    what = "sweep wall time, --executor ray on this machine / the local default (same spec)"
    if ctx.quick:
        return Figure("pipeline_ray", what, "skipped", note="full mode only (minutes on the bundled model)")
    try:
        import ray  # noqa: F401
    except ImportError:
        return Figure("pipeline_ray", what, "skipped", note="ray is not installed (pip install 'secsteer[ray]')")
    paired, values = compare(ctx.workdir, "local", "ray", reps=min(ctx.reps, 2))
    return _checked(from_paired("pipeline_ray", what, paired, None, **values))


def _checked(figure: Figure) -> Figure:
    if not figure.values["same_samples"]:
        return Figure(figure.name, figure.what, "error", note="the two executors stored different samples")
    return figure


FIGURES = {"pipeline": pipeline, "pipeline_ray": pipeline_ray}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=2, help="whole sweeps per side (default: %(default)s)")
    parser.add_argument("--only", default="pipeline,pipeline_ray")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                        help="change a key of the spec, e.g. --set samples=2 (a smaller run on a busy machine)")
    args = parser.parse_args()
    for item in args.set:
        key, _, value = item.partition("=")
        SPEC[key] = json.loads(value)
    record: dict[str, Any] = {"load_avg_start": os.getloadavg(), "spec": SPEC, "figures": {}}
    with tempfile.TemporaryDirectory(prefix="secsteer-bench-pipeline-") as work:
        ctx = Context(quick=False, reps=args.reps, new_tokens=0, size=None, sven_pairs=0,  # type: ignore[arg-type]
                      workdir=Path(work), models=None)  # type: ignore[arg-type]
        for name in args.only.split(","):
            figure = FIGURES[name](ctx)
            print(figure.line(), flush=True)
            record["figures"][name] = figure.to_json()
            if args.json:
                args.json.write_text(json.dumps(record, indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

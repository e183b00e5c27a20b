"""Figures measured in subprocesses: the nnsight and analyzer scripts, the SVEN memory read, `secsteer demo`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import torch

from benchmarks.context import Context
from benchmarks.timing import REPO, Figure
from secsteer._util.threads import ENV as ENV_THREADS

HERE = Path(__file__).resolve().parent
DATASETS = REPO.parent / "shared" / "datasets"


JSON_SLOT = "{json}"


def run_json(ctx: Context, name: str, argv: list[str], timeout_s: float) -> dict[str, Any]:
    """Run a command that writes JSON to the path after --json; raise RuntimeError with its stderr if it fails.

    `--json PATH` is appended, or replaces the item JSON_SLOT where the path must sit elsewhere.
    """
    out = ctx.workdir / f"{name}.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
           ENV_THREADS: str(torch.get_num_threads())}      # children use the runner's thread count
    command = [str(out) if a == JSON_SLOT else a for a in argv] if JSON_SLOT in argv else [*argv, "--json", str(out)]
    proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout_s)
    if proc.returncode != 0 or not out.is_file():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"{argv[1]} exited with {proc.returncode}: {' | '.join(tail)}")
    return json.loads(out.read_text())


def nnsight_record(ctx: Context, script: Path) -> dict[str, Any]:
    """bench_nnsight.py's JSON, run once per benchmark run (both batch figures read it)."""
    key = f"nnsight:{script}"
    if key not in ctx.cache:
        argv = [sys.executable, str(script), "--threads", str(torch.get_num_threads())]
        ctx.cache[key] = run_json(ctx, "nnsight", argv + (["--quick"] if ctx.quick else []), 1800)
    return ctx.cache[key]


def nnsight(ctx: Context, batch: int, script: Path = HERE / "bench_nnsight.py") -> Figure:
    name, what = f"nnsight_b{batch}", f"nnsight steered / plain generate, batch {batch} (bench_nnsight.py)"
    if ctx.skip_external:
        return Figure(name, what, "skipped", note="--skip-external")
    if not script.is_file():
        return Figure(name, what, "skipped", note=f"{script.name} is not present")
    record = nnsight_record(ctx, script)
    try:
        rows = record["batches"][str(batch)]
        row = rows["nnsight_steered"]
    except KeyError as err:
        raise ValueError(f"{script.name} wrote no batches.{batch}.nnsight_steered entry ({err}); "
                         f"its JSON layout changed, update bench_external.nnsight") from None
    hooks = rows.get("hooks_steered", {}).get("ratio_median")
    note = "spread is p25-p75" + (f"; hook engine steered x{hooks:.3f}" if hooks is not None else "")
    return Figure(name, what, "ok", row["ratio_median"], (row["ratio_p25"], row["ratio_p75"]), None,
                  {**row, "new_tokens": record.get("new_tokens"), "model": record.get("model")}, note)


def analyzers(ctx: Context, script: Path = HERE / "bench_analyzers.py") -> Figure:
    """bandit + semgrep over Python completions: seconds per 1,000 against the 60 s target."""
    what = "analyzers: s per 1,000 Python completions / 60 s"
    if ctx.skip_external:
        return Figure("analyzers", what, "skipped", note="--skip-external")
    if not script.is_file():
        return Figure("analyzers", what, "skipped", note=f"{script.name} is not present")
    n_python, n_c = (40, 8) if ctx.quick else (1000, 200)
    record = run_json(ctx, "analyzers", [sys.executable, str(script), "--n-python", str(n_python),
                                         "--n-c", str(n_c)], 900)
    per_1000 = float(record["python_total_seconds"]) * 1000 / n_python
    note = f"{n_python} completions; startup cost is spread over few" if ctx.quick else ""
    return Figure("analyzers", what, "ok", per_1000 / 60, None, ("<=", 1.0), record, note)


def sven_memory(ctx: Context) -> Figure:
    what = f"SVEN train read on the bundled model, peak RSS / RSS before ({ctx.sven_pairs} pairs)"
    if ctx.quick:
        return Figure("sven_memory", what, "skipped", note="full mode only (bundled model)")
    if not (DATASETS / "sven").is_dir():
        return Figure("sven_memory", what, "skipped", note=f"no SVEN data at {DATASETS / 'sven'}")
    record = run_json(ctx, "sven_memory", [sys.executable, "-m", "benchmarks.sven_memory",
                                           "--pairs", str(ctx.sven_pairs)], 4 * 3600)
    ratio = record["rss_peak_mb"] / record["rss_before_mb"]
    note = (f"+{record['extraction_increment_mb']:.0f} MB over {record['rss_before_mb']:.0f} MB, "
            f"{record['tokens']} tokens in {record['wall_s']:.0f} s ({record['tokens_per_s']:.0f} tok/s)")
    return Figure("sven_memory", what, "ok", ratio, None, None, record, note)


def demo(ctx: Context) -> Figure:
    what = "`secsteer demo` end to end: wall time, peak RSS"
    if ctx.quick:
        return Figure("demo", what, "skipped", note="full mode only (minutes on the bundled model)")
    out = ctx.workdir / "demo"
    record = run_json(ctx, "demo", [sys.executable, "-m", "benchmarks.measure", "--json", JSON_SLOT, "--log", str(out / "log.txt"), "--",
                                    sys.executable, "-m", "secsteer", "demo", "--out", str(out)], 3 * 3600)
    if record["returncode"] != 0:
        raise RuntimeError(f"secsteer demo exited with {record['returncode']}: {record['stderr_tail']}")
    note = f"{record['wall_s']:.0f} s, peak RSS {record['max_rss_mb']:.0f} MB (largest process)"
    return Figure("demo", what, "ok", None, None, None, record, note)


FIGURES = {
    "nnsight_b1": lambda ctx: nnsight(ctx, 1),
    "nnsight_b8": lambda ctx: nnsight(ctx, 8),
    "analyzers": analyzers,
    "sven_memory": sven_memory,
    "demo": demo,
}

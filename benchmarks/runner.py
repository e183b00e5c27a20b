"""`python -m benchmarks`: run the figures, print one ratio line each, write them all as JSON."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import (
    bench_engine,
    bench_external,
    bench_hardware,
    bench_llamacpp,
    bench_pipeline,
    bench_serve,
)
from benchmarks.context import Context
from benchmarks.timing import Figure, environment
from secsteer._util.threads import configure_threads

log = logging.getLogger(__name__)
SCHEMA_VERSION = 1
FigureFn = Callable[[Context], Figure]

# The order the figures print in: engine ratios, integrations, hardware, end to end.
FIGURES: dict[str, FigureFn] = {
    "steer_b1": bench_engine.FIGURES["steer_b1"],
    "steer_b8": bench_engine.FIGURES["steer_b8"],
    "nnsight_b1": bench_external.FIGURES["nnsight_b1"],
    "nnsight_b8": bench_external.FIGURES["nnsight_b8"],
    "llamacpp_b1": bench_llamacpp.FIGURES["llamacpp_b1"],
    "llamacpp_b8": bench_llamacpp.FIGURES["llamacpp_b8"],
    "extract": bench_engine.FIGURES["extract"],
    "sweep_s4": bench_engine.FIGURES["sweep_s4"],
    "analyzers": bench_external.FIGURES["analyzers"],
    "decode_bw": bench_hardware.FIGURES["decode_bw"],
    "bf16_b1": bench_hardware.FIGURES["bf16_b1"],
    "bf16_b16": bench_hardware.FIGURES["bf16_b16"],
    "serve_c4": bench_serve.FIGURES["serve_c4"],
    "serve_c8": bench_serve.FIGURES["serve_c8"],
    "serve_c8_long": bench_serve.FIGURES["serve_c8_long"],
    "sven_memory": bench_external.FIGURES["sven_memory"],
    "demo": bench_external.FIGURES["demo"],
    "pipeline": bench_pipeline.FIGURES["pipeline"],
    "pipeline_ray": bench_pipeline.FIGURES["pipeline_ray"],
}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="engine figures on a tiny model, one thread, under a minute; no bundled model")
    parser.add_argument("--json", type=Path, help="write the results here (rewritten after each figure)")
    parser.add_argument("--only", help=f"comma-separated figure names, from: {', '.join(FIGURES)}")
    parser.add_argument("--reps", type=int, help="timed repetitions per side (default: 3 quick, 7 full)")
    parser.add_argument("--threads", type=int,
                        help="torch threads (default: 1 in quick mode, else the available cores)")
    parser.add_argument("--skip-external", action="store_true",
                        help="record the nnsight and analyzer figures as skipped instead of running their scripts")
    parser.add_argument("--device", default="cpu",
                        help="device of the engine figures' random model, e.g. cuda (default: %(default)s)")
    parser.add_argument("--size", choices=["tiny", "mid", "large"],
                        help="engine model: tiny 4x64, mid 8x512, large 24x896 (default: tiny quick, else mid)")
    parser.add_argument("--sven-pairs", type=int, default=64,
                        help="SVEN train pairs for the memory figure (default: %(default)s; 720 reads all)")
    args = parser.parse_args(argv)
    args.names = list(FIGURES)
    if args.only:
        args.names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in args.names if n not in FIGURES]
        if unknown:
            parser.error(f"unknown figure(s) {unknown}; choose from {', '.join(FIGURES)}")
    return args


def run_figure(name: str, ctx: Context) -> Figure:
    try:
        return FIGURES[name](ctx)
    except Exception as err:        # one broken figure must not hide the others
        log.debug("figure %s failed", name, exc_info=True)
        return Figure(name, "(failed)", "error", note=f"{type(err).__name__}: {err}")


def write_json(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=1, default=str) + "\n")
    tmp.replace(path)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    threads = configure_threads(args.threads if args.threads is not None else (1 if args.quick else None))
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="secsteer-bench-") as work:
        ctx = Context.create(args.quick, Path(work), args.reps, args.sven_pairs, args.skip_external,
                             device=args.device, size=args.size)
        record: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION, "mode": "quick" if args.quick else "full", "threads": threads,
            "reps": ctx.reps, "new_tokens": ctx.new_tokens, "engine_model": ctx.size.__dict__, "device": ctx.device,
            "env": environment(), "figures": {},
        }
        print(f"secsteer benchmarks ({record['mode']}, {ctx.size.name} model on {ctx.device}, "
              f"{threads} thread(s), {ctx.reps} reps, "
              f"load {os.getloadavg()[0]:.1f}); ratio [min-max of repetitions]", flush=True)
        for name in args.names:
            figure = run_figure(name, ctx)
            print(figure.line(), flush=True)
            record["figures"][name] = figure.to_json()
            record["wall_s"] = time.perf_counter() - t0
            record["load_avg_end"] = os.getloadavg()
            if args.json:
                write_json(args.json, record)
    print(f"done in {time.perf_counter() - t0:.0f} s, load {os.getloadavg()[0]:.1f}"
          + (f"; wrote {args.json}" if args.json else ""), flush=True)
    return 1 if any(f["status"] == "error" for f in record["figures"].values()) else 0

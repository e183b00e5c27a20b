"""Steered tokens/s: the llama.cpp engine (Q4_K_M GGUF) vs the hook engine (float32, bfloat16), bundled model.

    nice -n 5 python benchmarks/bench_llamacpp.py [--reps 3] [--tokens 64] [--threads N] [--json out.json]

Every condition generates greedily from the same prompts (code prefixes, completion mode), steered by a random
vector at three blocks, once at batch 1 and once with 8 parallel sequences. Repetitions run the conditions
round-robin, rotating the order, so slow spells of a shared machine hit all of them; ratios are taken within a
repetition (median and min-max over repetitions). Tokens are counted from each engine's own output (a row
ends at EOS), so tokens/s is what each engine really produced.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "src")]

import torch  # noqa: E402

from benchmarks.models import PROMPTS, random_vector  # noqa: E402
from secsteer.generation.generate import GenerationConfig, encode_left, sampling_kwargs  # noqa: E402
from secsteer.steering.apply import Steering, steering_context  # noqa: E402

BUNDLED = "bundled:qwen2.5-coder-0.5b-instruct"
BATCHES = (1, 8)


def hook_runner(model: Any, tok: Any, prompts: list[str], config: GenerationConfig,
                steering: Steering) -> Callable[[], int]:
    """One steered HF generate call; returns the tokens it produced (up to each row's EOS)."""
    eos = set(torch.atleast_1d(torch.tensor(model.generation_config.eos_token_id)).tolist())

    def run() -> int:
        batch = encode_left(tok, prompts, model.device)
        with torch.inference_mode(), steering_context(model, steering):
            out = model.generate(**batch, **sampling_kwargs(config, tok))
        rows = out[:, batch["input_ids"].shape[1]:].tolist()
        return sum(next((i + 1 for i, t in enumerate(r) if t in eos), len(r)) for r in rows)
    return run


def llama_runner(engine: Any, prompts: list[str], config: GenerationConfig, steering: Steering | None) -> Callable[[], int]:
    def run() -> int:
        return sum(len(r.tokens) for r in engine.generate_rows(prompts, config, steering))
    return run


def round_robin(runs: dict[str, Callable[[], int]], reps: int) -> dict[str, list[float]]:
    """tokens/s of each condition per repetition, after one untimed warm-up round."""
    for run in runs.values():
        run()
    speeds: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for r in range(reps):
        for name in names[r % len(names):] + names[:r % len(names)]:
            t0 = time.perf_counter()
            tokens = runs[name]()
            speeds[name].append(tokens / (time.perf_counter() - t0))
    return speeds


def ratios(speeds: dict[str, list[float]], num: str, den: str) -> dict[str, float]:
    per_rep = [a / b for a, b in zip(speeds[num], speeds[den], strict=True)]
    return {"ratio": statistics.median(per_rep), "min": min(per_rep), "max": max(per_rep)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None, help="torch and llama.cpp threads (default: all cores)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    from secsteer.backends.llamacpp import LlamaCppOptions
    from secsteer.backends.llamacpp_backend import load_engine
    from secsteer.model.load import load_model

    if args.threads:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    load0 = os.getloadavg()
    models = {dtype: load_model(BUNDLED, dtype=dtype) for dtype in ("float32", "bfloat16")}
    tok = models["float32"][1]
    n_layers = models["float32"][0].config.num_hidden_layers
    layers = sorted({n_layers // 4, n_layers // 2, (3 * n_layers) // 4})
    steering = Steering(random_vector(models["float32"][0], layers), tuple(layers), 0.5)
    engine = load_engine(BUNDLED, LlamaCppOptions(context=512, parallel=max(BATCHES), threads=threads), tokenizer=tok)
    record: dict[str, Any] = {"threads": threads, "tokens": args.tokens, "reps": args.reps, "layers": layers,
                              "load_avg_start": load0, "figures": {}}
    for batch in BATCHES:
        prompts = (PROMPTS * batch)[:batch]
        config = GenerationConfig(max_new_tokens=args.tokens, batch_size=batch)
        runs = {
            "llama.cpp plain": llama_runner(engine, prompts, config, None),
            "llama.cpp steered": llama_runner(engine, prompts, config, steering),
            **{f"hooks {dtype} steered": hook_runner(m, tok, prompts, config, steering) for dtype, (m, _) in models.items()},
        }
        speeds = round_robin(runs, args.reps)
        figure = {
            "tok_per_s": {name: statistics.median(v) for name, v in speeds.items()},
            "llama_steered_vs_hooks_float32": ratios(speeds, "llama.cpp steered", "hooks float32 steered"),
            "llama_steered_vs_hooks_bfloat16": ratios(speeds, "llama.cpp steered", "hooks bfloat16 steered"),
            "llama_steered_vs_plain": ratios(speeds, "llama.cpp steered", "llama.cpp plain"),
            "runs": speeds,
        }
        record["figures"][f"batch{batch}"] = figure
        print(f"batch {batch}: " + ", ".join(f"{k} {v:.1f} tok/s" for k, v in figure["tok_per_s"].items()))
        for key in ("llama_steered_vs_hooks_float32", "llama_steered_vs_hooks_bfloat16", "llama_steered_vs_plain"):
            r = figure[key]
            print(f"  {key}: x{r['ratio']:.2f} [{r['min']:.2f}-{r['max']:.2f}]", flush=True)
    record["load_avg_end"] = os.getloadavg()
    engine.close()
    print(f"threads {threads}, load average {load0[0]:.1f} at start, {record['load_avg_end'][0]:.1f} at end")
    if args.json:
        args.json.write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def figure(ctx: Any, batch: int) -> Any:
    """`python -m benchmarks` figure: this script in a subprocess (once per run), llama.cpp / hooks fp32 tok/s."""
    import importlib.util

    from benchmarks.bench_external import run_json
    from benchmarks.timing import Figure

    name, what = f"llamacpp_b{batch}", f"llama.cpp Q4_K_M / hooks fp32, steered tok/s, batch {batch} (bundled)"
    if ctx.quick or ctx.skip_external:
        return Figure(name, what, "skipped", note="full mode only (bundled model, a subprocess)")
    if importlib.util.find_spec("llama_cpp") is None:
        return Figure(name, what, "skipped", note="llama-cpp-python is not installed (secsteer[llamacpp])")
    if "llamacpp" not in ctx.cache:
        argv = [sys.executable, str(Path(__file__)), "--threads", str(torch.get_num_threads()),
                "--reps", str(min(ctx.reps, 3))]
        ctx.cache["llamacpp"] = run_json(ctx, "llamacpp", argv, 3600)
    row = ctx.cache["llamacpp"]["figures"][f"batch{batch}"]
    r, bf16 = row["llama_steered_vs_hooks_float32"], row["llama_steered_vs_hooks_bfloat16"]["ratio"]
    note = f"vs hooks bf16 x{bf16:.2f}; " + ", ".join(f"{k} {v:.1f} tok/s" for k, v in row["tok_per_s"].items())
    return Figure(name, what, "ok", r["ratio"], (r["min"], r["max"]), None, row, note)


FIGURES = {"llamacpp_b1": lambda ctx: figure(ctx, 1), "llamacpp_b8": lambda ctx: figure(ctx, 8)}

"""secsteer demo: the main job on the bundled model, start to finish, saying what it does."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from secsteer.model.bundled import DEFAULT_BUNDLED

PROMPTS = [
    ("python", "import sqlite3\n\ndef get_user(db_path, username):\n"
               "    \"\"\"Return the row of the user called `username`.\"\"\"\n"
               "    conn = sqlite3.connect(db_path)\n    cur = conn.cursor()\n"),
    ("python", "import os\nimport subprocess\n\ndef count_lines(filename):\n"
               "    \"\"\"Return the number of lines in `filename` using wc -l.\"\"\"\n"),
    ("c", "#include <string.h>\n\nvoid copy_name(char *dst, size_t dst_size, const char *src) {\n"
          "    /* copy the user-supplied name into dst */\n"),
]


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("demo", help="build a vector on the bundled model, show and measure its effect")
    parser.add_argument("--model", default=DEFAULT_BUNDLED)
    parser.add_argument("--layers", default="12", help="steering layers (default: %(default)s)")
    parser.add_argument("--scale", type=float, default=0.5, help="scale × layer norm (default: %(default)s)")
    parser.add_argument("--samples", type=int, default=2,
                        help="samples per scenario and condition in the security table (default: %(default)s)")
    parser.add_argument("--limit", type=int, default=1, help="scenarios per CWE in the security table")
    parser.add_argument("--out", help="where the vector and results go (default: runs/demo, --best: runs/demo-best)")
    best = parser.add_argument_group("the one method that raised security (--best)")
    best.add_argument("--best", action="store_true",
                      help="on the 1.5B bundled model: the shipped hint-distilled CWE-79 vector, conditioned, on "
                           "SecCodePLT's 13 held-out XSS tasks with executed tests, beside random and negated controls")
    best.add_argument("--seccodeplt", default="../shared/datasets/seccodeplt",
                      help="SecCodePLT in its upstream layout (the folder holding data.json; default: %(default)s)")
    best.add_argument("--seed", type=int, default=0, help="sampling seed (default: %(default)s)")
    parser.set_defaults(run=run)


def say(text: str, t0: float) -> None:
    print(f"\n[{time.time() - t0:6.1f}s] {text}", flush=True)


def run(args: argparse.Namespace) -> int:
    from secsteer.cli.generate import describe
    from secsteer.data.sources import load_pairs
    from secsteer.generation.generate import GenerationConfig, generate
    from secsteer.generation.prompts import build_prompt, default_stops, uses_chat
    from secsteer.model.layers import resolve_layers
    from secsteer.model.load import load_model
    from secsteer.steering.apply import Steering
    from secsteer.vectors.build import build_vector

    if args.best:
        from secsteer.cli.demo_best import run_best

        return run_best(args)
    t0 = time.time()
    out = Path(args.out or "runs/demo")
    say(f"loading {args.model} (the first run converts the bundled GGUF once, about a minute)", t0)
    model, tokenizer = load_model(args.model)
    n_layers = model.config.num_hidden_layers
    say(f"{type(model).__name__}: {n_layers} layers, hidden size {model.config.hidden_size}", t0)
    pairs = load_pairs("builtin")
    say(f"building a mean-difference vector from {len(pairs)} built-in secure/insecure pairs "
        f"({len({p.cwe for p in pairs})} CWEs), reading every layer's hidden states", t0)
    vector = build_vector(model, tokenizer, pairs, source="builtin", show_progress=True)
    path = vector.save(out / "vector.safetensors")
    norms = ", ".join(f"L{k}={v:.0f}" for k, v in sorted(vector.meta.layer_norms.items()) if k % 6 == 0)
    say(f"saved {path}; typical residual norms {norms}", t0)
    steering = Steering(vector, tuple(resolve_layers(args.layers, n_layers)), args.scale)
    chat = uses_chat(tokenizer, "auto")
    config = GenerationConfig(max_new_tokens=80, stop=default_stops(chat))
    prompts = [build_prompt(tokenizer, code, None, lang) for lang, code in PROMPTS]
    say(f"greedy completions, baseline vs steered ({describe(steering)})", t0)
    base = generate(model, tokenizer, prompts, config)
    steered = generate(model, tokenizer, prompts, config, steering=steering)
    for (_, code), b, s in zip(PROMPTS, base, steered):
        print(f"\n----- prompt -----\n{code.rstrip()}\n----- baseline -----\n{b.rstrip()}"
              f"\n----- steered -----\n{s.rstrip()}")
    say(f"security table on the built-in scenarios ({args.limit} per CWE, {args.samples} samples each, "
        "static analysis: bandit + semgrep + gcc), beside a random vector of the same norms and the negated one", t0)
    from secsteer.experiments.spec import SweepSpec

    layers = tuple(int(x) for x in args.layers.split(","))
    spec = SweepSpec(name="demo", model=args.model, vector=str(path), methods=("file",),
                     layer_sets=(layers,), scales=(args.scale,), scenario_limit=args.limit,
                     controls=("random", "negated"),
                     samples=args.samples, temperature=0.4, max_new_tokens=128)
    table, verdict, _ = security_table(spec, model, tokenizer, out / "eval")
    print(table)
    print(f"\n{verdict}")
    print("\nOn this 0.5B model no method tried raised security (docs/results.md). The one that raised it on the "
          "1.5B model runs with `secsteer demo --best` (extra bundled-1.5b, and SecCodePLT's tasks).")
    say(f"done; results in {out}/eval (secsteer report {out}/eval renders plots)", t0)
    return 0


def security_table(spec: Any, model: Any, tokenizer: Any, out: Path) -> tuple[str, str, Any]:
    """Run the spec's sweep into `out`: (the table with Δs and the judge's coverage, the closing sentence, the store)."""
    from secsteer.experiments.runner import run_sweep
    from secsteer.report.compare import with_differences
    from secsteer.report.coverage import coverage_section
    from secsteer.report.tables import cell_table, gate_lines

    store = run_sweep(spec, out, restart=True, model=model, tokenizer=tokenizer)
    cells = store.cells()
    baseline = next(c for c in cells if c["condition"] == "baseline")
    rows = with_differences(cells, baseline)
    order = {"baseline": 0, "vector": 1, "random": 2, "negated": 3}
    covered, blind = coverage_section(rows, store.samples(), spec.scenarios, spec.analyzers)
    table = cell_table(sorted(rows, key=lambda c: order.get(c["condition"], 9)))
    return "\n\n".join([table, *gate_lines(rows, spec.mode), covered, blind]), significance(rows), store


def significance(rows: list[dict]) -> str:
    """One plain sentence: is the steered security rate different from the baseline's, beyond chance?"""
    steered = next(c for c in rows if c["condition"] == "vector")
    d = steered["delta"]["security"]
    if d["diff"] is None:
        return "No completion could be judged for security, so there is no difference to test."
    points = f"{100 * d['diff']:+.0f} points [{100 * d['lo']:+.0f}, {100 * d['hi']:+.0f}]"
    controls = [c for c in rows if c["condition"] in ("random", "negated") and c["delta"]["security"]["diff"] is not None]
    beside = ", ".join(f"{c['condition']} {100 * c['delta']['security']['diff']:+.0f}" for c in controls)
    if not d["significant"]:
        return (f"The steered security rate differs from the baseline by {points} (controls: {beside}); the 95% "
                "interval includes zero, so the difference is not significant.")
    direction = "raises" if d["diff"] > 0 else "lowers"
    return (f"The vector {direction} the security rate by {points} (controls: {beside}); the 95% interval excludes "
            "zero, so on these scenarios the difference is significant.")

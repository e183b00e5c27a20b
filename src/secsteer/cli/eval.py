"""secsteer eval: baseline and steered completions of scenarios, judged, with intervals."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from secsteer.cli.common import add_model_args


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("eval", help="security/quality of baseline vs steered completions of scenarios")
    add_arguments(parser)
    parser.set_defaults(run=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_args(parser)
    parser.add_argument("--scenarios", action="append", default=None,
                        help="builtin, safecoder:PATH, seccodeplt:PATH, cyberseceval:PATH (repeatable)")
    parser.add_argument("--cwe", action="append", default=None, help="keep scenarios of this CWE (repeatable)")
    parser.add_argument("--language", action="append", default=None)
    parser.add_argument("--limit", type=int, default=0, help="at most N scenarios per source and CWE "
                        "(HumanEval: the first N problems)")
    parser.add_argument("--vector", default=None, help="a .safetensors vector (omit for a baseline-only run)")
    parser.add_argument("--layers", default=None, help="comma-separated layers (default: all in the vector)")
    parser.add_argument("--scale", type=float, action="append", default=None,
                        help="scale × layer norm (repeatable; default 0.5)")
    parser.add_argument("--absolute", action="store_true", help="scales multiply the stored vector instead")
    parser.add_argument("--positions", default="all", choices=["all", "prompt", "generated"])
    parser.add_argument("--controls", action="store_true", help="also run random and negated vectors")
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--temperature", type=float, default=0.4)
    parser.add_argument("--max-new-tokens", type=int, default=160)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--allow-code-execution", action="store_true",
                        help="run the scenarios' functional and security tests on model code (sandboxed)")
    parser.add_argument("--any-cwe", action="store_true", help="count findings of any CWE, not only the scenario's")
    parser.add_argument("--out", default=None, help="run directory (default: runs/eval-<spec digest>)")
    parser.add_argument("--json", type=Path, default=None, help="write the results as JSON here")
    from secsteer.backends import add_backend_args
    from secsteer.cli.generate import add_decoding_args
    from secsteer.cli.sweep import add_executor_args

    add_backend_args(parser)
    add_executor_args(parser)
    add_decoding_args(parser)


def spec_from_args(args: argparse.Namespace):
    from secsteer.experiments.spec import SweepSpec
    from secsteer.vectors.vector import SteeringVector

    layers: tuple[int, ...] = ()
    if args.vector:
        meta = SteeringVector.load(args.vector).meta
        from secsteer.model.layers import resolve_layers
        layers = tuple(resolve_layers(args.layers, meta.num_layers)) if args.layers else tuple(
            SteeringVector.load(args.vector).layers)
    scales = tuple(args.scale or [0.5])
    return SweepSpec(
        name="eval", model=args.model, dtype=args.dtype, vector=args.vector or "",
        controls=("random", "negated") if args.controls else (),
        layer_sets=(layers or (0,),), scales=() if args.absolute else scales,
        absolute_scales=scales if args.absolute else (), positions=args.positions,
        scenarios=tuple(args.scenarios or ["builtin"]), scenario_cwes=tuple(args.cwe or ()),
        scenario_languages=tuple(args.language or ()), scenario_limit=args.limit, samples=args.samples,
        temperature=args.temperature, max_new_tokens=args.max_new_tokens, batch_size=args.batch_size,
        seed=args.seed, run_tests=args.allow_code_execution, any_cwe=args.any_cwe,
        methods=("file",) if args.vector else (),
        decoding=args.decoding, alpha=args.alpha, beta=args.beta,
    )


def run(args: argparse.Namespace) -> int:
    from secsteer.backends import backend_from_args
    from secsteer.cli.common import load_from_args
    from secsteer.cli.sweep import executor_from_args
    from secsteer.experiments.runner import run_sweep
    from secsteer.report.compare import with_differences
    from secsteer.report.tables import cell_table

    backend = backend_from_args(args)
    executor = executor_from_args(args)
    spec = replace(spec_from_args(args), engine=backend.name)
    out = args.out or f"runs/eval-{spec.digest()}"
    # judging a --generate-only run needs no model; the executor loads one only for units left to generate
    local = executor.name == "local" and not (Path(out) / "generated.jsonl").exists()
    model, tokenizer = load_from_args(args, backend) if local else (None, None)
    store = run_sweep(spec, out, model=model, tokenizer=tokenizer, backend=backend, executor=executor)
    if executor.name == "generate-only":
        from secsteer.cli.sweep import generated_message

        print(generated_message(store, out))
        return 0
    cells = store.cells()
    baseline = next(c for c in cells if c["condition"] == "baseline")
    cells = with_differences(cells, baseline)
    print(cell_table(cells))
    from secsteer.report.coverage import coverage_section

    covered, blind = coverage_section(cells, store.samples(), spec.scenarios, spec.analyzers)
    for part in (covered, blind):
        if part:
            print(f"\n{part}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        result = {**results_json(spec, cells, out), "judge_coverage": coverage_json(cells, store.samples(), spec)}
        args.json.write_text(json.dumps(result, indent=1, sort_keys=True), encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


def results_json(spec, cells: list[dict], out: str) -> dict:
    def flat(c: dict) -> dict:
        return {
            "condition": c["condition"], "vector": c["vector"], "layers": c["layers"], "scale": c["scale"],
            "scale_unit": c["scale_unit"], "n": c["n_unique"], "n_samples": c["n_samples"],
            **{f"{m}_rate": c[m]["value"] for m in ("security", "validity", "functional", "secure_valid")},
            **{f"{m}_interval": [c[m]["lo"], c[m]["hi"]] for m in ("security", "validity", "functional",
                                                                   "secure_valid")},
            "per_cwe": c["per_cwe"], "difference_vs_baseline": c.get("delta"),
        }
    baseline = next((c for c in cells if c["condition"] == "baseline"), None)
    return {"spec": spec.to_json(), "run_dir": out, "baseline": flat(baseline) if baseline else None,
            "conditions": [flat(c) for c in cells]}


def coverage_json(cells: list[dict], samples: list[dict], spec) -> dict:
    """Which (CWE, language) the judge sees, and per condition security on covered CWEs apart from the rest."""
    from secsteer.report.coverage import covered_security, sample_coverage

    try:
        coverage = sample_coverage(samples, spec.scenarios, spec.analyzers)
    except Exception as err:  # noqa: BLE001 - reported, and everything reads as not judged
        return {"error": str(err), "judged": []}
    keys = sorted({(s["cwe"], s.get("language", "")) for s in samples})
    return {
        "judged": [f"{lang} {cwe}" for cwe, lang in keys if coverage.judged(cwe, lang)],
        "not_judged": {f"{lang} {cwe}": coverage.entry(cwe, lang).status for cwe, lang in keys
                       if not coverage.judged(cwe, lang)},
        "conditions": [{"condition": c["condition"], "scale": c["scale"], **split}
                       for c, split in zip(cells, covered_security(cells, samples, coverage), strict=True)],
    }

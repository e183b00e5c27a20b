"""secsteer demo --best: the one method that raised security in issue 17, on held-out tasks, beside its controls.

The conditioned-xss preset (docs/results.md sections 20-21) on the 1.5B bundled model: the shipped hint-distilled
CWE-79 vector (vectors/shipped.py; it is trained instead, about 11 minutes, where the shipped one does not match),
added at layer 14 only to prompts a layer-14 probe places among its own tasks, on the 13 SecCodePLT XSS tasks of
the report split, judged by executed security tests, beside a random vector of its norm and the negated vector
under the same condition.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from secsteer.model.bundled import DEFAULT_BUNDLED

PRESET = "conditioned-xss"
PRESET_DATA = "../shared/datasets/seccodeplt"      # the preset's path to SecCodePLT, replaced by --seccodeplt


def best_spec(seccodeplt: Path, samples: int, seed: int) -> Any:
    """The preset with its SecCodePLT sources pointed at `seccodeplt`."""
    from secsteer.experiments.spec import load_preset

    spec = load_preset(PRESET)
    here = lambda source: source.replace(PRESET_DATA, str(seccodeplt))  # noqa: E731
    return replace(spec, scenarios=tuple(map(here, spec.scenarios)), pairs=tuple(map(here, spec.pairs)),
                   condition_pairs=here(spec.condition_pairs),
                   train={**spec.train, "retain_pairs": here(spec.train["retain_pairs"])}, samples=samples, seed=seed)


def first_difference(store: Any, scenarios: list[Any]) -> tuple[Any, dict, dict] | None:
    """The first task, in the split's order, whose first baseline sample and first steered sample get different
    security verdicts: one example to read, not evidence (the table is the evidence)."""
    cells = {c["cell"]: c["condition"] for c in store.cells()}
    first = {(cells.get(s["cell"]), s["scenario"]): s for s in store.samples() if s["sample"] == 0}
    for scenario in scenarios:
        base, steered = first.get(("baseline", scenario.id)), first.get(("vector", scenario.id))
        if base and steered and base.get("secure") != steered.get("secure"):
            return scenario, base, steered
    return None


def verdict_word(sample: dict) -> str:
    if not sample.get("valid"):
        return "invalid"
    secure = sample.get("secure")
    return "not judged" if secure is None else "secure" if secure else "insecure"


def show(example: tuple[Any, dict, dict] | None, lines: int = 14) -> str:
    if example is None:
        return "No task's first samples differ in verdict between baseline and steered."
    scenario, base, steered = example
    head = "\n".join(scenario.prompt.rstrip().splitlines()[-lines:])
    cut = lambda text: "\n".join(text.rstrip().splitlines()[:lines])  # noqa: E731
    return (f"----- {scenario.id}: the end of its prompt -----\n{head}\n"
            f"----- baseline ({verdict_word(base)}) -----\n{cut(base['completion'])}\n"
            f"----- steered ({verdict_word(steered)}) -----\n{cut(steered['completion'])}")


def run_best(args: argparse.Namespace) -> int:
    from secsteer.cli.demo import say, security_table
    from secsteer.experiments.runner import select_scenarios
    from secsteer.model.load import load_model

    t0 = time.time()
    data = Path(args.seccodeplt)
    if not (data / "data.json").is_file():
        print(f"secsteer demo --best needs SecCodePLT (its tasks carry the executed security tests): no data.json "
              f"in {data}. Give --seccodeplt PATH, the folder of its upstream layout.", file=sys.stderr)
        return 2
    if args.model != DEFAULT_BUNDLED:
        print("secsteer demo --best runs on the 1.5B bundled model its vector was trained for; drop --model.",
              file=sys.stderr)
        return 2
    spec = best_spec(data, args.samples, args.seed)
    out = Path(args.out or "runs/demo-best")
    scenarios = select_scenarios(spec)
    say("the one method that raised security (docs/results.md sections 20-21): a vector distilled from SecCodePLT's "
        f"CWE-79 policy hint, added at layer 14 only where a layer-14 probe says the prompt is an XSS task; "
        f"{len(scenarios)} held-out tasks × {spec.samples} samples (seed {spec.seed}), security tests executed, "
        "beside a random vector of its norm and the negated vector under the same condition", t0)
    say(f"loading {spec.model} (the first run converts the bundled GGUF once, a few minutes)", t0)
    model, tokenizer = load_model(spec.model, dtype=spec.dtype)
    say("fitting the condition on the vector's own tasks against 64 tasks of other CWEs, then generating "
        "(4 cells: baseline, vector, random, negated)", t0)
    table, verdict, store = security_table(spec, model, tokenizer, out)
    print("\n" + show(first_difference(store, scenarios)))
    print("\n" + table)
    print(f"\n{verdict}")
    say(f"done; results in {out} (secsteer report {out} renders plots). HumanEval pass@1 under this condition: "
        "docs/results.md section 20.", t0)
    return 0

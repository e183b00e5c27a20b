"""Issue 17: where would a conditioned sweep steer? Fits the condition exactly as the sweep's vector factory does
(mode = "conditioned": the vector's CWE-79 training tasks against other-CWE SecCodePLT tasks, at the first steered
layer) and prints, for each spec's scenarios, how many prompts it would steer. No generation: the gate reads the
prompt's mean block output, which read_activations gives too (tests/methods/test_condition.py checks they agree).

    python research/i17_condition.py research/i17-1p5b-xss-distilled-retain-tune.toml \
        research/i17-1p5b-xss-distilled-retain-humaneval-tune.toml

An argument that is not a .toml file is a scenario source, optionally filtered (`builtin?language=python`,
`cyberseceval:PATH?cwe=CWE-79`); its prompts are read with the condition of the spec before it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import parse_qs

from secsteer.activations.read import read_activations
from secsteer.data.scenarios import load_scenarios
from secsteer.experiments.grid import VectorKey
from secsteer.experiments.runner import select_pairs, select_scenarios
from secsteer.experiments.spec import load_spec
from secsteer.experiments.vectors import VectorFactory
from secsteer.generation.prompts import scenario_prompt, uses_chat
from secsteer.model.load import load_model


def main(args: list[str]) -> None:
    model = tokenizer = spec = condition = None
    for arg in args:
        if arg.endswith(".toml"):
            spec = load_spec(arg, mode="conditioned")
            if model is None:
                model, tokenizer = load_model(spec.model, dtype=spec.dtype)
            scenarios = select_scenarios(spec)
            factory = VectorFactory(model, tokenizer, select_pairs(spec, scenarios), Path("/tmp/unused"),
                                    scenarios=scenarios, condition=(spec.condition_pairs or spec.pairs[0],
                                                                    spec.condition_tasks))
            key = VectorKey(spec.methods[0], spec.n_pairs[0], spec.draw_seeds[0])
            condition = factory.condition(key, min(spec.layer_sets[0]))
            print(f"{Path(arg).name}: condition at layer {condition.layer}, threshold {condition.threshold:.3f}, "
                  f"fit {condition.fit}")
        else:
            if spec is None or condition is None:
                raise SystemExit(f"{arg}: give a spec before a scenario source")
            source, _, query = arg.partition("?")
            filters = {k: v for k, v in parse_qs(query).items()}
            scenarios = load_scenarios(source, cwes=filters.get("cwe"), languages=filters.get("language"))
        chat = uses_chat(tokenizer, spec.prompt_mode)
        prompts = [scenario_prompt(tokenizer, s, spec.prompt_mode, chat) for s in scenarios]
        hidden = read_activations(model, tokenizer, prompts, [condition.layer], "mean").pooled[condition.layer]
        p = condition.probe.p_insecure(hidden)
        fires = p > condition.threshold
        print(f"  {arg}: steers {int(fires.sum())} of {len(prompts)} prompts; p min {float(p.min()):.3f} "
              f"median {float(p.median()):.3f} max {float(p.max()):.3f}")
        print("  steered: " + ", ".join(f"{s.id} ({s.cwe})" for s, f in zip(scenarios, fires.tolist()) if f))


if __name__ == "__main__":
    main(sys.argv[1:])

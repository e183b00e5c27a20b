"""Issue 17: where would a conditioned sweep steer? Fits the condition exactly as the sweep's vector factory does
(mode = "conditioned": the vector's CWE-79 training tasks against other-CWE SecCodePLT tasks, at the first steered
layer) and prints, for each spec's scenarios, how many prompts it would steer. No generation: the gate reads the
prompt's mean block output, which read_activations gives too (tests/methods/test_condition.py checks they agree).

    python research/i17_condition.py research/i17-1p5b-xss-distilled-retain-tune.toml \
        research/i17-1p5b-xss-distilled-retain-humaneval-tune.toml
"""

from __future__ import annotations

import sys
from pathlib import Path

from secsteer.activations.read import read_activations
from secsteer.experiments.grid import VectorKey
from secsteer.experiments.runner import select_pairs, select_scenarios
from secsteer.experiments.spec import load_spec
from secsteer.experiments.vectors import VectorFactory
from secsteer.generation.prompts import scenario_prompt, uses_chat
from secsteer.model.load import load_model


def main(paths: list[str]) -> None:
    model = tokenizer = None
    for path in paths:
        spec = load_spec(path, mode="conditioned")
        if model is None:
            model, tokenizer = load_model(spec.model, dtype=spec.dtype)
        scenarios = select_scenarios(spec)
        layer = min(spec.layer_sets[0])
        factory = VectorFactory(model, tokenizer, select_pairs(spec, scenarios), Path("/tmp/unused"),
                                scenarios=scenarios, condition=(spec.condition_pairs or spec.pairs[0],
                                                                spec.condition_tasks))
        condition = factory.condition(VectorKey(spec.methods[0], spec.n_pairs[0], spec.draw_seeds[0]), layer)
        chat = uses_chat(tokenizer, spec.prompt_mode)
        prompts = [scenario_prompt(tokenizer, s, spec.prompt_mode, chat) for s in scenarios]
        p = condition.probe.p_insecure(read_activations(model, tokenizer, prompts, [layer], "mean").pooled[layer])
        fires = p > condition.threshold
        print(f"{Path(path).name}: condition at layer {layer}, threshold {condition.threshold:.3f}, fit {condition.fit}")
        print(f"  steers {int(fires.sum())} of {len(prompts)} prompts; p min {float(p.min()):.3f} "
              f"median {float(p.median()):.3f} max {float(p.max()):.3f}")
        print("  steered: " + ", ".join(s.id for s, f in zip(scenarios, fires.tolist()) if f))


if __name__ == "__main__":
    main(sys.argv[1:])

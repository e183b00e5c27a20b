"""Conditional steering (CAST, Lee et al., ICLR 2025): steer a prompt only when its hidden state says the task is
the vector's kind of task.

A vector trained on one CWE's tasks (escape HTML in a web handler) also changes code where it does not belong
(HumanEval pass@1 falls). The condition is a mean-difference probe on the mean of the prompt's block outputs at
one layer, fit on prompts of the vector's own tasks (steer) against prompts of other CWEs' tasks (do not steer),
its threshold chosen by Youden's J on a held-out quarter of each. At generation it is read once per prompt, on
the prompt pass, and the decision holds for the whole completion: `steer_gated(..., reading="prompt")`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from secsteer.activations.read import read_activations
from secsteer.data.splits import validation_rows
from secsteer.steering.probe_gate import Probe, choose_threshold, mean_diff_probe

__all__ = ["Condition", "fit_condition"]

MIN_PROMPTS = 4      # per side: at least one validation prompt and three to fit on


@dataclass(frozen=True)
class Condition:
    """p(steer | prompt) > threshold, read at `layer`; `fit` holds the counts and held-out rates it was chosen on."""
    probe: Probe
    layer: int
    threshold: float
    fit: dict[str, Any]


def fit_condition(model: Any, tokenizer: Any, steer: Sequence[str], keep: Sequence[str], layer: int,
                  seed: int = 0, batch_size: int = 8) -> Condition:
    """A condition separating `steer` prompts (the vector's tasks) from `keep` prompts (leave unsteered)."""
    hidden = read_activations(model, tokenizer, [*steer, *keep], [layer], "mean", batch_size).pooled[layer]
    readable = hidden.isfinite().all(dim=1)       # a one-token prompt has no token to pool (its first is left out)
    on, off = hidden[: len(steer)][readable[: len(steer)]], hidden[len(steer):][readable[len(steer):]]
    if len(on) < MIN_PROMPTS or len(off) < MIN_PROMPTS:
        raise ValueError(f"a condition needs at least {MIN_PROMPTS} prompts to steer and {MIN_PROMPTS} to leave "
                         f"alone (each with a token to pool), got {len(on)} and {len(off)}")
    fit_on, val_on = validation_rows(len(on), seed)
    fit_off, val_off = validation_rows(len(off), seed)
    probe = mean_diff_probe(off[fit_off], on[fit_on])            # the probe's "insecure" side is "steer"
    held = torch.cat([on[val_on], off[val_off]])
    threshold = choose_threshold(probe, held, [1] * len(val_on) + [0] * len(val_off))
    fires = (probe.p_insecure(held) > threshold).double()
    rates = {"steer_prompts": len(on), "keep_prompts": len(off), "unreadable_prompts": int((~readable).sum()),
             "held_out_steered": float(fires[: len(val_on)].mean()),      # of the vector's own tasks
             "held_out_false_steered": float(fires[len(val_on):].mean())}  # of the other tasks
    return Condition(probe, layer, threshold, rates)

"""Steering schedules: a multiplier of the delta by generated step, for steer(schedule=...).

Step 0 is the forward call that feeds back the first generated token (it yields the second token's logits);
the prompt pass (which yields the first token) is not a generated step: steer() applies the full scale to
it when positions is "all" or "prompt" and nothing when positions is "generated".

Specs: "const" (1 on every step), "first:K" (1 for steps 0..K-1, then 0), "decay:H" (0.5 ** (step / H),
an exponential decay with half-life H steps).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Schedule", "parse_schedule"]

Kind = Literal["const", "first", "decay"]


@dataclass(frozen=True)
class Schedule:
    kind: Kind
    steps: float = 0.0              # K for "first", the half-life for "decay"

    def __call__(self, step: int) -> float:
        if self.kind == "first":
            return 1.0 if step < self.steps else 0.0
        if self.kind == "decay":
            return 0.5 ** (step / self.steps)
        return 1.0

    def __str__(self) -> str:
        return self.kind if self.kind == "const" else f"{self.kind}:{self.steps:g}"


def parse_schedule(spec: str) -> Schedule:
    """'const', 'first:16' or 'decay:32' -> a Schedule (callable step -> multiplier)."""
    text = spec.strip().lower()
    if text == "const":
        return Schedule("const")
    kind, _, value = text.partition(":")
    try:
        steps = float(value)
    except ValueError:
        steps = float("nan")
    if kind == "first" and steps >= 1 and steps == int(steps):
        return Schedule("first", steps)
    if kind == "decay" and steps > 0:
        return Schedule("decay", steps)
    raise ValueError(
        f"unknown schedule {spec!r}; write 'const', 'first:K' (K >= 1 generated tokens) or "
        "'decay:H' (half-life H > 0 tokens)"
    )

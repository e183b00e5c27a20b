"""Run the detection task for one condition (baseline or steered) in one or both answer modes, and the
probes over the same examples."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from secsteer.activations.read import Pooling, read_activations
from secsteer.detection.answers import parse_verdict
from secsteer.detection.metrics import DetectionMetrics, Estimate, Robustness, detection_metrics, flip_rate
from secsteer.detection.probes import ProbeResults, Transfer, fit_probe, leave_one_cwe_out
from secsteer.detection.prompts import PromptConfig, build_prompts
from secsteer.detection.scoring import score_answers
from secsteer.detection.task import DetectionExample, labels
from secsteer.generation.generate import GenerationConfig, generate
from secsteer.steering.apply import Steering

__all__ = [
    "MODES", "ConditionResult", "DetectConfig", "ExampleResult", "ProbeRun", "format_table", "run_detection",
    "run_probes",
]

log = logging.getLogger(__name__)
MODES = ("score", "generate")      # next-token probability of Yes/No; parsed generated reply


@dataclass(frozen=True)
class DetectConfig:
    modes: tuple[str, ...] = MODES
    prompt: PromptConfig = field(default_factory=PromptConfig)
    max_new_tokens: int = 48
    batch_size: int = 4
    n_resamples: int = 1000         # bootstrap draws (over pairs) for BA, F1 and AUROC intervals
    seed: int = 0

    def __post_init__(self) -> None:
        unknown = [m for m in self.modes if m not in MODES]
        if unknown or not self.modes:
            raise ValueError(f"answer modes must be a non-empty subset of {list(MODES)}, got {list(self.modes)}")


@dataclass(frozen=True)
class ExampleResult:
    id: str
    cwe: str
    vulnerable: bool
    verdict: bool | None
    log_odds: float | None = None    # score mode: log P(yes) - log P(no)
    answer_mass: float | None = None  # score mode: P(yes) + P(no)
    reply: str | None = None          # generate mode: the generated text


@dataclass(frozen=True)
class ConditionResult:
    condition: str                   # "baseline" or "steered"
    mode: str
    metrics: DetectionMetrics
    robustness: Robustness | None
    examples: list[ExampleResult]
    steering: dict[str, Any] | None = None


def run_detection(
    model: nn.Module,
    tokenizer: Any,
    examples: Sequence[DetectionExample],
    config: DetectConfig = DetectConfig(),
    definitions: Mapping[str, str] | None = None,
    steering: Steering | None = None,
    show_progress: bool = False,
) -> list[ConditionResult]:
    """One result per answer mode; steering (when given) acts during the scoring pass or the generation."""
    condition = "baseline" if steering is None else "steered"
    described = None if steering is None else {
        "vector_method": steering.vector.meta.method, "layers": list(steering.layers or steering.vector.layers),
        "scale": steering.scale, "relative": steering.relative, "positions": steering.positions,
    }
    results = []
    for mode in config.modes:
        prompts = build_prompts(tokenizer, examples, definitions, config.prompt, answer_prefix=mode == "score")
        continuous: list[float] | None = None
        if mode == "score":
            scores = score_answers(model, tokenizer, prompts, config.batch_size, steering, show_progress)
            continuous = [s.log_odds for s in scores]
            rows = [ExampleResult(e.id, e.cwe, e.vulnerable, s.verdict, s.log_odds, s.answer_mass)
                    for e, s in zip(examples, scores, strict=True)]
        else:
            generation = GenerationConfig(max_new_tokens=config.max_new_tokens, batch_size=config.batch_size,
                                          seed=config.seed)
            replies = generate(model, tokenizer, prompts, generation, steering, show_progress=show_progress)
            rows = [ExampleResult(e.id, e.cwe, e.vulnerable, parse_verdict(r), reply=r)
                    for e, r in zip(examples, replies, strict=True)]
        verdicts = [r.verdict for r in rows]
        metrics = detection_metrics(
            labels(examples), verdicts, [e.group for e in examples],
            scores=continuous, n_resamples=config.n_resamples, seed=config.seed,
        )
        log.info("%s/%s: accuracy %.3f over %d examples", condition, mode, metrics.accuracy.value, metrics.n)
        results.append(ConditionResult(condition, mode, metrics, flip_rate(examples, verdicts), rows, described))
    return results


def _cell(estimate: Estimate | None) -> str:
    if estimate is None or math.isnan(estimate.value):
        return "-"
    return f"{estimate.value:.2f} [{estimate.low:.2f},{estimate.high:.2f}]"


def format_table(results: Sequence[ConditionResult]) -> str:
    """A plain-text table: one row per condition and mode, every value with its 95% interval."""
    header = ("condition", "mode", "n", "accuracy", "balanced acc", "F1", "answered", "false alarms",
              "AUROC", "flips")
    rows = [header]
    for r in results:
        m = r.metrics
        rows.append((r.condition, r.mode, str(m.n), _cell(m.accuracy), _cell(m.balanced_accuracy), _cell(m.f1),
                     _cell(m.response_rate), _cell(m.false_alarm_rate), _cell(m.auroc),
                     _cell(r.robustness.flips if r.robustness else None)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


@dataclass(frozen=True)
class ProbeRun:
    results: ProbeResults
    transfer: dict[int, list[Transfer]] | None     # leave-one-CWE-out; None with fewer than 2 CWEs
    layer_norms: dict[int, float]                  # typical residual norm per layer, for a probe vector


def run_probes(
    model: nn.Module,
    tokenizer: Any,
    examples: Sequence[DetectionExample],
    layers: Sequence[int] | str | None = None,
    pooling: Pooling = "mean",
    batch_size: int = 8,
    n_splits: int = 5,
    c: float = 1.0,
    n_resamples: int = 1000,
    seed: int = 0,
    show_progress: bool = False,
) -> ProbeRun:
    """Read every example's pooled hidden states once, then fit grouped-CV probes and leave-one-CWE-out."""
    acts = read_activations(model, tokenizer, [e.code for e in examples], layers, pooling, batch_size,
                            show_progress=show_progress)
    y, groups, cwes = labels(examples), [e.group for e in examples], [e.cwe for e in examples]
    results = fit_probe(acts.pooled, y, groups, n_splits, c, n_resamples, seed, show_progress)
    transfer = leave_one_cwe_out(acts.pooled, y, groups, cwes, c, n_resamples, seed) if len(set(cwes)) > 1 else None
    return ProbeRun(results, transfer, dict(acts.token_norm))

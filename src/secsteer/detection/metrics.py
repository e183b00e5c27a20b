"""Detection metrics with intervals: Wilson for rates, a bootstrap over pairs (groups) for BA, F1 and AUROC.

The positive class is "vulnerable". A non-answer is never a correct answer: it counts as wrong in accuracy,
balanced accuracy and pair accuracy, as a miss in F1 (for a vulnerable example), and it is left out of the
false-alarm rate, which is the share of answered patched examples called vulnerable.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import numpy as np

from secsteer.detection.task import DetectionExample, original_key
from secsteer.evaluation.metrics import wilson_interval

__all__ = [
    "DetectionMetrics", "Estimate", "Robustness", "auroc", "auroc_estimate", "balanced_accuracy", "bootstrap_groups",
    "detection_metrics", "f1_score", "flip_rate", "jsonable", "paired_auroc", "paired_auroc_estimate",
    "wilson",
]

Verdict = bool | None
Numbers = Sequence[float] | np.ndarray        # labels (0/1) or scores, as a list or an array
Indices = Sequence[int] | np.ndarray


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    n: int                     # items behind the value (examples, or answered patched examples, ...)


def wilson(k: int, n: int, z: float = 1.96) -> Estimate:
    """k successes out of n, with the Wilson score interval (sound near 0 and 1 and for small n)."""
    low, high = wilson_interval(k, n, z)
    return Estimate(k / n if n else math.nan, low, high, n)


def _counts(labels: np.ndarray, verdicts: Sequence[Verdict]) -> dict[str, int]:
    said_yes = np.array([v is True for v in verdicts])
    said_no = np.array([v is False for v in verdicts])
    vuln = labels.astype(bool)
    return {
        "tp": int((vuln & said_yes).sum()), "fn": int((vuln & said_no).sum()),
        "tn": int((~vuln & said_no).sum()), "fp": int((~vuln & said_yes).sum()),
        "unanswered_vulnerable": int((vuln & ~said_yes & ~said_no).sum()),
        "unanswered_patched": int((~vuln & ~said_yes & ~said_no).sum()),
    }


def balanced_accuracy(labels: Numbers, verdicts: Sequence[Verdict]) -> float:
    """Mean of the recall on vulnerable and on patched examples (non-answers count as wrong)."""
    c = _counts(np.asarray(labels), verdicts)
    n_pos, n_neg = c["tp"] + c["fn"] + c["unanswered_vulnerable"], c["tn"] + c["fp"] + c["unanswered_patched"]
    if n_pos == 0 or n_neg == 0:
        return math.nan
    return 0.5 * (c["tp"] / n_pos + c["tn"] / n_neg)


def f1_score(labels: Numbers, verdicts: Sequence[Verdict]) -> float:
    """F1 for 'vulnerable'; an unanswered vulnerable example is a miss."""
    c = _counts(np.asarray(labels), verdicts)
    denominator = 2 * c["tp"] + c["fp"] + c["fn"] + c["unanswered_vulnerable"]
    return math.nan if denominator == 0 else 2 * c["tp"] / denominator


def auroc(labels: Numbers, scores: Numbers) -> float:
    """Area under the ROC curve (ties count half); NaN unless both classes are present."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=float)
    pos, neg = s[y], s[~y]
    if pos.size == 0 or neg.size == 0:
        return math.nan
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (pos.size * neg.size))


def auroc_estimate(
    labels: Numbers, scores: Numbers, groups: Sequence[str], n_resamples: int = 1000, seed: int = 0,
) -> Estimate:
    """AUROC with a bootstrap-over-groups interval; n is the number of examples.

    A group drawn twice would add comparisons between one copy's vulnerable side and the other copy's
    patch: within-pair comparisons posing as cross-pair ones, which bias the draws toward the (usually
    easier) within-pair ranking. They are left out, so each draw compares pairs as the data does.
    """
    y, s = np.asarray(labels, dtype=bool), np.asarray(scores, dtype=float)
    g = np.unique(np.asarray(groups), return_inverse=True)[1]
    values = []
    for idx, copy in _group_draws(groups, n_resamples, seed):
        pos, neg = y[idx], ~y[idx]
        if not pos.any() or not neg.any():
            values.append(math.nan)
            continue
        sp, sn = s[idx][pos][:, None], s[idx][neg][None, :]
        wins = (sp > sn) + 0.5 * (sp == sn)
        same_group = g[idx][pos][:, None] == g[idx][neg][None, :]
        other_copy = copy[pos][:, None] != copy[neg][None, :]
        keep = ~(same_group & other_copy)
        values.append(float((wins * keep).sum() / keep.sum()))
    low, high = _percentiles(np.asarray(values), 0.95)
    return Estimate(auroc(y, s), low, high, len(y))


def _paired_counts(labels: Numbers, scores: Numbers, groups: Sequence[str]) -> np.ndarray:
    """(n_groups, 2): per group, the (vulnerable, patched) combinations ranked right (ties half) and in all."""
    by_group: dict[str, list[int]] = defaultdict(list)
    for index, group in enumerate(groups):
        by_group[group].append(index)
    y, s = np.asarray(labels, dtype=bool), np.asarray(scores, dtype=float)
    counts = []
    for members in by_group.values():
        idx = np.asarray(members)
        pos, neg = s[idx[y[idx]]], s[idx[~y[idx]]]
        wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
        counts.append((wins, pos.size * neg.size))
    return np.asarray(counts, dtype=float).reshape(-1, 2)


def paired_auroc(labels: Numbers, scores: Numbers, groups: Sequence[str]) -> float:
    """AUROC over (vulnerable, patched) combinations within a group only: does the score rank the vulnerable
    side of a pair above its own patch, whatever the level of other pairs? NaN without such pairs."""
    counts = _paired_counts(labels, scores, groups)
    return math.nan if counts[:, 1].sum() == 0 else float(counts[:, 0].sum() / counts[:, 1].sum())


def paired_auroc_estimate(
    labels: Numbers, scores: Numbers, groups: Sequence[str], n_resamples: int = 1000, seed: int = 0,
) -> Estimate:
    """paired_auroc with a bootstrap over groups; n is the number of groups with both sides."""
    counts = _paired_counts(labels, scores, groups)
    counts = counts[counts[:, 1] > 0]
    if len(counts) == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)

    def statistic(i: np.ndarray) -> float:
        return float(counts[i, 0].sum() / counts[i, 1].sum())

    low, high = bootstrap_groups([str(i) for i in range(len(counts))], statistic, n_resamples, seed)
    return Estimate(float(counts[:, 0].sum() / counts[:, 1].sum()), low, high, len(counts))


def _group_draws(groups: Sequence[str], n_resamples: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Bootstrap draws of whole groups with replacement: (example indices, which drawn copy each belongs to)."""
    by_group: dict[str, list[int]] = defaultdict(list)
    for index, group in enumerate(groups):
        by_group[group].append(index)
    members = [np.array(v) for v in by_group.values()]
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_resamples):
        picked = rng.integers(0, len(members), size=len(members))
        idx = np.concatenate([members[i] for i in picked])
        copy = np.concatenate([np.full(len(members[i]), k) for k, i in enumerate(picked)])
        draws.append((idx, copy))
    return draws


def _percentiles(values: np.ndarray, level: float) -> tuple[float, float]:
    if np.isnan(values).all():
        return math.nan, math.nan
    tail = 100 * (1 - level) / 2
    low, high = np.nanpercentile(values, [tail, 100 - tail])
    return float(low), float(high)


def bootstrap_groups(
    groups: Sequence[str],
    statistic: Callable[[np.ndarray], float],
    n_resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile interval of `statistic(indices)` when whole groups (pairs) are drawn with replacement,
    so that the two sides of a pair, and its variants, stay together; NaN draws are left out."""
    values = np.array([statistic(idx) for idx, _ in _group_draws(groups, n_resamples, seed)], dtype=float)
    return _percentiles(values, level)


@dataclass(frozen=True)
class DetectionMetrics:
    n: int
    n_groups: int
    accuracy: Estimate
    balanced_accuracy: Estimate
    f1: Estimate
    response_rate: Estimate
    false_alarm_rate: Estimate           # over answered patched examples
    pair_accuracy: Estimate              # groups whose every example is answered correctly
    counts: dict[str, int]
    auroc: Estimate | None = None        # when a continuous score (log-odds) is given


def detection_metrics(
    labels: Sequence[int],
    verdicts: Sequence[Verdict],
    groups: Sequence[str],
    scores: Sequence[float] | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
) -> DetectionMetrics:
    """All detection metrics; `groups` (pair ids) define the bootstrap unit and pair accuracy."""
    if not len(labels) == len(verdicts) == len(groups) or (scores is not None and len(scores) != len(labels)):
        raise ValueError(f"labels ({len(labels)}), verdicts ({len(verdicts)}), groups ({len(groups)}) "
                         "and scores must have one entry per example")
    if not labels:
        raise ValueError("no examples to compute detection metrics over")
    y = np.asarray(labels, dtype=int)
    c = _counts(y, verdicts)
    n = len(y)
    correct = [v is not None and int(v) == t for v, t in zip(verdicts, y, strict=True)]
    by_group: dict[str, bool] = {}
    for group, ok in zip(groups, correct, strict=True):
        by_group[group] = by_group.get(group, True) and ok

    def interval(stat: Callable[[Numbers, Sequence[Verdict]], float]) -> Estimate:
        def statistic(i: np.ndarray) -> float:
            return stat(y[i], [verdicts[j] for j in i])

        low, high = bootstrap_groups(groups, statistic, n_resamples, seed)
        return Estimate(stat(y, verdicts), low, high, n)

    area = None if scores is None else auroc_estimate(y, scores, groups, n_resamples, seed)
    return DetectionMetrics(
        n=n, n_groups=len(by_group),
        accuracy=wilson(sum(correct), n),
        balanced_accuracy=interval(balanced_accuracy),
        f1=interval(f1_score),
        response_rate=wilson(sum(v is not None for v in verdicts), n),
        false_alarm_rate=wilson(c["fp"], c["fp"] + c["tn"]),
        pair_accuracy=wilson(sum(by_group.values()), len(by_group)),
        counts=c, auroc=area,
    )


@dataclass(frozen=True)
class Robustness:
    flips: Estimate                      # variants whose verdict differs from their original's
    by_variant: dict[str, Estimate]


def flip_rate(examples: Sequence[DetectionExample], verdicts: Sequence[Verdict]) -> Robustness | None:
    """Share of augmented variants whose verdict differs from that of the original example with the same
    group and label (a change to or from no answer is a flip); None when no variant has its original here."""
    originals = {original_key(e): v for e, v in zip(examples, verdicts, strict=True) if e.variant is None}
    flips: dict[str, list[bool]] = defaultdict(list)
    for example, verdict in zip(examples, verdicts, strict=True):
        key = original_key(example)
        if example.variant is not None and key in originals:
            flips[example.variant].append(verdict != originals[key])
    if not flips:
        return None
    every = [f for values in flips.values() for f in values]
    by_variant = {name: wilson(sum(v), len(v)) for name, v in sorted(flips.items())}
    return Robustness(flips=wilson(sum(every), len(every)), by_variant=by_variant)


def jsonable(value: Any) -> Any:
    """Dataclasses, dicts and lists as plain JSON values; NaN and infinities become null (strict JSON)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value

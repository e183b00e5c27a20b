"""Rates with intervals, their differences, pass@k and SVEN-style de-duplication (pure, no I/O)."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

__all__ = [
    "Rate",
    "dedupe_completions",
    "diff_interval",
    "newcombe_interval",
    "paired_bootstrap_interval",
    "pass_at_k",
    "rate",
    "wilson_interval",
]

T = TypeVar("T")
Counts = tuple[int, int]  # (successes k, trials n)


def _check_counts(k: int, n: int) -> None:
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n for a rate, got k={k}, n={n}.")


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials; (0, 1) when n == 0 (nothing is known)."""
    _check_counts(k, n)
    if n == 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # Exact at the ends: floating error must not push 0/n above 0 or n/n below 1.
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return lo, hi


@dataclass(frozen=True)
class Rate:
    k: int
    n: int
    lo: float
    hi: float
    value: float   # k / n, NaN when n == 0


def rate(k: int, n: int, z: float = 1.96) -> Rate:
    """k / n with its Wilson interval."""
    lo, hi = wilson_interval(k, n, z)
    return Rate(k, n, lo, hi, k / n if n else math.nan)


def newcombe_interval(a: Counts, b: Counts, z: float = 1.96) -> tuple[float, float, float]:
    """(diff, lo, hi) for rate(b) - rate(a) from independent samples: Newcombe's hybrid score
    interval (Newcombe 1998, method 10), built from the two Wilson intervals. NaNs if either n is 0."""
    (ka, na), (kb, nb) = a, b
    if na == 0 or nb == 0:
        _check_counts(ka, na)
        _check_counts(kb, nb)
        return math.nan, math.nan, math.nan
    pa, pb = ka / na, kb / nb
    la, ua = wilson_interval(ka, na, z)
    lb, ub = wilson_interval(kb, nb, z)
    diff = pb - pa
    lo = diff - math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2)
    hi = diff + math.sqrt((ub - pb) ** 2 + (pa - la) ** 2)
    return diff, lo, hi


def paired_bootstrap_interval(
    a: Mapping[str, Counts],
    b: Mapping[str, Counts],
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """(diff, lo, hi) for pooled rate(b) - rate(a) when both were measured on the same scenarios.

    A cluster bootstrap: each resample draws scenarios with replacement (keeping each scenario's
    counts in both conditions together, which keeps the pairing and the within-scenario correlation)
    and recomputes the pooled difference; the interval is the percentile interval. Seeded.
    """
    if set(a) != set(b):
        only = sorted(set(a) ^ set(b))[:5]
        raise ValueError(f"paired rates need the same scenarios in both conditions; differing: {only}.")
    keys = sorted(a)
    for key in keys:
        _check_counts(*a[key])
        _check_counts(*b[key])
    counts = np.array([[*a[key], *b[key]] for key in keys], dtype=np.float64).reshape(-1, 4)  # (S, 4)
    diff = _pooled_diff(counts.sum(axis=0, keepdims=True))[0]
    if not keys or math.isnan(diff):
        return math.nan, math.nan, math.nan
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(keys), size=(n_boot, len(keys)))  # (B, S) scenario indices
    diffs = _pooled_diff(counts[draws].sum(axis=1))                # (B,)
    tail = (1 - level) / 2 * 100
    lo, hi = np.nanpercentile(diffs, [tail, 100 - tail])
    return float(diff), float(lo), float(hi)


def diff_interval(
    a: Mapping[str, Counts],
    b: Mapping[str, Counts],
    paired: bool = True,
    n_boot: int = 2000,
    seed: int = 0,
    z: float = 1.96,
) -> tuple[float, float, float]:
    """(diff, lo, hi) for pooled rate(b) - rate(a) from per-scenario (k, n) counts.

    paired=True (both conditions ran the same scenarios): the scenario cluster bootstrap at the
    level matching z. paired=False: Newcombe's interval on the pooled counts.
    """
    if paired:
        level = math.erf(z / math.sqrt(2))
        return paired_bootstrap_interval(a, b, n_boot=n_boot, seed=seed, level=level)
    pooled_a = (sum(k for k, _ in a.values()), sum(n for _, n in a.values()))
    pooled_b = (sum(k for k, _ in b.values()), sum(n for _, n in b.values()))
    return newcombe_interval(pooled_a, pooled_b, z)


def _pooled_diff(totals: np.ndarray) -> np.ndarray:
    # totals: (B, 4) columns ka, na, kb, nb; NaN where a resample has no trials in one condition
    with np.errstate(invalid="ignore", divide="ignore"):
        return totals[:, 2] / totals[:, 3] - totals[:, 0] / totals[:, 1]


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from n samples of which c passed (Chen et al. 2021, product form)."""
    _check_counts(c, n)
    if not 1 <= k <= n:
        raise ValueError(f"pass@k needs 1 <= k <= n, got k={k}, n={n}.")
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def dedupe_completions(
    samples: Iterable[T],
    text: Callable[[T], str] = str,
    scenario: Callable[[T], Hashable] | None = None,
) -> list[T]:
    """Keep the first of each group of identical completions, in input order, as SVEN counts them.

    Identical means: the same scenario (when `scenario` is given; otherwise all samples are treated
    as one scenario) and the same text after removing whitespace at the end of the completion
    (`str.rstrip()`). Whitespace anywhere else, including at line ends inside the code, still counts.
    """
    seen: set[tuple[Hashable, str]] = set()
    kept = []
    for sample in samples:
        key = (scenario(sample) if scenario else None, text(sample).rstrip())
        if key not in seen:
            seen.add(key)
            kept.append(sample)
    return kept

"""Metrics against hand-computed values (Wilson 1927; Newcombe 1998, method 10; Chen et al. 2021)."""

from __future__ import annotations

import math

import pytest

from secsteer.evaluation.metrics import (
    dedupe_completions,
    diff_interval,
    newcombe_interval,
    paired_bootstrap_interval,
    pass_at_k,
    rate,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [(8, 10, 0.4902, 0.9433), (0, 5, 0.0, 0.4345), (5, 5, 0.5655, 1.0), (0, 0, 0.0, 1.0), (1, 2, 0.0945, 0.9055)],
)
def test_wilson_known_values(k: int, n: int, lo: float, hi: float) -> None:
    got = wilson_interval(k, n)
    assert got == pytest.approx((lo, hi), abs=5e-5)


def test_wilson_ends_are_exact_and_bad_counts_raise() -> None:
    assert wilson_interval(0, 7)[0] == 0.0 and wilson_interval(7, 7)[1] == 1.0
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson_interval(6, 5)


def test_rate_value_nan_when_empty() -> None:
    assert math.isnan(rate(0, 0).value)
    r = rate(8, 10)
    assert (r.k, r.n, r.value) == (8, 10, 0.8) and r.lo == pytest.approx(0.4902, abs=5e-5)


def test_newcombe_published_example() -> None:
    # Newcombe (1998) Table II example (56/70 vs 48/80): difference 0.2, 95% CI 0.0524 to 0.3339
    diff, lo, hi = newcombe_interval((48, 80), (56, 70))
    assert (diff, lo, hi) == pytest.approx((0.2, 0.0524, 0.3339), abs=5e-5)
    assert all(math.isnan(x) for x in newcombe_interval((0, 0), (1, 2)))


def test_paired_bootstrap_constant_shift_has_zero_width() -> None:
    a = {f"s{i}": (1, 4) for i in range(10)}
    b = {f"s{i}": (3, 4) for i in range(10)}
    assert paired_bootstrap_interval(a, b) == pytest.approx((0.5, 0.5, 0.5))


def test_paired_bootstrap_is_seeded_and_brackets_the_difference() -> None:
    a = {f"s{i}": (i % 4, 4) for i in range(30)}
    b = {f"s{i}": (min(4, i % 4 + (i % 3 > 0)), 4) for i in range(30)}
    first = paired_bootstrap_interval(a, b, seed=1)
    assert first == paired_bootstrap_interval(a, b, seed=1)
    diff, lo, hi = first
    assert diff == pytest.approx(sum(k for k, _ in b.values()) / 120 - sum(k for k, _ in a.values()) / 120)
    assert lo < diff < hi and lo > 0  # every scenario improves or stays: the interval excludes 0
    with pytest.raises(ValueError, match="same scenarios"):
        paired_bootstrap_interval(a, {"other": (1, 2)})


def test_diff_interval_dispatch() -> None:
    a = {"x": (48, 80)}
    b = {"x": (56, 70)}
    assert diff_interval(a, b, paired=False) == pytest.approx((0.2, 0.0524, 0.3339), abs=5e-5)
    assert diff_interval(a, b)[0] == pytest.approx(0.2)


def test_pass_at_k() -> None:
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(10, 3, 5) == pytest.approx(1 - 21 / 252)  # 1 - C(7,5) / C(10,5)
    assert pass_at_k(5, 0, 1) == 0.0 and pass_at_k(5, 5, 5) == 1.0 and pass_at_k(4, 2, 3) == 1.0
    with pytest.raises(ValueError, match="1 <= k <= n"):
        pass_at_k(3, 1, 4)


def test_dedupe_strips_only_trailing_whitespace_per_scenario() -> None:
    samples = [("a", "x = 1\n"), ("a", "x = 1   \n\n"), ("a", "x  = 1"), ("b", "x = 1"), ("a", " x = 1")]
    kept = dedupe_completions(samples, text=lambda s: s[1], scenario=lambda s: s[0])
    assert kept == [("a", "x = 1\n"), ("a", "x  = 1"), ("b", "x = 1"), ("a", " x = 1")]
    assert dedupe_completions(["p\n", "p", "q"]) == ["p\n", "q"]

"""The demo's closing sentence says whether the steered security difference is significant, and why."""

from __future__ import annotations

from secsteer.cli.demo import significance


def _row(condition: str, diff: float | None, lo: float | None = None, hi: float | None = None) -> dict:
    sig = diff is not None and (lo > 0 or hi < 0)
    return {"condition": condition, "delta": {"security": {"diff": diff, "lo": lo, "hi": hi, "significant": sig}}}


def test_interval_with_zero_is_called_not_significant():
    rows = [_row("baseline", None), _row("vector", 0.08, -0.01, 0.18), _row("random", 0.02, -0.05, 0.1),
            _row("negated", -0.03, -0.1, 0.04)]
    text = significance(rows)
    assert "+8 points [-1, +18]" in text and "random +2, negated -3" in text
    assert text.endswith("the 95% interval includes zero, so the difference is not significant.")


def test_interval_excluding_zero_is_called_significant_with_its_direction():
    text = significance([_row("vector", 0.25, 0.1, 0.4), _row("negated", -0.1, -0.2, 0.0)])
    assert "raises the security rate by +25 points [+10, +40]" in text and "is significant" in text
    assert "lowers" in significance([_row("vector", -0.2, -0.3, -0.1)])
    assert "no difference to test" in significance([_row("vector", None)])

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from secsteer.detection.metrics import (
    auroc,
    balanced_accuracy,
    bootstrap_groups,
    detection_metrics,
    f1_score,
    flip_rate,
    jsonable,
    wilson,
)
from secsteer.detection.task import DetectionExample

LABELS = [1, 1, 1, 0, 0, 0]
VERDICTS = [True, False, None, False, True, False]   # tp, fn, unanswered vuln, tn, fp, tn
GROUPS = ["a", "b", "c", "a", "b", "c"]


def test_wilson_against_hand_computed_interval() -> None:
    est = wilson(8, 10)
    assert est.value == 0.8 and est.n == 10
    assert est.low == pytest.approx(0.4902, abs=1e-4)
    assert est.high == pytest.approx(0.9433, abs=1e-4)
    edge = wilson(0, 5)
    assert edge.value == 0.0 and edge.low == 0.0 and edge.high == pytest.approx(0.4345, abs=1e-4)
    empty = wilson(0, 0)
    assert math.isnan(empty.value) and (empty.low, empty.high, empty.n) == (0.0, 1.0, 0)


def test_point_metrics_by_hand() -> None:
    assert balanced_accuracy(LABELS, VERDICTS) == pytest.approx(0.5 * (1 / 3 + 2 / 3))
    assert f1_score(LABELS, VERDICTS) == pytest.approx(2 * 1 / (2 * 1 + 1 + 1 + 1))   # 0.4
    assert balanced_accuracy([1, 0], [True, False]) == 1.0
    assert f1_score([0, 0], [False, False]) != f1_score([0, 0], [False, False])   # NaN: nothing to find


def test_auroc_matches_sklearn_and_hand_value() -> None:
    assert auroc([1, 1, 0, 0], [0.9, 0.4, 0.5, 0.1]) == 0.75
    rng = np.random.default_rng(0)
    y, s = rng.integers(0, 2, 40), rng.normal(size=40).round(1)    # rounding makes ties
    assert auroc(y, s) == pytest.approx(roc_auc_score(y, s))
    assert math.isnan(auroc([1, 1], [0.2, 0.3]))


def test_detection_metrics_by_hand() -> None:
    m = detection_metrics(LABELS, VERDICTS, GROUPS, n_resamples=200)
    assert m.n == 6 and m.n_groups == 3
    assert m.accuracy.value == pytest.approx(3 / 6)
    assert m.response_rate.value == pytest.approx(5 / 6)
    assert m.false_alarm_rate.value == pytest.approx(1 / 3) and m.false_alarm_rate.n == 3
    assert m.pair_accuracy.value == pytest.approx(1 / 3)   # only "a" (tp, tn) has both sides right
    assert m.counts == {"tp": 1, "fn": 1, "tn": 2, "fp": 1, "unanswered_vulnerable": 1, "unanswered_patched": 0}
    assert m.balanced_accuracy.value == pytest.approx(0.5) and m.f1.value == pytest.approx(0.4)
    for est in (m.balanced_accuracy, m.f1):
        assert est.low <= est.value <= est.high
    assert m.auroc is None


def test_pair_accuracy_and_auroc_with_scores() -> None:
    m = detection_metrics([1, 0, 1, 0], [True, False, True, True], ["a", "a", "b", "b"],
                          scores=[2.0, -1.0, 0.5, 0.7], n_resamples=100)
    assert m.pair_accuracy.value == 0.5            # "a" fully right, "b" has a false alarm
    assert m.auroc is not None and m.auroc.value == 0.75


def test_bootstrap_keeps_groups_together() -> None:
    groups = ["p1", "p1", "p2", "p2", "p3", "p3", "p4", "p4"]
    seen: list[np.ndarray] = []

    def statistic(idx: np.ndarray) -> float:
        seen.append(idx)
        return float(len(idx))

    bootstrap_groups(groups, statistic, n_resamples=50, seed=1)
    for idx in seen:
        counts = np.bincount(idx, minlength=8)
        assert all(counts[2 * g] == counts[2 * g + 1] for g in range(4))   # both sides drawn together


def test_bootstrap_is_seeded() -> None:
    values = np.arange(10.0)
    stat = lambda idx: float(values[idx].mean())   # noqa: E731
    groups = [str(i) for i in range(10)]
    assert bootstrap_groups(groups, stat, 200, seed=3) == bootstrap_groups(groups, stat, 200, seed=3)


def _ex(group: str, vulnerable: bool, variant: str | None) -> DetectionExample:
    return DetectionExample(f"{group}/{variant}/{vulnerable}", "x", "CWE-22", "c", vulnerable, group, variant)


def test_flip_rate_compares_each_variant_with_its_original() -> None:
    examples = [_ex("g1", True, None), _ex("g1", False, None), _ex("g1", True, "A1"), _ex("g1", False, "A1"),
                _ex("g1", True, "A2"), _ex("g2", True, "A1")]   # the last has no original here
    verdicts = [True, False, True, True, None, False]
    rob = flip_rate(examples, verdicts)
    assert rob is not None
    assert rob.flips.value == pytest.approx(2 / 3) and rob.flips.n == 3   # A1 patched flipped, A2 lost its answer
    assert rob.by_variant["A1"].value == 0.5 and rob.by_variant["A2"].value == 1.0
    assert flip_rate(examples[:2], verdicts[:2]) is None


def test_jsonable_writes_strict_json_values() -> None:
    assert jsonable({"a": wilson(0, 0), 1: [float("inf"), 2.0]}) == {
        "a": {"value": None, "low": 0.0, "high": 1.0, "n": 0}, "1": [None, 2.0]}

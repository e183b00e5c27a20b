from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from sklearn.model_selection import KFold

from secsteer.data.splits import LeakageError
from secsteer.detection.linear import load_linear_probes, probe_vector, save_linear_probes
from secsteer.detection.probes import (
    ProbeResults,
    check_grouped_split,
    fit_probe,
    grouped_folds,
    leave_one_cwe_out,
)
from secsteer.steering.apply import steer
from tests.detection.fixtures import PAIRS

D = 64          # the tiny models' hidden size, so a probe vector fits them


def planted(n_pairs: int = 30, seed: int = 0, strength: float = 3.0):
    """Each pair shares a large random base; the vulnerable side adds `strength` along a planted unit u."""
    gen = torch.Generator().manual_seed(seed)
    u = torch.randn(D, generator=gen)
    u /= u.norm()
    rows, labels, groups, cwes = [], [], [], []
    for i in range(n_pairs):
        base = 0.5 * torch.randn(D, generator=gen)
        for vulnerable in (1, 0):
            rows.append(base + strength * vulnerable * u + 0.3 * torch.randn(D, generator=gen))
            labels.append(vulnerable)
            groups.append(f"pair{i}")
            cwes.append(f"CWE-{(i % 3) + 1}")
    x = torch.stack(rows)
    return {0: x, 1: torch.randn(x.shape, generator=gen)}, labels, groups, cwes, u


def test_grouped_folds_never_split_a_pair() -> None:
    groups = [f"p{i // 2}" for i in range(20)]
    folds = grouped_folds(groups, n_splits=5)
    assert len(folds) == 5
    tested = np.concatenate([test for _, test in folds])
    assert sorted(tested.tolist()) == list(range(20))     # every example tested exactly once
    for train, test in folds:
        assert not {groups[i] for i in train} & {groups[i] for i in test}


def test_a_leaky_split_is_rejected() -> None:
    groups = [f"p{i // 2}" for i in range(20)]
    train, test = next(KFold(n_splits=5, shuffle=True, random_state=0).split(np.zeros(20)))
    with pytest.raises(LeakageError, match="both the training and the test part") as info:
        check_grouped_split(train, test, groups)
    assert info.value.offending_ids                          # names the pairs that straddle
    check_grouped_split([0, 1, 2, 3], [4, 5], groups)        # whole pairs on each side: accepted


def test_probe_finds_the_planted_direction_signed_toward_secure() -> None:
    features, labels, groups, _, u = planted()
    results = fit_probe(features, labels, groups, n_splits=5, n_resamples=200)
    good, noise = results.layers[0], results.layers[1]
    assert good.auroc.value > 0.95 and good.accuracy.value > 0.9 and good.paired_auroc.value > 0.95
    assert noise.auroc.low < 0.5 < noise.auroc.high        # random features: chance lies in the interval
    assert results.best_layer() == 0
    direction = good.probe.secure_direction()
    assert torch.dot(direction, -u).item() > 0.8             # toward secure = away from the vulnerable shift
    assert good.probe.gap > 0
    x = features[0][0]                                       # a vulnerable example
    assert good.probe.logit(x + 3.0 * direction) < good.probe.logit(x)


def test_probe_vector_steers_toward_secure(qwen) -> None:
    features, labels, groups, _, u = planted()
    results = fit_probe(features, labels, groups, n_resamples=50)
    probes = {0: results.layers[0].probe}
    vector = probe_vector(qwen, probes, {0: 5.0}, PAIRS, source="synthetic")
    assert vector.meta.method == "probe" and vector.layers == [0] and vector.meta.layer_norms == {0: 5.0}
    assert torch.nn.functional.cosine_similarity(vector.directions[0], -u, dim=0).item() > 0.8
    assert vector.directions[0].norm().item() == pytest.approx(probes[0].gap, rel=1e-5)
    with steer(qwen, vector, scale=0.1):
        pass
    with pytest.raises(ValueError, match="no fitted probe"):
        probe_vector(qwen, probes, {0: 5.0}, PAIRS, layers=[2])


def test_probe_files_round_trip(tmp_path) -> None:
    features, labels, groups, _, _ = planted(n_pairs=12)
    results = fit_probe(features, labels, groups, n_splits=3, n_resamples=50)
    report, weights = results.save(tmp_path / "out", meta={"model": "tiny"})
    data = json.loads(report.read_text())                    # strict JSON: no NaN tokens
    assert data["best_layer"] == 0 and data["meta"] == {"model": "tiny"} and len(data["layers"]) == 2
    assert len(data["oof_scores"]["0"]) == len(labels)
    again = ProbeResults.load(tmp_path / "out")
    assert again.layers[0].auroc == results.layers[0].auroc and again.labels == results.labels
    assert again.layers[1].oof_scores == results.layers[1].oof_scores and again.best_layer() == results.best_layer()
    probes, meta = load_linear_probes(weights)
    assert meta == {"model": "tiny"} and sorted(probes) == [0, 1]
    x = features[0]
    assert torch.allclose(probes[0].predict_proba(x), results.layers[0].probe.predict_proba(x))
    path = save_linear_probes(probes, tmp_path / "again.safetensors")
    assert torch.equal(load_linear_probes(path)[0][1].weight, probes[1].weight)


def test_leave_one_cwe_out_transfers_a_shared_direction() -> None:
    features, labels, groups, cwes, _ = planted()
    transfer = leave_one_cwe_out(features, labels, groups, cwes, n_resamples=50)
    assert [t.held_out for t in transfer[0]] == ["CWE-1", "CWE-2", "CWE-3"]
    assert all(t.auroc.value > 0.9 and t.auroc.n == 20 for t in transfer[0])


def test_inputs_are_checked() -> None:
    features, labels, groups, _, _ = planted(n_pairs=4)
    with pytest.raises(ValueError, match="both 0"):
        fit_probe(features, [1] * len(labels), groups)
    with pytest.raises(ValueError, match="at least 2 pairs"):
        fit_probe(features, labels, ["same"] * len(labels))
    with pytest.raises(ValueError, match="feature rows"):
        fit_probe({0: features[0][:3]}, labels, groups)

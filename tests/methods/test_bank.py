from __future__ import annotations

import pytest
import torch

from secsteer.steering.routing import predict_cwe
from secsteer.vectors.bank import VectorBank, build_bank, fit_cwe_classifier
from secsteer.vectors.build import build_vector
from tests.methods.helpers import MULTI


@pytest.fixture(scope="module")
def bank(qwen, tokenizer) -> VectorBank:
    return build_bank(qwen, tokenizer, MULTI, layers=[1, 2], min_pairs=2, router_layer=3, secure_centroid=True)


def test_one_vector_per_cwe_with_enough_pairs_and_a_pooled_one(bank, qwen, tokenizer):
    assert bank.cwes == ["CWE-78", "CWE-89"]              # CWE-787 has one pair only
    assert bank.layers == [1, 2]
    sqli = build_vector(qwen, tokenizer, [p for p in MULTI if p.cwe == "CWE-89"], layers=[1, 2])
    pooled = build_vector(qwen, tokenizer, MULTI, layers=[1, 2])
    for layer in (1, 2):
        torch.testing.assert_close(bank.vectors["CWE-89"].directions[layer], sqli.directions[layer],
                                   atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(bank.pooled.directions[layer], pooled.directions[layer], atol=1e-5, rtol=1e-4)
    assert bank.vectors["CWE-89"].meta.n_pairs == 2 and bank.pooled.meta.n_pairs == 5
    assert bank.get("cwe-089") is bank.vectors["CWE-89"] and bank.get("CWE-22") is None
    with pytest.raises(ValueError, match="no CWE has >= 3 pairs"):
        build_bank(qwen, tokenizer, MULTI[:3], layers=[1], min_pairs=3)


def test_save_load_roundtrip_in_one_file(bank, tmp_path):
    path = bank.save(tmp_path / "bank.safetensors")
    assert [p.name for p in tmp_path.iterdir()] == ["bank.safetensors"]
    loaded = VectorBank.load(path)
    assert loaded.cwes == bank.cwes
    for cwe in bank.cwes:
        assert loaded.vectors[cwe].meta == bank.vectors[cwe].meta
        for layer in bank.layers:
            assert torch.equal(loaded.vectors[cwe].directions[layer], bank.vectors[cwe].directions[layer])
    assert loaded.pooled.meta == bank.pooled.meta
    assert loaded.router.classes == bank.router.classes and loaded.router.layer == 3
    assert torch.equal(loaded.router.weight, bank.router.weight)
    bank.pooled.save(tmp_path / "v.safetensors")
    with pytest.raises(ValueError, match="not a secsteer vector bank"):
        VectorBank.load(tmp_path / "v.safetensors")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        VectorBank.load(tmp_path / "missing.safetensors")


def test_controls_map_every_vector(bank):
    neg = bank.map(lambda v: -v)
    rand = bank.random_like(seed=1)
    for cwe in bank.cwes:
        assert torch.equal(neg.vectors[cwe].directions[1], -bank.vectors[cwe].directions[1])
        assert rand.vectors[cwe].directions[1].norm() == pytest.approx(float(bank.vectors[cwe].directions[1].norm()))
    assert torch.equal(neg.pooled.directions[2], -bank.pooled.directions[2])
    assert not torch.allclose(rand.vectors["CWE-78"].directions[1] / rand.vectors["CWE-78"].directions[1].norm(),
                              rand.vectors["CWE-89"].directions[1] / rand.vectors["CWE-89"].directions[1].norm())
    assert neg.router is bank.router


@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_matches_sklearn(n_classes):
    from sklearn.linear_model import LogisticRegression

    gen = torch.Generator().manual_seed(0)
    centers = torch.randn(n_classes, 8, generator=gen) * 2
    labels = [f"CWE-{c + 1}" for c in range(n_classes) for _ in range(10)]
    x = torch.cat([centers[c] + torch.randn(10, 8, generator=gen) for c in range(n_classes)])
    clf = fit_cwe_classifier(x, labels, layer=0)
    z = ((x - x.mean(0)) / x.std(0)).double().numpy()
    ref = LogisticRegression(C=1.0, max_iter=2000).fit(z, [clf.classes.index(y) for y in labels])
    expected = [clf.classes[i] for i in ref.predict(z)]
    assert clf.predict(x) == expected
    assert sum(a == b for a, b in zip(expected, labels, strict=True)) >= 0.9 * len(labels)
    with pytest.raises(ValueError, match="at least two CWEs"):
        fit_cwe_classifier(x[:10], labels[:10], layer=0)


def test_predict_cwe_routes_the_training_texts(bank, qwen, tokenizer):
    texts = [p.insecure for p in MULTI]
    assert predict_cwe(qwen, tokenizer, texts, bank) == [p.cwe for p in MULTI]
    assert predict_cwe(qwen, tokenizer, texts, bank.router) == [p.cwe for p in MULTI]
    with pytest.raises(ValueError, match="no CWE router"):
        predict_cwe(qwen, tokenizer, texts, VectorBank(vectors=bank.vectors))


def test_the_sweep_banks_shuffled_control_swaps_labels_in_every_cwe(qwen, tokenizer, tmp_path):
    from secsteer.experiments.grid import VectorKey
    from secsteer.experiments.vectors import VectorFactory

    factory = VectorFactory(qwen, tokenizer, MULTI, tmp_path, pooling="mean")
    plain = factory.bank(VectorKey("mean_diff", "all", 0), min_pairs=2)
    shuffled = factory.bank(VectorKey("mean_diff", "all", 0, "shuffled"), min_pairs=2)
    assert shuffled.cwes == plain.cwes == ["CWE-78", "CWE-89"]
    for cwe in plain.cwes:
        assert shuffled.vectors[cwe].meta.method == "shuffled(mean_diff)"
        for layer in plain.layers:
            ours, theirs = shuffled.vectors[cwe].directions[layer], plain.vectors[cwe].directions[layer]
            assert not torch.allclose(ours, theirs, atol=1e-4) and not torch.allclose(ours, -theirs, atol=1e-4)
    assert shuffled.pooled.meta.method == "shuffled(mean_diff)"


def test_the_sweep_bank_builds_its_fallback_only_for_rows_without_a_cwe_vector(qwen, tokenizer, tmp_path):
    from secsteer.experiments.grid import VectorKey
    from secsteer.experiments.vectors import VectorFactory

    factory = VectorFactory(qwen, tokenizer, MULTI, tmp_path, pooling="mean")
    key = VectorKey("mean_diff", "all", 0)
    assert factory.bank(key, min_pairs=2, rows_cwes=["CWE-89", "cwe-078"]).pooled is None
    for rows in (["CWE-89", "CWE-787"], ["CWE-89", ""], None):
        assert factory.bank(key, min_pairs=2, rows_cwes=rows).pooled is not None


def test_contrastive_routed_units_ask_for_the_fallback_only_for_their_rows(qwen, tokenizer, tmp_path, monkeypatch):
    # without the rows' CWEs the bank trains an optimized fallback on every pair (35 min on a CPU, unused)
    from types import SimpleNamespace

    from secsteer.experiments.grid import Group, VectorKey
    from secsteer.experiments.methods import contrastive_generate
    from secsteer.experiments.vectors import VectorFactory

    factory = VectorFactory(qwen, tokenizer, MULTI, tmp_path, pooling="mean")
    asked: list = []
    monkeypatch.setattr(factory, "bank", lambda key, **kw: asked.append(kw.get("rows_cwes")))
    spec = SimpleNamespace(mode="routed", alpha=1.0, beta=0.0, positions="all", schedule="")
    group = Group(VectorKey("mean_diff", "all", 0), (1,), True, (0.5,))
    contrastive_generate(spec, group, factory, qwen, ["CWE-89", "CWE-78"], [0.5, 0.5])
    assert asked == [["CWE-89", "CWE-78"]]

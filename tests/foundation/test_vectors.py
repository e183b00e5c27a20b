from __future__ import annotations

import pytest
import torch

from secsteer.data.pairs import ContrastPair, pairs_hash
from secsteer.vectors.build import build_vector
from secsteer.vectors.methods import get_method
from secsteer.vectors.vector import SteeringVector, check_compatible, random_like
from tests.conftest import tiny_model
from tests.foundation.helpers import PAIRS, random_vector


@pytest.mark.parametrize("method", ["mean_diff", "pca"])
def test_methods_recover_a_planted_direction(method):
    gen = torch.Generator().manual_seed(0)
    planted = torch.zeros(32)
    planted[3] = 1.0
    insecure = torch.randn(40, 32, generator=gen)
    secure = insecure + 2.0 * planted + 0.05 * torch.randn(40, 32, generator=gen)
    direction = get_method(method)(secure, insecure)
    cosine = torch.nn.functional.cosine_similarity(direction, planted, dim=0)
    assert cosine > 0.99                       # points toward secure, not away
    assert direction.norm() == pytest.approx(2.0, rel=0.05)


def test_build_vector_records_provenance(qwen, tokenizer):
    v = build_vector(qwen, tokenizer, PAIRS, method="mean_diff", source="fixture", filters={"cwe": ["CWE-89"]})
    assert v.layers == [0, 1, 2, 3]
    m = v.meta
    assert (m.model_id, m.hidden_size, m.num_layers, m.n_pairs) == ("tiny-qwen2", 64, 4, 3)
    assert m.pairs_hash == pairs_hash(PAIRS) and m.source == "fixture" and m.filters == {"cwe": ["CWE-89"]}
    assert all(n > 0 for n in m.layer_norms.values())
    assert m.extra["cwes"] == ["CWE-78", "CWE-787", "CWE-89"]
    # mean_diff on the real reads equals the mean of per-pair differences computed by hand
    from secsteer.activations.read import read_activations
    sec = read_activations(qwen, tokenizer, [p.secure for p in PAIRS]).pooled[2]
    ins = read_activations(qwen, tokenizer, [p.insecure for p in PAIRS]).pooled[2]
    torch.testing.assert_close(v.directions[2], (sec - ins).mean(0), atol=1e-5, rtol=1e-4)


def test_save_load_round_trip_is_bit_exact(tmp_path, qwen, tokenizer):
    v = build_vector(qwen, tokenizer, PAIRS, method="pca")
    path = v.save(tmp_path / "v.safetensors")
    back = SteeringVector.load(path)
    assert back.meta == v.meta
    for layer in v.layers:
        assert torch.equal(back.directions[layer], v.directions[layer])
    assert not list(tmp_path.glob("*.tmp"))


def test_mismatched_model_is_refused(qwen, tokenizer):
    v = build_vector(qwen, tokenizer, PAIRS[:1])
    other = tiny_model("qwen2", tokenizer, layers=2)
    with pytest.raises(ValueError, match="does not fit this model"):
        check_compatible(v, other)
    wider = tiny_model("llama", tokenizer, hidden=32)
    with pytest.raises(ValueError, match="hidden size 32"):
        check_compatible(v, wider)


def test_malformed_inputs_give_clear_errors(qwen, tokenizer, tmp_path):
    with pytest.raises(ValueError, match="no pairs selected"):
        build_vector(qwen, tokenizer, [])
    with pytest.raises(ValueError, match="unknown vector method 'mean'"):
        build_vector(qwen, tokenizer, PAIRS, method="mean")
    v = random_vector(qwen, [1])
    bad = dict(v.directions)
    bad[1] = bad[1].clone()
    bad[1][0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        SteeringVector(directions=bad, meta=v.meta)
    with pytest.raises(ValueError, match="shape"):
        SteeringVector(directions={1: torch.zeros(3)}, meta=v.meta)
    (tmp_path / "plain.safetensors").write_bytes(b"")
    with pytest.raises(ValueError, match="not a readable safetensors file"):
        SteeringVector.load(tmp_path / "plain.safetensors")
    with pytest.raises(FileNotFoundError):
        SteeringVector.load(tmp_path / "missing.safetensors")


def test_vector_algebra_and_random_control(qwen):
    v = random_vector(qwen, [0, 2], norm=5.0)
    assert torch.equal((-v).directions[0], -v.directions[0])
    assert torch.equal(v.scaled(2.0).directions[2], 2.0 * v.directions[2])
    r = random_like(v, seed=1)
    for layer in v.layers:
        assert r.directions[layer].norm() == pytest.approx(float(v.directions[layer].norm()), rel=1e-5)
        assert abs(torch.nn.functional.cosine_similarity(r.directions[layer], v.directions[layer], dim=0)) < 0.5
    assert v.delta(0, 0.5, relative=True).norm() == pytest.approx(2.5, rel=1e-5)


def test_pairs_hash_is_order_independent_and_content_sensitive():
    assert pairs_hash(PAIRS) == pairs_hash(list(reversed(PAIRS)))
    changed = [ContrastPair(**{**PAIRS[0].__dict__, "secure": PAIRS[0].secure + " "})] + PAIRS[1:]
    assert pairs_hash(changed) != pairs_hash(PAIRS)

from __future__ import annotations

from contextlib import nullcontext

import pytest
import torch

from secsteer.activations.read import read_activations
from secsteer.steering.ablate import ablation_targets, steer_ablate
from secsteer.vectors.build import build_vector
from secsteer.vectors.vector import random_like
from tests.foundation.helpers import PAIRS, random_vector
from tests.methods.helpers import PROMPT, hook_count, record_block

TEXTS = [PROMPT, "cur.execute(q % name)\n"]
LAYER = 1


def _hidden(model, tokenizer, ctx=None):
    batch = tokenizer(TEXTS, return_tensors="pt", padding=True)
    with ctx or nullcontext(), record_block(model, LAYER) as seen, torch.no_grad():   # recorder runs last
        logits = model(**batch).logits
    return seen[0], logits


def test_projection_reaches_target_and_tokens_past_it_are_bit_identical(qwen, tokenizer):
    v = random_vector(qwen, [LAYER], norm=1.0)
    u = v.unit(LAYER)
    base, _ = _hidden(qwen, tokenizer)
    target = float((base @ u).median())                       # about half the tokens lie below
    hooks = hook_count(qwen)
    after, _ = _hidden(qwen, tokenizer, steer_ablate(qwen, v, target={LAYER: target}))
    assert hook_count(qwen) == hooks
    below = (base @ u) < target
    assert below.any() and (~below).any()
    assert torch.equal(after[~below], base[~below])           # already past the target: untouched
    torch.testing.assert_close(after[below] @ u, torch.full((int(below.sum()),), target), atol=1e-4, rtol=0)
    ortho = lambda h: h - (h @ u).unsqueeze(-1) * u          # noqa: E731
    torch.testing.assert_close(ortho(after[below]), ortho(base[below]), atol=1e-4, rtol=1e-4)


def test_target_below_every_token_changes_nothing(qwen, tokenizer):
    v = random_vector(qwen, [LAYER, 2], norm=1.0)
    base, logits = _hidden(qwen, tokenizer)
    low = {layer: -1e6 for layer in (LAYER, 2)}
    _, ablated = _hidden(qwen, tokenizer, steer_ablate(qwen, v, target=low))
    assert torch.equal(ablated, logits)
    _, raised = _hidden(qwen, tokenizer, steer_ablate(qwen, v, target=low, shift=1e7))
    assert not torch.allclose(raised, logits)                 # shift moves the target past every token


def test_centroid_targets_follow_the_direction_for_controls(qwen, tokenizer):
    v = build_vector(qwen, tokenizer, PAIRS, layers=[LAYER, 2], secure_centroid=True)
    secure = read_activations(qwen, tokenizer, [p.secure for p in PAIRS], layers=[LAYER, 2])
    stored = ablation_targets(v)
    direct = ablation_targets(v, secure)
    for layer in (LAYER, 2):
        assert stored[layer] == pytest.approx(direct[layer], rel=1e-4, abs=1e-4)
        manual = float(secure.pooled[layer].mean(dim=0) @ v.unit(layer))
        assert direct[layer] == pytest.approx(manual, rel=1e-5, abs=1e-5)
    negated = ablation_targets(-v)
    assert negated[LAYER] == pytest.approx(-stored[LAYER], rel=1e-6)
    rand = random_like(v, seed=3)
    centroid = torch.tensor(v.meta.extra["secure_centroid"][str(LAYER)])
    assert ablation_targets(rand)[LAYER] == pytest.approx(float(centroid @ rand.unit(LAYER)), rel=1e-5)
    with steer_ablate(qwen, rand) as used:
        assert set(used) == {LAYER, 2}


def test_missing_targets_raise_and_register_nothing(qwen):
    v = random_vector(qwen, [LAYER], norm=1.0)
    hooks = hook_count(qwen)
    with pytest.raises(ValueError, match="secure_centroid"), steer_ablate(qwen, v):
        pass
    with pytest.raises(ValueError, match=r"no direction for layers \[2\]"), steer_ablate(qwen, v, layers=[2]):
        pass
    assert hook_count(qwen) == hooks

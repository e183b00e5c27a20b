"""Contrastive security decoding: plain at alpha 0, plausible tokens only, the contrast's direction, batching."""

from __future__ import annotations

import pytest
import torch

from secsteer.generation import Contrastive, GenerationConfig, generate, plausible_mask
from secsteer.generation.contrastive import ContrastiveLogits
from secsteer.steering.apply import Steering, steer
from tests.conftest import tiny_model
from tests.foundation.helpers import random_vector
from tests.methods.helpers import PROMPT, hook_count

PROMPTS = [PROMPT, "import os\nimport sqlite3\n", "cursor.execute("]


@pytest.fixture(scope="module", params=["gpt2", "qwen2"])
def model(request, tokenizer):
    return tiny_model(request.param, tokenizer, seed=3)


def _steering(model, scale: float = 1.0) -> Steering:
    return Steering(random_vector(model, [1, 2], seed=5, norm=4.0), (1, 2), scale)


def _ref_logits(model, tokenizer, text_ids: list[int], steering: Steering | None, scale: float) -> torch.Tensor:
    """Next-token logits of one unpadded sequence, no cache: an independent reference."""
    ids = torch.tensor([text_ids])
    with torch.no_grad():
        if steering is None:
            return model(input_ids=ids).logits[0, -1].float()
        with steer(model, steering.vector, steering.layers, scale):
            return model(input_ids=ids).logits[0, -1].float()


def _reference_greedy(model, tokenizer, prompt: str, steering: Steering, alpha: float, top_p: float, n: int):
    ids = tokenizer(prompt)["input_ids"]
    out = []
    for _ in range(n):
        base = _ref_logits(model, tokenizer, ids, None, 0.0)
        plus = _ref_logits(model, tokenizer, ids, steering, steering.scale)
        minus = _ref_logits(model, tokenizer, ids, steering, -steering.scale)
        combined = base + alpha * (plus - minus)
        probs = base.softmax(-1)                       # top-p set by hand: smallest prefix reaching top_p
        order = probs.argsort(descending=True)
        before = probs[order].cumsum(0) - probs[order]
        keep = torch.zeros_like(probs, dtype=torch.bool)
        keep[order[before < top_p]] = True
        token = int(combined.masked_fill(~keep, float("-inf")).argmax())
        out.append(token)
        ids = ids + [token]
    return out


def _text(tokenizer, tokens: list[int]) -> str:
    eos = tokenizer.eos_token_id
    return tokenizer.decode(tokens[:tokens.index(eos)] if eos in tokens else tokens, skip_special_tokens=True)


@pytest.mark.parametrize("temperature", [0.0, 0.8])
def test_alpha_zero_is_plain_decoding(model, tokenizer, temperature):
    config = GenerationConfig(max_new_tokens=12, temperature=temperature, top_p=0.9, seed=7, batch_size=3)
    plain = generate(model, tokenizer, PROMPTS, config)
    hooks = hook_count(model)
    contrast = generate(model, tokenizer, PROMPTS, config, steering=_steering(model),
                        contrastive=Contrastive(alpha=0.0))
    assert contrast == plain
    assert hook_count(model) == hooks
    # the same steering with alpha > 0 does change the tokens, so the identity above is not vacuous
    moved = generate(model, tokenizer, PROMPTS, config, steering=_steering(model), contrastive=Contrastive(alpha=8.0))
    assert moved != plain


def test_matches_a_cache_free_reference(model, tokenizer):
    steering = _steering(model)
    config = GenerationConfig(max_new_tokens=6, temperature=0.0, top_p=0.9, batch_size=3)
    got = generate(model, tokenizer, PROMPTS, config, steering=steering, contrastive=Contrastive(alpha=3.0))
    for prompt, text in zip(PROMPTS, got):
        assert text == _text(tokenizer, _reference_greedy(model, tokenizer, prompt, steering, 3.0, 0.9, 6))


def test_contrast_moves_the_choice_toward_plus(model, tokenizer):
    steering = _steering(model)
    ids = tokenizer(PROMPT)["input_ids"]
    base = _ref_logits(model, tokenizer, ids, None, 0.0)
    diff = _ref_logits(model, tokenizer, ids, steering, 1.0) - _ref_logits(model, tokenizer, ids, steering, -1.0)
    config = GenerationConfig(max_new_tokens=1, temperature=0.0, top_p=1.0)
    plain, chosen = int(base.argmax()), int((base + 50.0 * diff).argmax())
    assert generate(model, tokenizer, [PROMPT], config) == [_text(tokenizer, [plain])]
    got = generate(model, tokenizer, [PROMPT], config, steering=steering, contrastive=Contrastive(alpha=50.0))
    assert got == [_text(tokenizer, [chosen])] != [_text(tokenizer, [plain])]
    assert diff[chosen] > diff[plain]                 # the +v side prefers what was chosen over the plain token


def test_mask_keeps_only_plausible_tokens(model, tokenizer):
    steering = _steering(model)
    config = GenerationConfig(max_new_tokens=8, temperature=0.0, top_p=1e-6, batch_size=3)
    plain = generate(model, tokenizer, PROMPTS, config)
    # top-p so small that only the top token is plausible: no alpha can move the choice
    assert generate(model, tokenizer, PROMPTS, config, steering=steering, contrastive=Contrastive(alpha=1e4)) == plain
    # beta = 1 keeps only tokens as likely as the top one, the same bound by the other mask
    wide = GenerationConfig(max_new_tokens=8, temperature=0.0, top_p=1.0, batch_size=3)
    assert generate(model, tokenizer, PROMPTS, wide, steering=steering,
                    contrastive=Contrastive(alpha=1e4, beta=1.0)) == plain
    assert generate(model, tokenizer, PROMPTS, wide, steering=steering, contrastive=Contrastive(alpha=1e4)) != plain


@pytest.mark.parametrize("top_p,temperature,beta", [(0.5, 1.0, 0.0), (0.9, 0.4, 0.0), (1.0, 1.0, 0.05), (0.7, 0.7, 0.02)])
def test_processor_output_is_finite_exactly_on_the_plausible_set(top_p, temperature, beta):
    gen = torch.Generator().manual_seed(0)
    scores = torch.randn(4, 50, generator=gen) * 3
    probs = (scores / temperature).softmax(-1)
    expected = torch.zeros_like(probs, dtype=torch.bool)     # by hand: the top-p prefix, or the beta floor
    for row in range(4):
        order = probs[row].argsort(descending=True)
        before = probs[row, order].cumsum(0) - probs[row, order]
        expected[row, order[before < top_p]] = True
    if beta > 0:
        raw = scores.softmax(-1)
        expected = raw >= beta * raw.max(-1, keepdim=True).values
        assert 1 < int(expected.sum(-1).max()) < 50      # a mask that binds
    assert torch.equal(plausible_mask(scores, top_p, temperature, beta), expected)

    class Fake(torch.nn.Module):                               # +v and -v rows whose logits differ wildly
        def forward(self, input_ids, attention_mask=None, use_cache=True, past_key_values=None):
            n = input_ids.shape[0] // 2
            logits = torch.cat([torch.randn(n, 50, generator=gen) * 100, torch.zeros(n, 50)]).unsqueeze(1)
            return type("Out", (), {"logits": logits, "past_key_values": "cache"})()

    from contextlib import nullcontext

    processor = ContrastiveLogits(Fake(), lambda s: nullcontext(), [1.0] * 4, [5.0] * 4,
                                  torch.ones(4, 3, dtype=torch.long), top_p, temperature, beta)
    out = processor(torch.zeros(4, 3, dtype=torch.long), scores)
    assert torch.equal(torch.isfinite(out), expected)
    assert expected[torch.arange(4), out.argmax(-1)].all()


def test_batched_equals_one_at_a_time(model, tokenizer):
    steering = _steering(model)
    config = GenerationConfig(max_new_tokens=8, temperature=0.0, top_p=0.9, batch_size=3)
    batched = generate(model, tokenizer, PROMPTS, config, steering=steering, contrastive=Contrastive(alpha=3.0))
    alone = [generate(model, tokenizer, [p], config, steering=steering, contrastive=Contrastive(alpha=3.0))[0]
             for p in PROMPTS]
    assert batched == alone


def test_per_row_scales_zero_rows_are_plain(model, tokenizer):
    config = GenerationConfig(max_new_tokens=8, temperature=0.0, top_p=0.9, batch_size=6)
    plain = generate(model, tokenizer, PROMPTS, config)
    mixed = generate(model, tokenizer, PROMPTS * 2, config, steering=_steering(model),
                     row_scales=[0.0] * 3 + [1.0] * 3, contrastive=Contrastive(alpha=8.0))
    assert mixed[:3] == plain
    assert mixed[3:] != plain


def test_bad_settings_fail_clearly(model, tokenizer):
    with pytest.raises(ValueError, match="alpha"):
        Contrastive(alpha=-1.0)
    with pytest.raises(ValueError, match="beta"):
        Contrastive(beta=2.0)
    with pytest.raises(ValueError, match="steering record"):
        generate(model, tokenizer, PROMPTS, GenerationConfig(max_new_tokens=2), contrastive=Contrastive())

"""The nnsight engine gives the hook engine's tokens and logits: reads, steering, positions, ragged batches."""

from __future__ import annotations

import warnings

import pytest
import torch

from secsteer.backends.hooks import HookBackend
from secsteer.backends.nnsight_backend import NNsightBackend
from secsteer.generation.generate import GenerationConfig
from secsteer.steering.apply import Steering
from tests.foundation.helpers import random_vector

pytest.importorskip("nnsight")

TEXTS = [
    "def read_file(path):\n    with open(path) as f:\n        return f.read()\n",
    "x",
    "cur.execute('SELECT * FROM users WHERE id = ?', (user_id,))\n",
    "char buf[16];",
    "subprocess.run(['ls', '-l', path], check=True)\n",
]
PROMPTS = ["def read_file(path):\n", "cur.execute(", "char buf[16];\nstrcpy("]   # ragged: left padding
HOOKS = HookBackend()
NNSIGHT = NNsightBackend()


def assert_same_generation(a, b) -> None:
    assert torch.equal(a.sequences, b.sequences)
    assert len(a.logits) == len(b.logits)
    for x, y in zip(a.logits, b.logits, strict=True):
        torch.testing.assert_close(x, y, atol=1e-5, rtol=0)


def untouched(model) -> bool:
    """No hooks and no forward installed on any module: the model is as it was loaded."""
    return not any(m._forward_hooks or m._forward_pre_hooks or "forward" in m.__dict__ for m in model.modules())


@pytest.mark.parametrize("pooling", ["mean", "last"])
def test_pooled_reads_match_on_ragged_batches(arch_model, tokenizer, pooling):
    ref = HOOKS.read(arch_model, tokenizer, TEXTS, pooling=pooling, batch_size=2)
    got = NNSIGHT.read(arch_model, tokenizer, TEXTS, pooling=pooling, batch_size=2)
    assert got.layers == ref.layers == list(range(4))
    for layer in ref.layers:
        assert got.pooled[layer].shape == (len(TEXTS), 64)
        torch.testing.assert_close(got.pooled[layer], ref.pooled[layer], atol=1e-5, rtol=0)
        assert got.token_norm[layer] == pytest.approx(ref.token_norm[layer], abs=1e-5)
    assert got.n_tokens == ref.n_tokens
    assert untouched(arch_model)


def test_span_reads_match(qwen, tokenizer):
    spans = [[(4, 13)], [], [(0, 14)], [(5, 8)], [(0, 3), (15, 20)]]
    ref = HOOKS.read(qwen, tokenizer, TEXTS, layers=[1, 3], spans=spans, batch_size=3)
    got = NNSIGHT.read(qwen, tokenizer, TEXTS, layers=[1, 3], spans=spans, batch_size=3)
    for layer in (1, 3):
        torch.testing.assert_close(got.pooled[layer], ref.pooled[layer], atol=1e-5, rtol=0)


def test_steered_greedy_tokens_and_logits_match_for_every_position_policy(arch_model, tokenizer):
    vector = random_vector(arch_model, [0, 1, 3], norm=4.0)
    config = GenerationConfig(max_new_tokens=5)
    base = HOOKS.generate_logits(arch_model, tokenizer, PROMPTS, config)
    assert_same_generation(NNSIGHT.generate_logits(arch_model, tokenizer, PROMPTS, config), base)
    for positions in ("all", "prompt", "generated"):
        steering = Steering(vector=vector, scale=1.0, positions=positions)
        ref = HOOKS.generate_logits(arch_model, tokenizer, PROMPTS, config, steering)
        got = NNSIGHT.generate_logits(arch_model, tokenizer, PROMPTS, config, steering)
        assert_same_generation(got, ref)
        # not vacuous: steering changed the prompt pass exactly when the policy covers it, and later steps
        assert torch.allclose(ref.logits[0], base.logits[0]) == (positions == "generated")
        if positions != "prompt":
            assert not torch.allclose(ref.logits[-1], base.logits[-1])
    assert untouched(arch_model)


def test_per_row_scales_and_relative_scale_match(qwen, tokenizer):
    steering = Steering(vector=random_vector(qwen, [1, 2], norm=3.0), layers=(2,), scale=1.0, relative=True)
    config = GenerationConfig(max_new_tokens=5)
    scales = [0.0, 0.5, 2.0]
    ref = HOOKS.generate_logits(qwen, tokenizer, PROMPTS, config, steering, row_scales=scales)
    got = NNSIGHT.generate_logits(qwen, tokenizer, PROMPTS, config, steering, row_scales=scales)
    assert_same_generation(got, ref)


def test_batched_text_generation_with_sampling_matches(qwen, tokenizer):
    steering = Steering(vector=random_vector(qwen, [1, 3], norm=3.0), scale=1.0, positions="generated")
    config = GenerationConfig(max_new_tokens=8, temperature=0.9, seed=3, batch_size=2)
    ref = HOOKS.generate(qwen, tokenizer, PROMPTS, config, steering, row_scales=[1.0, 0.0, 2.0])
    got = NNSIGHT.generate(qwen, tokenizer, PROMPTS, config, steering, row_scales=[1.0, 0.0, 2.0])
    assert got == ref
    assert len(got) == 3 and any(got)


def test_generation_cut_short_by_a_stop_string_still_matches(qwen, tokenizer):
    """The steering loop asks for more steps than the run makes; the result must still come back."""
    steering = Steering(vector=random_vector(qwen, [1], norm=3.0), scale=1.0)
    long = HOOKS.generate(qwen, tokenizer, PROMPTS[:1], GenerationConfig(max_new_tokens=12), steering)[0]
    assert len(long) > 2
    config = GenerationConfig(max_new_tokens=12, stop=(long[1:3],))
    ref = HOOKS.generate_logits(qwen, tokenizer, PROMPTS[:1], config, steering)
    assert len(ref.logits) < 12                       # stopped early
    with warnings.catch_warnings():
        warnings.simplefilter("error")                # nnsight's cut-short warning is expected and silenced
        got = NNSIGHT.generate_logits(qwen, tokenizer, PROMPTS[:1], config, steering)
    assert_same_generation(got, ref)


@pytest.mark.parametrize("side", ["left", "right"])
def test_callers_tokenizer_and_model_are_left_as_they_were(qwen, tokenizer, side, monkeypatch):
    monkeypatch.setattr(tokenizer, "padding_side", side)          # restored after the test
    pad = tokenizer.pad_token
    steering = Steering(vector=random_vector(qwen, [1], norm=3.0), scale=1.0)
    NNSIGHT.read(qwen, tokenizer, TEXTS[:2])
    NNSIGHT.generate(qwen, tokenizer, PROMPTS, GenerationConfig(max_new_tokens=3), steering)
    assert tokenizer.padding_side == side
    assert tokenizer.pad_token == pad
    assert untouched(qwen)


def test_remote_serialization_path_matches_locally(qwen, tokenizer):
    """remote='local' runs each trace through nnsight's request serialization, as a trip to NDIF would."""
    shipped = NNsightBackend(remote="local")
    steering = Steering(vector=random_vector(qwen, [1, 3], norm=3.0), scale=1.0, positions="generated")
    config = GenerationConfig(max_new_tokens=5)
    assert_same_generation(shipped.generate_logits(qwen, tokenizer, PROMPTS, config, steering),
                           HOOKS.generate_logits(qwen, tokenizer, PROMPTS, config, steering))
    ref = HOOKS.read(qwen, tokenizer, TEXTS, layers=[2])
    torch.testing.assert_close(shipped.read(qwen, tokenizer, TEXTS, layers=[2]).pooled[2], ref.pooled[2],
                               atol=1e-5, rtol=0)


def test_incompatible_vector_is_refused(qwen, tokenizer):
    from transformers import AutoModelForCausalLM

    from tests.conftest import tiny_config

    other = AutoModelForCausalLM.from_config(tiny_config("qwen2", len(tokenizer), layers=2))
    steering = Steering(vector=random_vector(qwen, [1], norm=1.0))
    with pytest.raises(ValueError, match="does not fit this model"):
        NNSIGHT.generate_logits(other, tokenizer, PROMPTS, GenerationConfig(max_new_tokens=2), steering)
    assert untouched(other)

"""Direct checks (the nnsight parity test skips without its extra): prompt-only steering leaves cached
decoding steps alone, and the typical token norm is taken over real tokens, never padding."""

from __future__ import annotations

import torch

from secsteer.activations.read import read_activations
from secsteer.steering.apply import steer
from tests.foundation.helpers import cached_step, random_vector

PROMPT = "def read_file(path):\n"
TEXTS = ["x = 1\n", "def read_file(path):\n    with open(path) as f:\n        return f.read()\n", "import os"]


def prefill_then_step(model, tokenizer, vector, prompt_positions: str, step_positions: str | None):
    """Logits of one cached decoding step after a prompt pass, each under its own steering (None: none)."""
    ids = tokenizer(PROMPT, return_tensors="pt").input_ids
    nxt = torch.tensor([[ids[0, -1].item()]])
    with torch.no_grad():
        with steer(model, vector, scale=1.0, positions=prompt_positions):
            cache = model(ids, use_cache=True).past_key_values
        if step_positions is None:
            return cached_step(model, nxt, cache).logits
        with steer(model, vector, scale=1.0, positions=step_positions):
            return cached_step(model, nxt, cache).logits


def test_prompt_positions_leave_cached_steps_unsteered(qwen, tokenizer):
    v = random_vector(qwen, [1, 2], norm=4.0)
    unsteered_step = prefill_then_step(qwen, tokenizer, v, "all", None)
    prompt_step = prefill_then_step(qwen, tokenizer, v, "all", "prompt")
    all_step = prefill_then_step(qwen, tokenizer, v, "all", "all")
    torch.testing.assert_close(prompt_step, unsteered_step)             # "prompt" adds nothing to a cached step
    assert (all_step - unsteered_step).abs().max() > 1e-2               # control: "all" does


def test_token_norm_counts_real_tokens_only(qwen, tokenizer):
    for side in ("left", "right"):
        tokenizer.padding_side = side
        batched = read_activations(qwen, tokenizer, TEXTS, batch_size=len(TEXTS))
        alone = [read_activations(qwen, tokenizer, [t], batch_size=1) for t in TEXTS]
        assert batched.n_tokens == sum(a.n_tokens for a in alone)
        for layer in batched.layers:
            expected = sum(a.token_norm[layer] * a.n_tokens for a in alone) / batched.n_tokens
            assert abs(batched.token_norm[layer] - expected) < 1e-4 * expected, (side, layer)

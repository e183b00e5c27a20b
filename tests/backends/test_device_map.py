"""Models dispatched by accelerate (as device_map="auto" does) read and steer like undispatched ones.

No GPU here: an explicit map puts every module on "cpu" with force_hooks, so accelerate's AlignDevicesHook
wraps each block exactly as it does across GPUs; a second map offloads blocks to disk, whose weights then
sit on the "meta" device between calls, as CPU/disk offload does under device_map="auto".
"""

from __future__ import annotations

import pytest
import torch

from secsteer.activations.read import read_activations
from secsteer.backends.hooks import HookBackend
from secsteer.generation.generate import GenerationConfig
from secsteer.model.layers import decoder_blocks
from secsteer.steering.apply import Steering, steer
from tests.conftest import tiny_model
from tests.foundation.helpers import random_vector

accelerate = pytest.importorskip("accelerate")

TEXTS = ["def read_file(path):\n    return open(path).read()\n", "x", "cur.execute('SELECT 1')"]
PROMPTS = ["def f(x):", "cur.execute("]
CONFIG = GenerationConfig(max_new_tokens=5)


def device_map(model, block_device=lambda _i: "cpu") -> dict[str, str]:
    """One entry per block and per module beside the path to them, so every block gets its own hook."""
    blocks = decoder_blocks(model)
    prefix = next(name for name, m in model.named_modules() if m is blocks)      # e.g. "model.layers"
    entries: dict[str, str] = {}

    def expand(module, name: str) -> None:
        for child_name, child in module.named_children():
            full = f"{name}.{child_name}" if name else child_name
            if child is blocks:
                entries.update({f"{full}.{i}": block_device(i) for i in range(len(blocks))})
            elif prefix.startswith(full + "."):
                expand(child, full)
            else:
                entries[full] = "cpu"

    expand(model, "")
    return entries


def dispatched(arch, tokenizer, tmp_path, block_device=lambda _i: "cpu"):
    model = tiny_model(arch, tokenizer)
    return accelerate.dispatch_model(model, device_map=device_map(model, block_device), force_hooks=True,
                                     offload_dir=str(tmp_path), main_device="cpu")


@pytest.mark.parametrize("arch", ["gpt2", "qwen2"])
def test_dispatched_model_reads_and_steers_like_the_plain_one(arch, tokenizer, tmp_path):
    plain = tiny_model(arch, tokenizer)
    model = dispatched(arch, tokenizer, tmp_path)
    assert all(hasattr(block, "_hf_hook") for block in decoder_blocks(model))     # accelerate wraps each block
    ref, got = read_activations(plain, tokenizer, TEXTS), read_activations(model, tokenizer, TEXTS)
    for layer in ref.layers:
        torch.testing.assert_close(got.pooled[layer], ref.pooled[layer], atol=1e-6, rtol=0)
    steering = Steering(vector=random_vector(plain, [1, 3], norm=3.0), scale=1.0, positions="generated")
    hooks = HookBackend()
    want = hooks.generate_logits(plain, tokenizer, PROMPTS, CONFIG, steering)
    have = hooks.generate_logits(model, tokenizer, PROMPTS, CONFIG, steering)
    assert torch.equal(have.sequences, want.sequences)
    assert not torch.equal(want.sequences, hooks.generate_logits(plain, tokenizer, PROMPTS, CONFIG).sequences)


def offloaded(index: int) -> str:
    return "disk" if index in (1, 3) else "cpu"


def test_nnsight_steers_blocks_offloaded_to_meta(tokenizer, tmp_path):
    pytest.importorskip("nnsight")
    from secsteer.backends.nnsight_backend import NNsightBackend

    plain = tiny_model("qwen2", tokenizer)
    model = dispatched("qwen2", tokenizer, tmp_path, offloaded)
    assert next(decoder_blocks(model)[1].parameters()).device.type == "meta"
    steering = Steering(vector=random_vector(plain, [1, 3], norm=3.0), scale=1.0)
    backend = NNsightBackend()
    want = HookBackend().generate_logits(plain, tokenizer, PROMPTS, CONFIG, steering)
    have = backend.generate_logits(model, tokenizer, PROMPTS, CONFIG, steering)
    assert torch.equal(have.sequences, want.sequences)
    ref = read_activations(plain, tokenizer, TEXTS)
    torch.testing.assert_close(backend.read(model, tokenizer, TEXTS).pooled[3], ref.pooled[3], atol=1e-6, rtol=0)


def test_hook_steering_of_blocks_offloaded_to_meta(tokenizer, tmp_path):
    plain = tiny_model("qwen2", tokenizer)
    model = dispatched("qwen2", tokenizer, tmp_path, offloaded)
    vector = random_vector(plain, [1, 3], norm=3.0)
    ids = tokenizer(PROMPTS[:1], return_tensors="pt").input_ids
    with torch.no_grad():
        with steer(plain, vector, scale=1.0):
            want = plain(ids).logits
        with steer(model, vector, scale=1.0):
            got = model(ids).logits
    torch.testing.assert_close(got, want, atol=1e-6, rtol=0)

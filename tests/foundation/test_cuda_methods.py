"""Optimized vectors and contrastive decoding on a GPU agree with the CPU. Skipped where no GPU is present."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from secsteer.vectors.train import TrainConfig, preference_margins, train_vector
from tests.conftest import tiny_model
from tests.methods.test_train import HELD_OUT, TRAIN

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
CONFIG = TrainConfig(layers=(2,), epochs=6, batch_size=4, eval_every=3, patience=50, lr=0.1, val_fraction=0.25,
                     autocast=False)


def test_training_on_the_gpu_matches_the_cpu(tokenizer):
    cpu = tiny_model("qwen2", tokenizer)
    gpu = tiny_model("qwen2", tokenizer).to("cuda")
    on_cpu = train_vector(cpu, tokenizer, TRAIN, CONFIG).vector
    on_gpu = train_vector(gpu, tokenizer, TRAIN, CONFIG).vector
    assert on_gpu.directions[2].device.type == "cpu"                 # vectors come back to the host
    cosine = torch.nn.functional.cosine_similarity(on_gpu.directions[2], on_cpu.directions[2], dim=0)
    assert cosine > 0.99, cosine                                     # same run up to float reordering
    margins = preference_margins(gpu, tokenizer, on_gpu, HELD_OUT, scale=CONFIG.scale)
    assert (margins > 0).all(), margins


def test_bf16_autocast_training_runs_on_the_gpu(tokenizer):
    gpu = tiny_model("qwen2", tokenizer).to("cuda")
    result = train_vector(gpu, tokenizer, TRAIN, dataclasses.replace(CONFIG, autocast=True))
    assert torch.isfinite(result.vector.directions[2]).all()
    assert result.history[-1]["val_loss"] < result.history[0]["val_loss"]


def test_contrastive_decoding_on_the_gpu_matches_the_cpu(tokenizer):
    from secsteer.generation.contrastive import Contrastive
    from secsteer.generation.generate import GenerationConfig, generate
    from secsteer.steering.apply import Steering
    from tests.foundation.helpers import random_vector

    cpu = tiny_model("qwen2", tokenizer)
    gpu = tiny_model("qwen2", tokenizer).to("cuda")
    prompts = ["def read_file(path):\n", "char buf[16];\n", "import os\nimport sqlite3\n"]
    steering = Steering(random_vector(cpu, [1, 2], seed=5, norm=4.0), (1, 2), 1.0)
    config = GenerationConfig(max_new_tokens=10, temperature=0.0, top_p=0.9, batch_size=3)
    plain = generate(gpu, tokenizer, prompts, config)
    zero = generate(gpu, tokenizer, prompts, config, steering=steering, contrastive=Contrastive(alpha=0.0))
    assert zero == plain
    want = generate(cpu, tokenizer, prompts, config, steering=steering, contrastive=Contrastive(alpha=8.0))
    got = generate(gpu, tokenizer, prompts, config, steering=steering, contrastive=Contrastive(alpha=8.0))
    assert got == want and got != plain

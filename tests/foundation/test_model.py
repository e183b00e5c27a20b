from __future__ import annotations

import threading
from pathlib import Path

import pytest
import torch
from torch import nn

from secsteer.model import bundled
from secsteer.model.layers import decoder_blocks, resolve_layers
from secsteer.model.load import ModelLoadError, load_model, resolve_spec
from tests.conftest import tiny_model


@pytest.mark.parametrize("arch", ["gpt2", "gpt_bigcode", "qwen2", "llama", "gpt_neox", "gemma"])
def test_decoder_blocks_found_for_common_architectures(arch, tokenizer):
    model = tiny_model(arch, tokenizer, layers=3)
    blocks = decoder_blocks(model)
    assert isinstance(blocks, nn.ModuleList) and len(blocks) == 3


def test_unknown_architecture_error_says_what_was_searched():
    class Odd(nn.Module):
        def __init__(self):
            super().__init__()
            self.stack = nn.Sequential(nn.Linear(2, 2))

    with pytest.raises(ValueError, match=r"searched \['model.layers', 'transformer.h'"):
        decoder_blocks(Odd())


def test_explicit_block_path(tokenizer):
    model = tiny_model("llama", tokenizer, layers=2)
    assert decoder_blocks(model, "model.layers") is model.model.layers
    with pytest.raises(ValueError, match="no.such"):
        decoder_blocks(model, "no.such")


def test_resolve_layers():
    assert resolve_layers([4, -1, 4], 24) == [4, 23]
    assert resolve_layers("4,12,20", 24) == [4, 12, 20]
    assert resolve_layers("all", 3) == [0, 1, 2]
    with pytest.raises(ValueError, match="layer 24 is out of range for a model with 24 layers"):
        resolve_layers([24], 24)
    with pytest.raises(ValueError, match="comma-separated"):
        resolve_layers("four", 24)


def test_resolve_spec_paths(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        resolve_spec(str(tmp_path / "missing.gguf"))
    with pytest.raises(FileNotFoundError, match="no config.json"):
        resolve_spec(str(tmp_path))
    assert resolve_spec("bigcode/starcoderbase-1b") == ("bigcode/starcoderbase-1b", {})
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    assert resolve_spec(str(tmp_path / "m.gguf")) == (str(tmp_path), {"gguf_file": "m.gguf"})


def test_local_checkpoint_directory_loads(tmp_path, tokenizer):
    model = tiny_model("qwen2", tokenizer, layers=2)
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    loaded, tok = load_model(str(tmp_path), dtype="float32")
    ids = tok("def f(x):", return_tensors="pt").input_ids
    assert torch.equal(loaded(ids).logits, model(ids).logits)
    assert loaded.secsteer_spec == str(tmp_path) and tok.pad_token is not None


def test_hub_id_offline_fails_with_a_message(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="HF_HUB_OFFLINE"):
        load_model("secsteer-test/does-not-exist")


def test_bundled_missing_package_says_how_to_install(monkeypatch):
    fake = bundled.BundledModel("x", ("secsteer_no_such_package",), "0" * 64, "x.gguf")
    with pytest.raises(FileNotFoundError, match=r"secsteer\[bundled\]"):
        bundled.part_files(fake)


def _fake_parts(tmp_path: Path, monkeypatch) -> bundled.BundledModel:
    import hashlib

    parts = [tmp_path / "p1.bin", tmp_path / "p2.bin"]
    parts[0].write_bytes(b"GGUF-part-one")
    parts[1].write_bytes(b"-part-two")
    digest = hashlib.sha256(b"GGUF-part-one-part-two").hexdigest()
    monkeypatch.setattr(bundled, "part_files", lambda _m: parts)
    return bundled.BundledModel("fake", ("a", "b"), digest, "fake.gguf")


def test_assemble_verifies_hash(tmp_path, monkeypatch):
    model = _fake_parts(tmp_path, monkeypatch)
    out = bundled.assemble_gguf(model, tmp_path / "whole.gguf")
    assert out.read_bytes() == b"GGUF-part-one-part-two"
    bad = bundled.BundledModel("fake", ("a",), "f" * 64, "fake.gguf")
    with pytest.raises(ValueError, match="does not match the pinned"):
        bundled.assemble_gguf(bad, tmp_path / "bad.gguf")
    assert not (tmp_path / "bad.gguf").exists() and not (tmp_path / "bad.partial").exists()


def test_interrupted_conversion_leaves_nothing_usable(tmp_path, monkeypatch):
    monkeypatch.setenv("SECSTEER_CACHE", str(tmp_path))
    monkeypatch.setitem(bundled.BUNDLED, "fake", bundled.BundledModel("fake", (), "a" * 64, "f.gguf"))

    def half_then_crash(_model, work: Path) -> None:
        (work / "checkpoint").mkdir()
        (work / "checkpoint" / "model.safetensors").write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(bundled, "_convert", half_then_crash)
    with pytest.raises(KeyboardInterrupt):
        bundled.bundled_checkpoint("fake")
    models = tmp_path / "models"
    assert not any((p / "config.json").exists() for p in models.iterdir() if p.is_dir())
    assert not list(models.glob(".convert-*"))   # the temporary work directory was removed


def test_concurrent_conversion_runs_once(tmp_path, monkeypatch):
    monkeypatch.setenv("SECSTEER_CACHE", str(tmp_path))
    monkeypatch.setitem(bundled.BUNDLED, "fake", bundled.BundledModel("fake", (), "b" * 64, "f.gguf"))
    calls = []

    def slow_convert(_model, work: Path) -> None:
        calls.append(1)
        threading.Event().wait(0.3)
        (work / "checkpoint").mkdir()
        (work / "checkpoint" / "config.json").write_text("{}")

    monkeypatch.setattr(bundled, "_convert", slow_convert)
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(bundled.bundled_checkpoint("fake"))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(set(results)) == 1 and (results[0] / "config.json").exists()


def test_unknown_bundled_name():
    with pytest.raises(ValueError, match="unknown bundled model"):
        bundled.bundled_checkpoint("nope")


from tests.experiments.test_sweep import model_dir  # noqa: E402, F401  (module-scoped fixture)


def test_auto_device_is_the_gpu_when_torch_sees_one(monkeypatch):
    # sweeps and eval default to "auto": on a GPU machine a sweep must not quietly run on the CPU
    import torch

    from secsteer.model.load import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda" and resolve_device("cpu") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu" and resolve_device("cuda:1") == "cuda:1"


def test_a_sweep_passes_its_device_to_the_model_load(tmp_path, monkeypatch, model_dir):  # noqa: F811
    from secsteer.cli.main import main
    from secsteer.experiments.executors import work
    from tests.experiments.test_sweep import write_spec

    seen = []

    def fake_load(spec, backend=None, **options):
        seen.append(options.get("device"))
        raise SystemExit(3)

    monkeypatch.setattr(work, "load", fake_load)
    import secsteer.experiments.executors.local as local

    monkeypatch.setattr(local, "load", fake_load)
    with pytest.raises(SystemExit):
        main(["sweep", str(write_spec(tmp_path / "s.toml", model_dir)), "--out", str(tmp_path / "r"),
              "--device", "cuda:7", "--no-overlap"])
    assert seen == ["cuda:7"]

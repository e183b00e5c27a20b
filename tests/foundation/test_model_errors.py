"""A model that cannot be loaded gives one clear line and exit 2, fast: no retry loop, no traceback."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch

from secsteer.cli.main import main
from secsteer.model.load import ModelLoadError, load_model, model_depth
from tests.conftest import tiny_model

UNREACHABLE = "http://127.0.0.1:9"      # the discard port: nothing listens, connecting fails at once


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """secsteer in this process (a subprocess costs the torch import again); (exit code, stderr)."""
    capsys.readouterr()
    code = main(list(args))
    return code, capsys.readouterr().err


def assert_one_line_exit_2(result: tuple[int, str], *words: str) -> None:
    code, err = result
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("WARNING")]
    assert code == 2, err[-2000:]
    assert len(lines) == 1 and "Traceback" not in err, err[-2000:]
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize("offline", [False, True])
def test_unknown_hub_id_without_network_is_one_line_and_quick(offline, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_ENDPOINT", UNREACHABLE)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    if offline:
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    else:
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    start = time.monotonic()
    assert_one_line_exit_2(cli(capsys, "info", "--model", "nonexistent_model_xyz"), "nonexistent_model_xyz")
    assert time.monotonic() - start < 20           # no retry loop


def test_unknown_hub_id_in_process(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_ENDPOINT", UNREACHABLE)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(ModelLoadError, match="cannot be reached"):
        load_model("nonexistent_model_xyz")
    with pytest.raises(ModelLoadError, match="cannot be reached"):
        model_depth("nonexistent_model_xyz")


@pytest.fixture
def pickled_checkpoint(tmp_path, tokenizer) -> Path:
    model = tiny_model("qwen2", tokenizer, layers=2)
    model.config.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    torch.save(model.state_dict(), tmp_path / "pytorch_model.bin")      # pickle: never loaded
    return tmp_path


def test_a_pickled_checkpoint_is_refused_in_one_line(pickled_checkpoint, capsys):
    with pytest.raises(ModelLoadError, match="safetensors"):
        load_model(str(pickled_checkpoint))
    assert_one_line_exit_2(cli(capsys, "info", "--model", str(pickled_checkpoint)), "safetensors",
                           str(pickled_checkpoint))


def test_model_depth_reads_the_config_only(tmp_path, tokenizer):
    tiny_model("qwen2", tokenizer, layers=3).config.save_pretrained(tmp_path)    # no weights at all
    assert model_depth(str(tmp_path)) == 3


def test_a_broken_checkpoint_is_one_line(tmp_path, capsys):
    (tmp_path / "config.json").write_text("{}")                 # no model_type: transformers cannot place it
    with pytest.raises(ModelLoadError, match="cannot load model"):
        load_model(str(tmp_path))
    assert_one_line_exit_2(cli(capsys, "info", "--model", str(tmp_path)), str(tmp_path))

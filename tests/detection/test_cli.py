from __future__ import annotations

import json
import struct

import pytest

from secsteer.cli.main import build_parser, setup_logging
from secsteer.data.sources.jsonl import write_pairs_jsonl
from secsteer.vectors.vector import SteeringVector
from tests.conftest import tiny_model
from tests.detection.fixtures import PAIRS
from tests.foundation.helpers import random_vector


def run_cli(argv: list[str]) -> int:
    """Parse with the `secsteer` parser itself, so a command missing from its list fails here."""
    args = build_parser().parse_args(argv)
    setup_logging(0)
    return int(args.run(args))


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory, tokenizer):
    folder = tmp_path_factory.mktemp("tiny-qwen")
    model = tiny_model("qwen2", tokenizer)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def pairs_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("pairs") / "pairs.jsonl"
    write_pairs_jsonl(PAIRS, path)
    return path


def png_size(path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_detect_end_to_end(tiny_dir, pairs_file, tmp_path, tokenizer, capsys) -> None:
    vector_path = random_vector(tiny_model("qwen2", tokenizer), [1, 2]).save(tmp_path / "v.safetensors")
    out = tmp_path / "detect.json"
    code = run_cli(["detect", "--model", str(tiny_dir), "--pairs", f"jsonl:{pairs_file}", "--cwe", "CWE-89",
                    "--vector", str(vector_path), "--layers", "1", "--scale", "0.5",
                    "--shots", "2", "--max-new-tokens", "2", "--resamples", "50", "--json", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "4 examples from 2 pairs; 2-shot" in printed
    rows = [line.split()[:3] for line in printed.splitlines() if line.startswith(("baseline", "steered"))]
    assert rows == [["baseline", "score", "4"], ["baseline", "generate", "4"], ["steered", "score", "4"],
                    ["steered", "generate", "4"]]
    record = json.loads(out.read_text())
    assert [(r["condition"], r["mode"]) for r in record["results"]] == [
        ("baseline", "score"), ("baseline", "generate"), ("steered", "score"), ("steered", "generate")]
    first = record["results"][0]
    assert first["metrics"]["n"] == 4 and len(first["examples"]) == 4
    assert record["results"][2]["steering"]["layers"] == [1] and record["shots"] == 2


def test_probe_end_to_end(tiny_dir, pairs_file, tmp_path, capsys) -> None:
    out = tmp_path / "probes"
    vector = tmp_path / "probe.safetensors"
    code = run_cli(["probe", "--model", str(tiny_dir), "--pairs", f"jsonl:{pairs_file}", "--folds", "3",
                    "--resamples", "50", "--out", str(out), "--save-vector", str(vector), "--layer", "2"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "12 examples from 6 pairs, 3-fold grouped CV" in printed and "best layer by AUROC" in printed
    data = json.loads((out / "probes.json").read_text())
    assert [row["layer"] for row in data["layers"]] == [0, 1, 2, 3] and data["n_groups"] == 6
    assert sorted(json.loads((out / "transfer.json").read_text())) == ["0", "1", "2", "3"]
    for name in ("layers.png", "roc.png"):
        width, height = png_size(out / name)
        assert width > 300 and height > 300
    loaded = SteeringVector.load(vector)
    assert loaded.meta.method == "probe" and loaded.layers == [2] and loaded.meta.n_pairs == 6


def test_detect_reports_a_bad_definitions_path(tiny_dir, pairs_file, tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.json"):
        run_cli(["detect", "--model", str(tiny_dir), "--pairs", f"jsonl:{pairs_file}",
                 "--definitions", str(tmp_path / "nope.json")])

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from secsteer.cli import data as cli_data
from secsteer.data.sources.jsonl import read_pairs_jsonl


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="secsteer")
    cli_data.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.run(args)


def test_list_builtin(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("builtin: ")
    assert "CWE-89 " in out and "python" in out


def test_list_with_root(shared_datasets: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["data", "list", "--root", str(shared_datasets)]) == 0
    out = capsys.readouterr().out
    assert "sven:" in out and "803 pairs (798 after de-duplication)" in out
    assert "hand-crafted 24" in out and "real-world 15" in out


def test_show_prints_a_unified_diff(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["data", "show", "builtin", "--cwe", "sqli", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert out.count("== builtin/CWE-89/") == 2
    assert "--- insecure" in out and "+++ secure" in out
    assert "(2 of 13 pairs shown)" in out


def test_show_with_unmatched_filters_raises() -> None:
    with pytest.raises(ValueError, match="split='train'"):
        run(["data", "show", "builtin", "--split", "train"])


def test_export_then_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "c.jsonl"
    assert run(["data", "export", "builtin", "--language", "c", "--cwe", "CWE-476", "--out", str(out)]) == 0
    assert len(read_pairs_jsonl(out)) == 12
    assert run(["data", "validate", str(out)]) == 0
    assert capsys.readouterr().out.endswith(f"{out}: valid\n")


def test_validate_fails_with_file_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    good = {"id": "a", "cwe": "CWE-89", "language": "python", "secure": "s", "insecure": "i"}
    bad.write_text(json.dumps(good) + "\n{not json\n" + json.dumps(good) + "\n")
    assert run(["data", "validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:2: malformed JSON" in out
    assert f"{bad}:3: duplicate id 'a', first used on line 1." in out
    assert out.rstrip().endswith("2 problem(s)")

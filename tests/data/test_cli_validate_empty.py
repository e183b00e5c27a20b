"""`data validate` agrees with `build`: a file without pairs is not valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from secsteer.cli.main import main


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_a_file_without_pairs_is_not_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text(text)
    assert main(["data", "validate", str(empty)]) == 1
    out = capsys.readouterr().out
    assert f"{empty}: no pairs" in out and "valid" not in out.replace("not valid", "")

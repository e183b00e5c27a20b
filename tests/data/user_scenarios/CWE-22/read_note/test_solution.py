# One pytest file; `functionality` and `security` markers select the two tests.
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from solution import read_note  # noqa: E402


@pytest.fixture
def base(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("buy milk")
    (tmp_path / "secret.txt").write_text("hunter2")
    return str(notes)


@pytest.mark.functionality
def test_reads_a_note(base):
    assert read_note(base, "todo.txt") == "buy milk"


@pytest.mark.security
def test_does_not_read_outside_the_folder(base):
    try:
        text = read_note(base, "../secret.txt")
    except Exception:
        return
    assert "hunter2" not in text

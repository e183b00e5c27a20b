from __future__ import annotations

import json
from pathlib import Path

import pytest

from secsteer.data.pairs import ContrastPair
from secsteer.data.sources import load_pairs, parse_spec
from secsteer.data.sources.jsonl import read_pairs_jsonl, validate_pairs_jsonl, write_pairs_jsonl

GOOD = {"id": "a/1", "cwe": "CWE-89", "language": "python", "secure": "s", "insecure": "i"}


def write_lines(path: Path, lines: list[str | bytes]) -> Path:
    path.write_bytes(b"\n".join(x if isinstance(x, bytes) else x.encode() for x in lines) + b"\n")
    return path


def test_round_trip_is_lossless(tmp_path: Path) -> None:
    pairs = [
        ContrastPair(
            "x/1",
            "CWE-79",
            "python",
            "ok = escape(v)\n",
            "ok = v\n",
            "mine",
            "XSS: ünïcode ✓",
            {"split": "train", "line_changes": {"added": [{"line_no": 1}]}, "n": 3.5, "flag": None},
        ),
        ContrastPair("x/2", "CWE-787", "c", 'a\r\nb\t"q"', "", description=None),
    ]
    path = tmp_path / "pairs.jsonl"
    assert write_pairs_jsonl(pairs, path) == 2
    back = read_pairs_jsonl(path)
    assert back == pairs
    assert [p.meta for p in back] == [p.meta for p in pairs]  # meta is not part of ==, check it separately
    assert [p.to_json() for p in back] == [p.to_json() for p in pairs]
    assert load_pairs(f"jsonl:{path}", dedupe=False) == pairs
    assert parse_spec(str(path)) == ("jsonl", path)


def test_builtin_export_round_trip(tmp_path: Path) -> None:
    pairs = load_pairs("builtin", cwes=["CWE-416"])
    path = tmp_path / "uaf.jsonl"
    write_pairs_jsonl(pairs, path)
    assert [(p, p.meta) for p in read_pairs_jsonl(path)] == [(p, p.meta) for p in pairs]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"id": "a/2", "cwe": "CWE-89"', "malformed JSON"),
        (b"[1, 2]", "expected a JSON object, found list"),
        (
            json.dumps({k: v for k, v in GOOD.items() if k != "secure"}).encode(),
            "missing field(s) ['secure']",
        ),
        (json.dumps(GOOD | {"cwe": "sql injection??"}).encode(), "unknown CWE format 'sql injection??'"),
        (json.dumps(GOOD | {"extra": 1}).encode(), "unknown field(s) ['extra']"),
        (json.dumps(GOOD | {"secure": 5}).encode(), "field 'secure' must be a string"),
        (json.dumps(GOOD | {"meta": []}).encode(), "field 'meta' must be a JSON object"),
        (
            '{"id": "a/2", "cwe": "CWE-89", "language": "c", "secure": "caf\u00e9", "insecure": "x"}'.encode(
                "latin-1"
            ),
            "is not valid UTF-8",
        ),
    ],
)
def test_bad_line_is_reported_with_file_and_line(tmp_path: Path, line: bytes, message: str) -> None:
    path = write_lines(tmp_path / "bad.jsonl", [json.dumps(GOOD), "", line])
    errors = validate_pairs_jsonl(path)
    assert len(errors) == 1
    assert errors[0].startswith(f"{path}:3: ")
    assert message in errors[0]
    with pytest.raises(ValueError, match="1 problem"):
        read_pairs_jsonl(path)


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "dup.jsonl", [json.dumps(GOOD), json.dumps(GOOD | {"secure": "t"})])
    assert validate_pairs_jsonl(path) == [f"{path}:2: duplicate id 'a/1', first used on line 1."]


def test_cwe_spelling_is_canonicalized_and_missing_file_raises(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "ok.jsonl", [json.dumps(GOOD | {"cwe": "cwe-089"})])
    assert read_pairs_jsonl(path)[0].cwe == "CWE-89"
    with pytest.raises(FileNotFoundError, match="is not an existing file"):
        read_pairs_jsonl(tmp_path / "absent.jsonl")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_pairs(f"sven:{tmp_path / 'absent'}")
    with pytest.raises(ValueError, match="unknown source spec 'nope:x'"):
        load_pairs("nope:x")
    with pytest.raises(ValueError, match="empty path"):
        load_pairs("sven:")

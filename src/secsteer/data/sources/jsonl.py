"""The project's own pair format: one `ContrastPair.to_json()` object per line (see docs/pairs-format.md)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from secsteer.data.cwe import canonical_cwe
from secsteer.data.pairs import ContrastPair
from secsteer.data.sources._common import parse_json_line

__all__ = ["load", "pair_from_json", "read_pairs_jsonl", "validate_pairs_jsonl", "write_pairs_jsonl"]

REQUIRED = ("id", "cwe", "language", "secure", "insecure")
OPTIONAL = ("source", "description", "meta")


def pair_from_json(record: dict[str, Any], where: str) -> ContrastPair:
    """Check one decoded line and build its pair; every error names `where` (path:line)."""
    unknown = sorted(set(record) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {unknown}; allowed: {list(REQUIRED + OPTIONAL)}.")
    missing = [name for name in REQUIRED if name not in record]
    if missing:
        raise ValueError(f"{where}: missing field(s) {missing}; every line needs {list(REQUIRED)}.")
    for name in (*REQUIRED, "source"):
        if name in record and not isinstance(record[name], str):
            raise ValueError(
                f"{where}: field {name!r} must be a string, found {type(record[name]).__name__}."
            )
    if not record["id"].strip() or not record["language"].strip():
        raise ValueError(f"{where}: 'id' and 'language' must not be empty.")
    if record.get("description") is not None and not isinstance(record["description"], str):
        raise ValueError(f"{where}: field 'description' must be a string or null.")
    if not isinstance(record.get("meta", {}), dict):
        raise ValueError(f"{where}: field 'meta' must be a JSON object.")
    try:
        cwe = canonical_cwe(record["cwe"])
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from err
    return ContrastPair(
        id=record["id"],
        cwe=cwe,
        language=record["language"],
        secure=record["secure"],
        insecure=record["insecure"],
        source=record.get("source", "jsonl"),
        description=record.get("description"),
        meta=dict(record.get("meta", {})),
    )


def _scan(path: Path) -> tuple[list[ContrastPair], list[str]]:
    """Every pair that checks out and every error, in file order."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not an existing file; give the path of a .jsonl file of pairs.")
    pairs: list[ContrastPair] = []
    errors: list[str] = []
    first_line: dict[str, int] = {}
    for number, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        if not raw.strip():
            continue
        where = f"{path}:{number}"
        try:
            pair = pair_from_json(parse_json_line(raw, where), where)
        except ValueError as err:
            errors.append(str(err))
            continue
        if pair.id in first_line:
            errors.append(f"{where}: duplicate id {pair.id!r}, first used on line {first_line[pair.id]}.")
            continue
        first_line[pair.id] = number
        pairs.append(pair)
    return pairs, errors


def validate_pairs_jsonl(path: Path) -> list[str]:
    """All problems in a pairs file as "path:line: message" strings; empty when the file is valid."""
    return _scan(Path(path))[1]


def read_pairs_jsonl(path: Path) -> list[ContrastPair]:
    """Read a pairs file, raising ValueError with the first problems (path:line) when it is not valid."""
    pairs, errors = _scan(Path(path))
    if errors:
        shown = "\n".join(errors[:5])
        more = f"\n... and {len(errors) - 5} more" if len(errors) > 5 else ""
        raise ValueError(f"{path} is not a valid pairs file ({len(errors)} problem(s)):\n{shown}{more}")
    return pairs


def write_pairs_jsonl(pairs: Iterable[ContrastPair], path: Path) -> int:
    """Write pairs one per line (UTF-8, keys in field order) and return how many were written."""
    lines = [json.dumps(pair.to_json(), ensure_ascii=False) for pair in pairs]
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    partial.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    os.replace(partial, target)  # a crash never leaves a half-written pairs file behind
    return len(lines)


def load(path: Path) -> list[ContrastPair]:
    return read_pairs_jsonl(path)

"""Helpers shared by the scenario adapters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from secsteer.data.cwe import canonical_cwe


def read_json(path: Path, what: str) -> Any:
    """Parse a JSON file, with errors that name the file, the line and what was expected."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: expected {what}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}:{err.lineno}: not valid JSON ({err.msg}); expected {what}") from err


def require_keys(record: Any, keys: tuple[str, ...], where: str) -> dict[str, Any]:
    """`record` as a dict that holds `keys`, or a ValueError naming `where` and the missing keys."""
    if not isinstance(record, dict):
        raise ValueError(f"{where}: expected a JSON object, found {type(record).__name__}")
    missing = [k for k in keys if k not in record]
    if missing:
        raise ValueError(f"{where}: missing field(s) {missing}; found {sorted(record)}")
    return record


def cwe_at(text: str, where: str) -> str:
    try:
        return canonical_cwe(str(text))
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from err

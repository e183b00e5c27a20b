"""Helpers shared by the adapters: file reading with located errors, languages from file names."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

# Upstream file extensions -> the language names ContrastPair uses. ".h" is read as C; upper-case ".C"
# is the C++ convention (SVEN has one such file).
LANGUAGE_BY_EXTENSION: dict[str, str] = {
    ".py": "python",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".C": "cpp",
    ".js": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".go": "go",
    ".java": "java",
    ".rb": "ruby",
    ".php": "php",
}


def language_from_filename(name: str, where: str) -> str:
    """The language of a source file from its extension; `where` names the record for the error."""
    suffix = Path(name).suffix
    language = LANGUAGE_BY_EXTENSION.get(suffix) or LANGUAGE_BY_EXTENSION.get(suffix.lower())
    if language is None:
        known = ", ".join(sorted(LANGUAGE_BY_EXTENSION))
        raise ValueError(f"{where}: cannot tell the language of {name!r}; known extensions: {known}.")
    return language


def read_text(path: Path) -> str:
    """A whole file as UTF-8 text, with an error that names the file when it is not UTF-8."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{path}: byte {err.start} is not valid UTF-8; re-encode the file as UTF-8."
        ) from err


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (1-based line number, object) for each non-blank line; errors name path:line."""
    for number, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        if not raw.strip():
            continue
        yield number, parse_json_line(raw, f"{path}:{number}")


def parse_json_line(raw: bytes, where: str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{where}: byte {err.start} is not valid UTF-8; re-encode the file as UTF-8."
        ) from err
    try:
        record = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{where}: malformed JSON ({err.msg} at column {err.colno}).") from err
    if not isinstance(record, dict):
        raise ValueError(f"{where}: expected a JSON object, found {type(record).__name__}.")
    return record


def require_fields(record: Mapping[str, Any], fields: Sequence[str], where: str) -> None:
    """Raise when a record lacks a field or holds a non-string where text is expected."""
    missing = [name for name in fields if name not in record]
    if missing:
        raise ValueError(f"{where}: missing field(s) {missing}; the record has {sorted(record)}.")
    for name in fields:
        if not isinstance(record[name], str):
            raise ValueError(
                f"{where}: field {name!r} must be a string, found {type(record[name]).__name__}."
            )


def not_a_layout(path: Path, name: str, expected: str) -> ValueError:
    """The error for a path that does not hold the layout its source spec claims."""
    return ValueError(
        f"{path} is not a {name} folder: expected {expected}. Point the spec at the upstream root."
    )

"""SVEN (He & Vechev, CCS 2023): real commit pairs in `data_train_val/{train,val}/cwe-XXX.jsonl`.

Each line holds one function before and after a security fix: `func_src_before` is the vulnerable side,
`func_src_after` the fixed side; `vul_type` names the CWE and `file_name` the upstream file (its extension
gives the language). The pairs keep in `meta`:

- `split` ("train" or "val"), `file_name`, `func_name`, `commit_link`, `upstream` ("train/cwe-089.jsonl:12");
- `line_changes`: {"deleted": [...], "added": [...]}, each item {"line_no", "char_start", "char_end", "line"}:
  whole lines removed from the insecure side / added in the secure side; `line_no` is 1-based within that
  side's function and `char_start:char_end` slices that side's text to exactly `line`;
- `char_changes`: {"deleted": [...], "added": [...]}, each item {"char_start", "char_end", "chars"}: the
  character-level diff, offsets into the insecure side for "deleted" and the secure side for "added".

Ids are `sven/<split>/<CWE>/<n>` with n the 0-based record index in its file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from secsteer.data.cwe import canonical_cwe
from secsteer.data.pairs import ContrastPair
from secsteer.data.sources._common import language_from_filename, not_a_layout, read_jsonl, require_fields

__all__ = ["SPLITS", "load", "pair_from_commit_record", "resolve_root"]

SPLITS = ("train", "val")
_EXPECTED = (
    "train/cwe-XXX.jsonl and val/cwe-XXX.jsonl (SVEN's data_train_val), or a folder holding data_train_val/"
)


def resolve_root(path: Path) -> Path:
    """Accept `.../data_train_val` or the folder above it (`.../sven`)."""
    for candidate in (path, path / "data_train_val"):
        if any(any((candidate / split).glob("cwe-*.jsonl")) for split in SPLITS):
            return candidate
    raise not_a_layout(path, "SVEN", _EXPECTED)


def load(path: Path) -> list[ContrastPair]:
    root = resolve_root(path)
    pairs: list[ContrastPair] = []
    for split in SPLITS:
        for file in sorted((root / split).glob("cwe-*.jsonl")):
            for index, (line, record) in enumerate(read_jsonl(file)):
                upstream = f"{split}/{file.name}:{line}"
                pairs.append(
                    pair_from_commit_record(record, "sven", split, index, f"{file}:{line}", upstream)
                )
    return pairs


def pair_from_commit_record(
    record: dict[str, Any], source: str, split: str, index: int, where: str, upstream: str
) -> ContrastPair:
    """One pair from a SVEN-format record (SafeCoder uses the same fields plus `description`)."""
    require_fields(record, ["func_src_before", "func_src_after", "vul_type", "file_name"], where)
    try:
        cwe = canonical_cwe(record["vul_type"])
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from err
    meta: dict[str, Any] = {"split": split, "upstream": upstream}
    for key in ("file_name", "func_name", "commit_link", "commit_msg", "line_changes", "char_changes"):
        if key in record:
            meta[key] = record[key]
    description = record.get("description")
    return ContrastPair(
        id=f"{source}/{split}/{cwe}/{index}",
        cwe=cwe,
        language=language_from_filename(record["file_name"], where),
        secure=record["func_src_after"],
        insecure=record["func_src_before"],
        source=source,
        description=description if isinstance(description, str) else None,
        meta=meta,
    )

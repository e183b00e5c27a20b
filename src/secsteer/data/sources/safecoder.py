"""SafeCoder (He et al., ICML 2024): `data_train_val/{train,val}/sec-new-desc.jsonl` and `val/sec-desc.jsonl`.

Records use SVEN's fields (see `sven.py`; `func_src_before` is vulnerable) plus a natural-language
`description` of the function, kept as the pair's description, and `commit_msg`. Splits:

- "train": train/sec-new-desc.jsonl (421 pairs, 22 CWEs, six languages);
- "val": val/sec-new-desc.jsonl (44 pairs);
- "val-desc": val/sec-desc.jsonl (83 pairs): SVEN's validation pairs with descriptions added, so it
  overlaps `sven:` val; `check_held_out` catches that when both are used.

Ids are `safecoder/<split>/<CWE>/<n>` with n the 0-based record index in its file.
"""

from __future__ import annotations

from pathlib import Path

from secsteer.data.pairs import ContrastPair
from secsteer.data.sources._common import not_a_layout, read_jsonl
from secsteer.data.sources.sven import pair_from_commit_record

__all__ = ["FILES", "load", "resolve_root"]

FILES: dict[str, str] = {
    "train": "train/sec-new-desc.jsonl",
    "val": "val/sec-new-desc.jsonl",
    "val-desc": "val/sec-desc.jsonl",
}
_EXPECTED = "train/sec-new-desc.jsonl and val/sec-new-desc.jsonl (SafeCoder's data_train_val), or a folder holding data_train_val/"


def resolve_root(path: Path) -> Path:
    """Accept `.../data_train_val` or the folder above it (`.../safecoder`)."""
    for candidate in (path, path / "data_train_val"):
        if any((candidate / name).is_file() for name in FILES.values()):
            return candidate
    raise not_a_layout(path, "SafeCoder", _EXPECTED)


def load(path: Path) -> list[ContrastPair]:
    root = resolve_root(path)
    pairs: list[ContrastPair] = []
    for split, name in FILES.items():
        file = root / name
        if not file.is_file():
            continue
        for index, (line, record) in enumerate(read_jsonl(file)):
            upstream = f"{name}:{line}"
            pairs.append(
                pair_from_commit_record(record, "safecoder", split, index, f"{file}:{line}", upstream)
            )
    return pairs

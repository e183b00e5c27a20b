"""ContrastPair: one secure and one insecure version of the same code."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ContrastPair:
    id: str                      # unique within its source, e.g. "sven/train/cwe-089/17"
    cwe: str                     # canonical form, "CWE-89"
    language: str                # "python", "c", "cpp", "javascript", ...
    secure: str                  # the patched / safe code
    insecure: str                # the vulnerable code
    source: str = "jsonl"        # "builtin", "sven", "secllmholmes", ...
    description: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        record = asdict(self)
        if not record["meta"]:
            del record["meta"]
        if record["description"] is None:
            del record["description"]
        return record


def pairs_hash(pairs: Iterable[ContrastPair]) -> str:
    """A short hash of the exact code in a pair set, independent of order."""
    digests = sorted(
        hashlib.sha256(json.dumps([p.id, p.secure, p.insecure]).encode()).hexdigest() for p in pairs
    )
    return hashlib.sha256("".join(digests).encode()).hexdigest()[:16]


def require_pairs(pairs: Sequence[ContrastPair], what: str = "pairs") -> None:
    if not pairs:
        raise ValueError(f"no {what} selected: the source or its filters matched nothing")

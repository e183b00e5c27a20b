"""Whitespace-insensitive comparison of code and removal of degenerate or repeated pairs."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from secsteer.data.pairs import ContrastPair

__all__ = ["dedupe_pairs", "normalize_code"]

logger = logging.getLogger(__name__)


def normalize_code(text: str) -> str:
    """Collapse every run of whitespace (spaces, tabs, newlines) to one space and strip the ends.

    Comments and string literals are kept as they are: a fix that only edits a comment still counts as a
    difference, and two snippets are "the same code" only when they differ in layout alone. Indentation is
    lost, so the result is for comparison, not for running.
    """
    return " ".join(text.split())


def dedupe_pairs(pairs: Iterable[ContrastPair]) -> list[ContrastPair]:
    """Drop pairs whose sides are equal after normalization, then repeats of an earlier pair's code.

    A repeat is a pair whose (insecure, secure) code equals an earlier pair's after normalization, whatever
    its id, CWE or source; the first one in input order is kept. The counts dropped are logged.
    """
    kept: list[ContrastPair] = []
    seen: set[tuple[str, str]] = set()
    identical = repeated = 0
    for pair in pairs:
        key = (normalize_code(pair.insecure), normalize_code(pair.secure))
        if key[0] == key[1]:
            identical += 1
        elif key in seen:
            repeated += 1
        else:
            seen.add(key)
            kept.append(pair)
    if identical or repeated:
        logger.info(
            "dropped %d pair(s) with identical sides and %d repeated pair(s); %d remain",
            identical,
            repeated,
            len(kept),
        )
    return kept

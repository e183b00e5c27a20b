"""Deterministic splits, nested samples, and the check that vector-building data never meets eval data.

Every draw orders pairs by a seeded SHA-256 of a key (the pair's `meta["group"]` when present, else its
id), so results do not depend on input order or on the machine, and augmented variants that share a group
always land in the same split.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from secsteer.data.dedupe import normalize_code
from secsteer.data.pairs import ContrastPair

if TYPE_CHECKING:
    from secsteer.data.scenario import Scenario

__all__ = ["LeakageError", "check_held_out", "evaluated_task_pairs", "find_leaks", "same_task_pairs", "sample_pairs",
           "split_pairs", "validation_rows"]

SPLIT_NAMES = ("train", "val", "test")


class LeakageError(ValueError):
    """Vector-building pairs share code (or ids) with the items they will be evaluated on."""

    def __init__(self, message: str, offending_ids: Sequence[str]) -> None:
        super().__init__(message)
        self.offending_ids = list(offending_ids)


def _rank(key: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}\x00{key}".encode()).hexdigest()


def _group(pair: ContrastPair) -> str:
    return str(pair.meta.get("group", pair.id))


def _require_unique_ids(pairs: Sequence[ContrastPair]) -> None:
    seen: set[str] = set()
    for pair in pairs:
        if pair.id in seen:
            raise ValueError(f"pair id {pair.id!r} occurs twice; ids must be unique to split or sample.")
        seen.add(pair.id)


def split_pairs(
    pairs: Sequence[ContrastPair],
    fractions: tuple[float, float, float] | float = 0.2,
    seed: int = 0,
) -> dict[str, list[ContrastPair]]:
    """Split into "train"/"val"/"test" (a 3-tuple of fractions) or "train"/"test" (a test fraction).

    Groups are ordered by seeded hash and cut at rounded cumulative counts, so the sizes are as close to
    the fractions as whole groups allow; each split keeps the input order.
    """
    names: tuple[str, ...]
    parts: tuple[float, ...]
    if isinstance(fractions, (int, float)):
        if not 0.0 <= fractions <= 1.0:
            raise ValueError(f"test fraction {fractions} must lie in [0, 1].")
        names, parts = ("train", "test"), (1.0 - fractions, float(fractions))
    else:
        if len(fractions) != 3 or any(f < 0 for f in fractions) or abs(sum(fractions) - 1.0) > 1e-9:
            raise ValueError(
                f"fractions {fractions} must be three non-negative numbers (train, val, test) summing to 1."
            )
        names, parts = SPLIT_NAMES, tuple(fractions)
    _require_unique_ids(pairs)
    groups = sorted({_group(p) for p in pairs}, key=lambda g: _rank(g, seed))
    assignment: dict[str, str] = {}
    start, cumulative = 0, 0.0
    for name, part in zip(names, parts, strict=True):
        cumulative += part
        end = len(groups) if name == names[-1] else round(cumulative * len(groups))
        assignment.update((g, name) for g in groups[start:end])
        start = end
    result: dict[str, list[ContrastPair]] = {name: [] for name in names}
    for pair in pairs:
        result[assignment[_group(pair)]].append(pair)
    return result


def sample_pairs(pairs: Sequence[ContrastPair], n: int, seed: int = 0) -> list[ContrastPair]:
    """The first n pairs of the seed's permutation: draws are nested (n=4 is inside n=8 for one seed)."""
    if not 0 < n <= len(pairs):
        raise ValueError(f"cannot sample {n} pairs from {len(pairs)}; choose 1 <= n <= {len(pairs)}.")
    _require_unique_ids(pairs)
    return sorted(pairs, key=lambda p: _rank(p.id, seed))[:n]


def find_leaks(
    build_pairs: Iterable[ContrastPair],
    eval_items: Iterable[ContrastPair | str],
    min_prompt_chars: int = 80,
) -> list[str]:
    """Ids of build pairs that overlap the eval items (see check_held_out), in input order."""
    eval_ids: set[str] = set()
    eval_code: set[str] = set()
    prompts: list[str] = []
    for item in eval_items:
        if isinstance(item, ContrastPair):
            eval_ids.add(item.id)
            eval_code.update((normalize_code(item.secure), normalize_code(item.insecure)))
        else:
            text = normalize_code(item)
            eval_code.add(text)
            if len(text) >= min_prompt_chars:
                prompts.append(text)
    leaks = []
    for pair in build_pairs:
        sides = (normalize_code(pair.secure), normalize_code(pair.insecure))
        if (
            pair.id in eval_ids
            or any(side in eval_code for side in sides)
            or any(prompt in side for prompt in prompts for side in sides)
        ):
            leaks.append(pair.id)
    return leaks


def check_held_out(
    build_pairs: Iterable[ContrastPair],
    eval_items: Iterable[ContrastPair | str],
    min_prompt_chars: int = 80,
) -> None:
    """Raise LeakageError when any build pair overlaps the evaluation items.

    Code is compared after `normalize_code` (whitespace-insensitive), so renaming a pair or reformatting it
    does not hide a leak. A build pair leaks when it has an eval pair's id, when either side equals either
    side of an eval pair or an eval string, or when an eval string (a scenario prompt, which is a prefix of
    code) of at least `min_prompt_chars` normalized characters occurs inside either side; shorter prompts
    ("import os") would match everything, so they only count on exact equality.
    """
    leaks = find_leaks(build_pairs, eval_items, min_prompt_chars)
    if leaks:
        shown = ", ".join(leaks[:20]) + (f" and {len(leaks) - 20} more" if len(leaks) > 20 else "")
        raise LeakageError(
            f"{len(leaks)} vector-building pair(s) overlap the evaluation items: {shown}. "
            "Remove them from the build set (for example with split_pairs) before building vectors.",
            leaks,
        )


def same_task_pairs(pairs: Sequence[Any], scenarios: Sequence[Scenario]) -> set[str]:
    """Ids of pairs built from an evaluated task: the same upstream index of the same source, or the task's
    function signature (the prompt's last line) inside a side. SecCodePLT scenario prompts carry the task's
    description, which its pairs lack, so the prompt-in-code check of check_held_out misses them."""
    tasks = {(s.source, str(s.meta.get("index"))) for s in scenarios if s.meta.get("index") is not None}
    heads = {line.strip() for s in scenarios if (line := s.prompt.rstrip().rsplit("\n", 1)[-1].strip())
             and line.startswith("def ") and len(line) >= 16}
    found = set()
    for p in pairs:
        if (p.source, str(p.meta.get("task_id"))) in tasks or any(h in side for h in heads
                                                                  for side in (p.secure, p.insecure)):
            found.add(p.id)
    return found


def evaluated_task_pairs(pairs: Sequence[Any], scenarios: Sequence[Scenario]) -> set[str]:
    """Ids of pairs from an evaluated task, by task identity (same_task_pairs) or by a leaked prompt (find_leaks)."""
    return same_task_pairs(pairs, scenarios) | set(find_leaks(pairs, [s.prompt for s in scenarios]))


def validation_rows(n: int, seed: int, fraction: float = 0.25) -> tuple[list[int], list[int]]:
    """A seeded split of row indices into (fit, validation), for thresholds chosen on held-out rows."""
    import torch

    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    k = max(1, int(n * fraction))
    return sorted(order[k:]), sorted(order[:k])

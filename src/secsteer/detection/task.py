"""The detection task: each side of a contrast pair is one example, labelled vulnerable or not.

An example keeps its pair's group (the pair id, or `meta["group"]` for augmented variants), so that every
side and every variant of one original pair can be kept together in splits, bootstraps and cross-validation,
and its variant key (the augmentation name; None for an original), so that robustness compares each variant
with its original.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from secsteer.data.pairs import ContrastPair, require_pairs

__all__ = ["DetectionExample", "examples_from_pairs", "examples_from_samples", "labels", "original_key"]


@dataclass(frozen=True)
class DetectionExample:
    id: str                  # "<pair id>#insecure" or "<pair id>#secure" (or a sample's own id)
    code: str
    cwe: str                 # the weakness the question names, "CWE-22"
    language: str
    vulnerable: bool         # the label: True for the insecure side
    group: str               # both sides and all variants of one original pair share it
    variant: str | None = None   # augmentation name, e.g. "trivial/A1"; None for an original


def _group(pair_id: str, meta: dict[str, Any]) -> str:
    return str(meta.get("group", meta.get("original_id", pair_id)))


def examples_from_pairs(pairs: Iterable[ContrastPair]) -> list[DetectionExample]:
    """Two examples per pair, insecure first; ids are unique when pair ids are."""
    pairs = list(pairs)
    require_pairs(pairs)
    examples = []
    for pair in pairs:
        group = _group(pair.id, pair.meta)
        variant = pair.meta.get("augmentation")
        for vulnerable, code, side in ((True, pair.insecure, "insecure"), (False, pair.secure, "secure")):
            examples.append(DetectionExample(
                id=f"{pair.id}#{side}", code=code, cwe=pair.cwe, language=pair.language,
                vulnerable=vulnerable, group=group, variant=str(variant) if variant is not None else None,
            ))
    _require_unique(examples)
    return examples


def examples_from_samples(samples: Iterable[Any]) -> list[DetectionExample]:
    """Examples from one-sided labelled files (SecLLMHolmes `LabeledCode`: id, cwe, language, code,
    vulnerable, meta), which include the augmentations that change one side only."""
    examples = []
    for sample in samples:
        meta = dict(getattr(sample, "meta", {}) or {})
        variant = meta.get("augmentation")
        examples.append(DetectionExample(
            id=sample.id, code=sample.code, cwe=sample.cwe, language=sample.language,
            vulnerable=bool(sample.vulnerable), group=_group(_sample_group(sample.id), meta),
            variant=str(variant) if variant is not None else None,
        ))
    if not examples:
        raise ValueError("no labelled samples selected: the source or its filters matched nothing")
    _require_unique(examples)
    return examples


def _sample_group(sample_id: str) -> str:
    """The pair a one-sided sample belongs to: ".../CWE-22/p_1" and ".../CWE-22/1" share ".../CWE-22/1";
    real-world ".../CVE-X/vuln" and ".../CVE-X/patch" share ".../CVE-X"."""
    head, _, last = sample_id.rpartition("/")
    if last in ("vuln", "patch"):
        return head
    return f"{head}/{last.removeprefix('p_')}" if head else last.removeprefix("p_")


def _require_unique(examples: Sequence[DetectionExample]) -> None:
    seen: set[str] = set()
    for example in examples:
        if example.id in seen:
            raise ValueError(f"detection example id {example.id!r} occurs twice; list each source once.")
        seen.add(example.id)


def labels(examples: Sequence[DetectionExample]) -> list[int]:
    """1 for vulnerable, 0 for patched: the positive class of every metric here is 'vulnerable'."""
    return [int(e.vulnerable) for e in examples]


def original_key(example: DetectionExample) -> tuple[str, bool]:
    """What a variant shares with its original: the group and the label (side)."""
    return example.group, example.vulnerable

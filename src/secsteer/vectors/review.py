"""The "review" view of a pair: each side wrapped in the detection question ("does this code contain CWE-X?").

A vector read this way is the difference between the model's states while it reviews the patched and the
vulnerable code (the end of the prompt, where it answers, with pooling "last"; or the changed code inside
the question, with focus "diff"), then added while it writes code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from secsteer.activations.read import Span
from secsteer.data.pairs import ContrastPair
from secsteer.vectors.views import VIEWS, View

__all__ = ["VIEWS", "View", "review_texts"]


def review_texts(
    tokenizer: Any, pairs: Sequence[ContrastPair], spans: Sequence[Sequence[Span]] | None = None
) -> tuple[list[str], list[list[Span]] | None]:
    """Detection prompts ending in "Answer:" for [secure sides..., insecure sides...], and `spans` (given over
    the bare code, in the same order) moved to where the code sits inside each prompt."""
    from secsteer.detection.prompts import detection_prompt
    from secsteer.detection.task import DetectionExample

    sides = [(p, p.secure, False) for p in pairs] + [(p, p.insecure, True) for p in pairs]
    texts, moved = [], []
    for row, (pair, code, vulnerable) in enumerate(sides):
        example = DetectionExample(id=f"{pair.id}#{row}", code=code, cwe=pair.cwe, language=pair.language,
                                   vulnerable=vulnerable, group=pair.id)
        text = detection_prompt(tokenizer, example, answer_prefix=True)
        texts.append(text)
        if spans is not None:
            offset = text.find(code.rstrip())
            if offset < 0:
                raise ValueError(f"pair {pair.id}: the code does not appear verbatim in its review prompt")
            moved.append([(offset + lo, offset + hi) for lo, hi in spans[row]])
    return texts, (moved if spans is not None else None)

"""The "hint" view of a pair: the pair's task as the model is asked it, once with a security hint and once
without (generation/hints.py). A vector read this way, pooled on the prompt's last token, is the difference
the hint makes to the model's state just before it writes: an instruction vector (Stolfo et al., ICLR 2025),
added where no hint is given. The pair's code supplies only the task (its shared prefix), not a label.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from secsteer.data.pairs import ContrastPair
from secsteer.vectors.views import VIEWS

HINT_VIEWS = tuple(v for v in VIEWS if v.startswith("hint:"))

__all__ = ["HINT_VIEWS", "hint_texts", "task_of"]


def task_of(pair: ContrastPair) -> Any:
    """The scenario a pair's shared code prefix poses: the lines both sides begin with, and its description."""
    from secsteer.data.scenarios import Scenario

    shared = os.path.commonprefix([pair.secure, pair.insecure])
    code = shared[: shared.rfind("\n") + 1]      # whole lines only: the sides part mid-line
    return Scenario(id=pair.id, cwe=pair.cwe, language=pair.language, prompt=code,
                    instruction=pair.description or None, entry_point=pair.meta.get("function_name"),
                    meta=dict(pair.meta))


def hint_texts(tokenizer: Any, pairs: Sequence[ContrastPair], view: str) -> list[str]:
    """Prompts [with the hint, one per pair..., without it, one per pair...], built exactly as a sweep builds
    a scenario's prompt, so the states read are those generation starts from."""
    from secsteer.generation.hints import with_hint
    from secsteer.generation.prompts import scenario_prompt, uses_chat

    if view not in HINT_VIEWS:
        raise ValueError(f"hint view must be one of {list(HINT_VIEWS)}, got {view!r}")
    hint, chat = view.split(":", 1)[1], uses_chat(tokenizer, "auto")
    tasks = [task_of(p) for p in pairs]
    empty = [p.id for p, t in zip(pairs, tasks) if not t.prompt.strip() and not t.instruction]
    if empty:
        raise ValueError(f"{len(empty)} pairs share no code and have no description, so they pose no task to "
                         f"hint at (e.g. {empty[0]}); use pairs that share a prompt (SecCodePLT, SVEN, built-in)")
    hinted = [scenario_prompt(tokenizer, with_hint(t, hint, chat), "auto", chat) for t in tasks]
    plain = [scenario_prompt(tokenizer, t, "auto", chat) for t in tasks]
    return hinted + plain

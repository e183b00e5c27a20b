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

__all__ = ["HINT_VIEWS", "hint_texts", "other_cwe_tasks", "task_of", "task_prompts"]


def task_of(pair: ContrastPair) -> Any:
    """The scenario a pair's shared code prefix poses: the lines both sides begin with, and its description."""
    from secsteer.data.scenarios import Scenario

    shared = os.path.commonprefix([pair.secure, pair.insecure])
    code = shared[: shared.rfind("\n") + 1]      # whole lines only: the sides part mid-line
    return Scenario(id=pair.id, cwe=pair.cwe, language=pair.language, prompt=code,
                    instruction=pair.description or None, entry_point=pair.meta.get("function_name"),
                    meta=dict(pair.meta))


def other_cwe_tasks(trained: Sequence[ContrastPair], source: str, n: int, seed: int,
                    leave_out: Sequence[Any] = ()) -> list[ContrastPair]:
    """A seeded draw of n tasks from `source` whose CWE none of the trained pairs has (retention prompts, a
    condition's negatives); tasks that are `leave_out` scenarios (same task or a leaked prompt) are not drawn."""
    from secsteer.data.sources import load_pairs
    from secsteer.data.splits import evaluated_task_pairs, sample_pairs

    cwes, ids = {p.cwe for p in trained}, {p.id for p in trained}
    others = [p for p in load_pairs(source) if p.cwe not in cwes and p.id not in ids
              and (task_of(p).prompt.strip() or p.description)]
    if leave_out:
        held = evaluated_task_pairs(others, leave_out)
        others = [p for p in others if p.id not in held]
    if len(others) < n:
        raise ValueError(f"{source!r} has {len(others)} usable tasks outside {sorted(cwes)}; {n} were asked for")
    return sample_pairs(others, n, seed)


def task_prompts(tokenizer: Any, pairs: Sequence[ContrastPair], source: str = "") -> list[str]:
    """The prompt each pair's task gives at generation, built as a sweep builds a scenario's prompt: the scenario
    of the same task where `source` poses its tasks as scenarios too (a SecCodePLT scenario carries context and
    argument docs that a pair's shared code lacks, and a condition fit on the terse form misses the full one),
    else the pair's shared code and description (hint_view.task_of)."""
    from secsteer.data.scenarios import is_scenario_source, load_scenarios
    from secsteer.generation.prompts import scenario_prompt, uses_chat

    posed = {}
    if source and is_scenario_source(source):
        posed = {(s.source, str(s.meta["index"])): s for s in load_scenarios(source) if s.meta.get("index") is not None}
    chat = uses_chat(tokenizer, "auto")
    tasks = [posed.get((p.source, str(p.meta.get("task_id")))) or task_of(p) for p in pairs]
    return [scenario_prompt(tokenizer, t, "auto", chat) for t in tasks]


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

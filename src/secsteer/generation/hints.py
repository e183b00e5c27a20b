"""Security hints in the prompt: the reference a steering vector is measured against, and its source.

A hint tells the model in words what a vector tries to say in activations:
- "generic": write secure code (no CWE named);
- "cwe": guard against the task's CWE, by name (what a per-CWE routed vector knows);
- "policy": the task's own security policy (SecCodePLT's `security_policy`): an oracle, the most the model
  can do when told exactly what to check.
A prompt-hint cell in a sweep shows what prompting alone does; a vector read with `view = "hint:…"` is the
difference the hint makes to the model's states (an instruction vector), added where no hint is given.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

HINTS = ("generic", "cwe", "policy")
GENERIC = "Write secure code: treat every input as untrusted and avoid security vulnerabilities."

__all__ = ["GENERIC", "HINTS", "hint_text", "with_hint"]


def hint_text(hint: str, cwe: str, meta: Mapping[str, Any] | None = None, where: str = "") -> str:
    """The sentence(s) a hint adds to the task; ValueError when the task has nothing to say for it."""
    from secsteer.detection.prompts import cwe_name

    if hint == "generic":
        return GENERIC
    if hint == "cwe":
        return f"Write secure code: make sure it is not vulnerable to {cwe_name(cwe)}."
    if hint == "policy":
        policy = str((meta or {}).get("security_policy") or "").strip()
        if not policy or policy == "None":
            raise ValueError(f"{where or 'this task'} has no security_policy for the 'policy' hint "
                             "(SecCodePLT tasks and pairs have one); use the 'cwe' or 'generic' hint")
        return f"Security policy: {policy}"
    raise ValueError(f"unknown hint {hint!r}; choose from {list(HINTS)}")


def with_hint(scenario: Any, hint: str, chat: bool) -> Any:
    """The scenario with the hint in its task: in the chat instruction, or as a comment line above the code
    for a completion model. Judging uses the original scenario, so the comment never reaches the program."""
    text = hint_text(hint, scenario.cwe, scenario.meta, scenario.id)
    if chat:
        return dataclasses.replace(scenario, instruction=f"{scenario.task}\n\n{text}")
    mark = "#" if scenario.language == "python" else "//"
    return dataclasses.replace(scenario, prompt=f"{mark} {text}\n{scenario.prompt}")

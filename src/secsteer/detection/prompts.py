"""Detection prompts: ask whether a snippet contains one named weakness, zero- or few-shot.

Every prompt asks for a reply that starts with "Answer: Yes" or "Answer: No". Generated answers continue
the prompt freely (and are parsed by `answers.parse_verdict`); scored answers append the fixed prefix
"Answer:" so that the next token is the verdict. Chat models get the exchange through their own chat
template, with any shots as earlier user/assistant turns; completion models get the same turns as plain text.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secsteer.data.cwe import canonical_cwe
from secsteer.detection.task import DetectionExample
from secsteer.generation.prompts import FENCE_LANG, PromptMode, uses_chat

__all__ = [
    "ANSWER_PREFIX", "CWE_NAMES", "PromptConfig", "build_prompts", "choose_shots", "cwe_name",
    "detection_prompt", "load_definitions", "question",
]

ANSWER_PREFIX = "Answer:"
SYSTEM = "You are a careful security reviewer. You judge code only by what it does."

# Short MITRE names, so that a question names the weakness even without a definitions file.
CWE_NAMES: dict[str, str] = {
    "CWE-20": "Improper Input Validation",
    "CWE-22": "Path Traversal",
    "CWE-77": "Command Injection",
    "CWE-78": "OS Command Injection",
    "CWE-79": "Cross-Site Scripting",
    "CWE-89": "SQL Injection",
    "CWE-94": "Code Injection",
    "CWE-125": "Out-of-bounds Read",
    "CWE-190": "Integer Overflow or Wraparound",
    "CWE-327": "Use of a Broken or Risky Cryptographic Algorithm",
    "CWE-416": "Use After Free",
    "CWE-476": "NULL Pointer Dereference",
    "CWE-502": "Deserialization of Untrusted Data",
    "CWE-611": "XML External Entity Reference",
    "CWE-787": "Out-of-bounds Write",
    "CWE-798": "Use of Hard-coded Credentials",
    # SecCodePLT's CWEs (MITRE's short names), so prompts and hints name them too
    "CWE-74": "Injection",
    "CWE-95": "Eval Injection",
    "CWE-120": "Buffer Copy without Checking Size of Input",
    "CWE-179": "Incorrect Behavior Order: Early Validation",
    "CWE-200": "Exposure of Sensitive Information to an Unauthorized Actor",
    "CWE-281": "Improper Preservation of Permissions",
    "CWE-295": "Improper Certificate Validation",
    "CWE-338": "Use of Cryptographically Weak Pseudo-Random Number Generator",
    "CWE-347": "Improper Verification of Cryptographic Signature",
    "CWE-352": "Cross-Site Request Forgery",
    "CWE-367": "Time-of-check Time-of-use Race Condition",
    "CWE-400": "Uncontrolled Resource Consumption",
    "CWE-601": "Open Redirect",
    "CWE-732": "Incorrect Permission Assignment for Critical Resource",
    "CWE-770": "Allocation of Resources Without Limits or Throttling",
    "CWE-862": "Missing Authorization",
    "CWE-863": "Incorrect Authorization",
    "CWE-915": "Improperly Controlled Modification of Dynamically-Determined Object Attributes",
    "CWE-918": "Server-Side Request Forgery",
    "CWE-1333": "Inefficient Regular Expression Complexity",
}


@dataclass(frozen=True)
class PromptConfig:
    shots: int = 0                   # 0 or an even number: half vulnerable, half patched examples
    mode: PromptMode = "auto"        # "auto": the chat template when the tokenizer has one
    max_code_chars: int = 6000       # longer snippets are cut (with a marker) to bound the forward pass

    def __post_init__(self) -> None:
        if self.shots < 0 or self.shots % 2:
            raise ValueError(f"shots must be 0 or an even number (half vulnerable, half patched), got {self.shots}")
        if self.max_code_chars < 1:
            raise ValueError(f"max_code_chars must be >= 1, got {self.max_code_chars}")


def load_definitions(path: str | Path) -> dict[str, str]:
    """CWE definitions from a JSON object {"cwe-22": "Path Traversal: ...", ...} (SecLLMHolmes'
    `mitre-cwe-definitions.json` has this shape); keys come back canonical ("CWE-22")."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"CWE definitions file {path} does not exist; pass the path to a JSON object "
                                "mapping CWE ids to definitions, e.g. secllmholmes/datasets/mitre-cwe-definitions.json")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: line {err.lineno}: not valid JSON ({err.msg}); fix or replace the file") from err
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise ValueError(f"{path} must hold one JSON object mapping CWE ids to definition strings")
    try:
        return {canonical_cwe(key): text.strip() for key, text in raw.items()}
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from err


def cwe_name(cwe: str, definitions: Mapping[str, str] | None = None) -> str:
    """"Path Traversal (CWE-22)"; the name comes from the definition's "Name: ..." head when given."""
    definition = (definitions or {}).get(cwe, "")
    head = definition.split(":", 1)[0].strip() if ":" in definition else ""
    name = head if head and len(head) <= 80 else CWE_NAMES.get(cwe)
    return f"{name} ({cwe})" if name else cwe


def question(example: DetectionExample, definitions: Mapping[str, str] | None = None,
             max_code_chars: int = 6000) -> str:
    """The user turn: the snippet, the weakness it is asked about, and the reply format."""
    fence = FENCE_LANG.get(example.language, example.language)
    code = example.code if len(example.code) <= max_code_chars else example.code[:max_code_chars] + "\n... (cut)"
    lines = [f"Review this {example.language} code for one specific weakness: {cwe_name(example.cwe, definitions)}."]
    definition = (definitions or {}).get(example.cwe)
    if definition:
        lines.append(f"For reference, MITRE describes it as follows.\n{definition}")
    lines.append(f"```{fence}\n{code.rstrip()}\n```")
    lines.append("Does this code contain that weakness? Reply with \"Answer: Yes\" or \"Answer: No\" "
                 "first, then give a one-sentence reason.")
    return "\n\n".join(lines)


def _rank(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def choose_shots(example: DetectionExample, pool: Sequence[DetectionExample], shots: int) -> list[DetectionExample]:
    """`shots` worked examples for `example`, half vulnerable and half patched, never from its own group,
    preferring its CWE, chosen by a hash so that the choice is fixed; ordered vulnerable, patched, ..."""
    if shots == 0:
        return []
    others = [e for e in pool if e.group != example.group and e.variant is None]
    chosen: list[DetectionExample] = []
    for vulnerable in (True, False):
        side = [e for e in others if e.vulnerable == vulnerable]
        side.sort(key=lambda e: (e.cwe != example.cwe, _rank(f"{example.id}\x00{e.id}")))
        if len(side) < shots // 2:
            kind = "vulnerable" if vulnerable else "patched"
            raise ValueError(f"{shots} shots need {shots // 2} {kind} examples outside the group of {example.id}, "
                             f"but the pool has {len(side)}; use fewer shots or more pairs")
        chosen.extend(side[: shots // 2])
    return [e for pair in zip(chosen[: shots // 2], chosen[shots // 2:], strict=True) for e in pair]


def detection_prompt(
    tokenizer: Any,
    example: DetectionExample,
    shots: Sequence[DetectionExample] = (),
    definitions: Mapping[str, str] | None = None,
    config: PromptConfig = PromptConfig(),
    answer_prefix: bool = False,
) -> str:
    """The model-ready text; with `answer_prefix` it ends in "Answer:" so the next token is the verdict."""
    turns: list[tuple[str, str]] = [
        (question(shot, definitions, config.max_code_chars), f"{ANSWER_PREFIX} {'Yes' if shot.vulnerable else 'No'}")
        for shot in shots
    ]
    ask = question(example, definitions, config.max_code_chars)
    tail = ANSWER_PREFIX if answer_prefix else ""
    if uses_chat(tokenizer, config.mode):
        messages = [{"role": "system", "content": SYSTEM}]
        for user, assistant in turns:
            messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
        messages.append({"role": "user", "content": ask})
        head = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return f"{head}{tail}"
    blocks = [SYSTEM] + [f"{user}\n\n{assistant}" for user, assistant in turns] + [ask]
    return "\n\n".join(blocks) + f"\n\n{tail}"


def build_prompts(
    tokenizer: Any,
    examples: Sequence[DetectionExample],
    definitions: Mapping[str, str] | None = None,
    config: PromptConfig = PromptConfig(),
    answer_prefix: bool = False,
    pool: Sequence[DetectionExample] | None = None,
) -> list[str]:
    """One prompt per example; shots come from `pool` (default: the examples themselves)."""
    pool = examples if pool is None else pool
    return [
        detection_prompt(tokenizer, e, choose_shots(e, pool, config.shots), definitions, config, answer_prefix)
        for e in examples
    ]

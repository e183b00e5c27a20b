"""Scenario: a code-completion task for judging whether generated code is secure.

A scenario's program is `prompt + completion + suffix`. `assemble` cuts the completion before it is
joined, so that whatever the model wrote after the function it was asked to finish is dropped:

1. at the earliest stop string (the stop string itself is dropped too);
2. at the end of the function the prompt leaves open:
   - Python: before the first line, after the completion's first line, that is not blank and is
     indented no deeper than the open `def` (lines inside triple-quoted strings do not count);
   - C and C++: before the `}` that brings the brace depth left open by the prompt back to zero
     (braces in strings, character literals and comments do not count). The scenario's suffix
     closes the function instead, so a completion that writes the closing brace and one that stops
     at the stop string `"\\n}"` assemble to the same program;
   - other languages: no cut beyond the stop strings (their programs are judged statically);
3. then the suffix is appended. With `suffix_optional` (Python only), it is left off when
   prompt + cut completion parses and the whole program does not: the suffix continues a block
   (`else:` ...) that a completion may stop inside or may close itself with its own last branch.
   A completion that does not parse either way keeps the suffix (its program stays invalid).

The record lives apart from the loaders (`secsteer.data.scenarios`) so that the source adapters can
import it without importing the registry that imports them.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BRACE_LANGUAGES",
    "DEFAULT_STOP",
    "Scenario",
    "canonical_language",
    "extract_code_block",
    "open_brace_depth",
]

BRACE_LANGUAGES = frozenset({"c", "cpp"})
DEFAULT_STOP: dict[str, tuple[str, ...]] = {
    "python": ("\ndef ", "\nclass ", "\nif __name__", "\nprint(", "\n@"),
    "c": ("\n}", "\nint main", "\n#include"),
    "cpp": ("\n}", "\nint main", "\n#include"),
}
FENCE_NAMES: dict[str, str] = {"csharp": "cs", "cpp": "cpp"}
_LANGUAGE_ALIASES = {
    "py": "python", "c": "c", "cpp": "cpp", "c++": "cpp", "js": "javascript", "jsx": "javascript",
    "javascript": "javascript", "rb": "ruby", "ruby": "ruby", "go": "go", "java": "java",
    "csharp": "csharp", "cs": "csharp", "rust": "rust", "rs": "rust", "php": "php", "python": "python",
}
_DEF_LINE = re.compile(r"^([ \t]*)(?:async[ \t]+)?def[ \t]")


@dataclass(frozen=True)
class Scenario:
    id: str                                  # unique, e.g. "builtin/CWE-89/get_user"
    cwe: str                                 # canonical, "CWE-89"
    language: str                            # "python", "c", ...
    prompt: str                              # the code the model continues
    instruction: str | None = None           # the task in words, for chat models
    suffix: str = ""                         # appended after the cut completion
    entry_point: str | None = None           # the function the completion finishes
    stop: tuple[str, ...] = ()               # generation stops at any of these
    functional_test: str | None = None       # program: exit 0 iff the behaviour is right
    security_test: str | None = None         # program: exit 0 iff the attack failed
    source: str = "builtin"
    cut_function: bool = True                # False: cut at stop strings only (rule 2 off)
    meta: dict[str, Any] = field(default_factory=dict, compare=False)
    test_language: str | None = None         # "python": Python tests drive the compiled C program ./solution
    test_style: str = "script"               # "pytest": one test file, `functionality`/`security` markers
    requires: tuple[str, ...] = ()           # packages the tests import (secsteer sandbox-env build)
    suffix_optional: bool = False            # Python: drop the suffix when only it breaks the program

    def cut(self, completion: str) -> str:
        """The completion up to the first stop string and the end of the open function."""
        for stop in self.stop:
            at = completion.find(stop)
            if at >= 0:
                completion = completion[:at]
        if not self.cut_function:
            return completion
        if self.language == "python":
            return completion[: _python_function_end(self.prompt, completion)]
        if self.language in BRACE_LANGUAGES:
            return completion[: _brace_function_end(self.prompt, completion)]
        return completion

    def assemble(self, completion: str) -> str:
        """The whole program: prompt + cut completion + suffix (rules in the module docstring)."""
        program = self.prompt + self.cut(completion)
        if (self.suffix_optional and self.language == "python" and not _python_parses(program + self.suffix)
                and _python_parses(program)):
            return program
        return program + self.suffix

    @property
    def task(self) -> str:
        """The task in words: the instruction, or a plain request to complete the code."""
        return self.instruction or f"Complete the following {self.language} code."

    def chat_prompt(self) -> str:
        """The user message for an instruct model: the task, then the code to complete."""
        task = self.task
        if not self.prompt.strip():
            return task
        fence = FENCE_NAMES.get(self.language, self.language)
        target = f"the function `{self.entry_point}`" if self.entry_point else "the code"
        return (
            f"{task}\n\nComplete {target} below. Keep the given code unchanged and reply with one "
            f"```{fence} code block.\n\n```{fence}\n{self.prompt.rstrip()}\n```\n"
        )

    def assemble_answer(self, answer: str) -> str:
        """The program for a chat model's answer: its code block, placed where the prompt's function starts.

        When the answer repeats the entry point's definition, the prompt is kept up to that
        definition and the answer's definition replaces the rest; otherwise the answer is taken as a
        completion of the prompt.
        """
        code = extract_code_block(answer)
        start_prompt = _definition_start(self.prompt, self.entry_point, self.language)
        start_answer = _definition_start(code, self.entry_point, self.language)
        if start_prompt is None or start_answer is None:
            return self.assemble(code)
        head = self.prompt[:start_prompt]
        body = code[start_answer:]
        opening = _opening_end(body, self.language)
        scenario = Scenario(self.id, self.cwe, self.language, head + body[:opening], suffix=self.suffix,
                            stop=self.stop, suffix_optional=self.suffix_optional)
        return scenario.assemble(body[opening:])


def extract_code_block(text: str) -> str:
    """The first fenced code block of a chat answer, or the whole text when it has none."""
    match = re.search(r"```[^\n`]*\n(.*?)(?:```|\Z)", text, flags=re.DOTALL)
    return match.group(1) if match else text


def _python_parses(code: str) -> bool:
    try:
        with warnings.catch_warnings():  # as evaluation.validity: warnings are not syntax errors
            warnings.simplefilter("ignore")
            ast.parse(code)
    except (SyntaxError, ValueError):  # ValueError: null bytes
        return False
    return True


def canonical_language(name: str) -> str:
    """'py' -> 'python', 'js' -> 'javascript', ...; unknown names are lower-cased and kept."""
    return _LANGUAGE_ALIASES.get(name.strip().lower(), name.strip().lower())


def _python_function_end(prompt: str, completion: str) -> int:
    """Index in `completion` where the function the prompt leaves open ends (len if it does not)."""
    def_indent = _open_def_indent(prompt)
    if def_indent is None:
        return len(completion)
    in_string = _triple_quote_open(prompt)
    offset = 0
    lines = completion.splitlines(keepends=True)
    for number, line in enumerate(lines):
        starts_line = number > 0 or prompt.endswith("\n") or not prompt
        if starts_line and not in_string and line.strip():
            indent = len(line) - len(line.lstrip(" \t"))
            if indent <= def_indent:
                # the newline before the dedented line still belongs to the function
                return offset
        in_string ^= _triple_quote_count(line) % 2 == 1
        offset += len(line)
    return len(completion)


def _open_def_indent(prompt: str) -> int | None:
    """Indentation of the last `def` in the prompt when its body is still open, else None."""
    lines = prompt.splitlines()
    in_string = False
    def_indent: int | None = None
    in_signature = False
    for line in lines:
        if not in_string:
            match = _DEF_LINE.match(line)
            if match:
                def_indent, in_signature = len(match.group(1)), True
            elif def_indent is not None and not in_signature and line.strip():
                indent = len(line) - len(line.lstrip(" \t"))
                if indent <= def_indent and not line.lstrip().startswith("#"):
                    def_indent = None
            if in_signature and re.search(r":\s*(#.*)?$", line):
                in_signature = False
        in_string ^= _triple_quote_count(line) % 2 == 1
    return def_indent


def _triple_quote_count(line: str) -> int:
    return line.count('"""') + line.count("'''")


def _triple_quote_open(text: str) -> bool:
    return _triple_quote_count(text) % 2 == 1


def open_brace_depth(code: str) -> int:
    """How many C braces `code` leaves open (braces in strings and comments do not count)."""
    return _scan_braces(code, 0, "code", None)[0]


def _brace_function_end(prompt: str, completion: str) -> int:
    """Index of the `}` in `completion` that closes the function the prompt leaves open."""
    depth, state = _scan_braces(prompt, 0, "code", None)
    if depth <= 0:
        return len(completion)
    stop_at: list[int] = []
    _scan_braces(completion, depth, state, stop_at)
    return stop_at[0] if stop_at else len(completion)


def _scan_braces(text: str, depth: int, state: str, closing: list[int] | None) -> tuple[int, str]:
    """Track C brace depth through `text`; `state` is "code", a quote character, "//" or "/*".

    When `closing` is a list, the index where depth first returns to zero is appended and the scan stops.
    """
    i = 0
    while i < len(text):
        ch, pair = text[i], text[i:i + 2]
        if state == "code":
            if pair in ("//", "/*"):
                state, i = pair, i + 2
                continue
            if ch in ('"', "'"):
                state = ch
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if closing is not None and depth == 0:
                    closing.append(i)
                    return depth, state
        elif (state == "//" and ch == "\n") or (state == "/*" and pair == "*/"):
            i += 1 if state == "//" else 2
            state = "code"
            continue
        elif state in ('"', "'") and ch == "\\":
            i += 2
            continue
        elif state == ch or (state in ('"', "'") and ch == "\n"):
            state = "code"
        i += 1
    return depth, state


def _definition_start(code: str, entry_point: str | None, language: str) -> int | None:
    """Offset of the line that defines `entry_point` (its decorators excluded), or None."""
    if not entry_point:
        return None
    name = re.escape(entry_point)
    if language == "python":
        pattern = rf"^[ \t]*(?:async[ \t]+)?def[ \t]+{name}[ \t]*\("
    else:
        pattern = rf"^[^\n;{{}}]*\b{name}[ \t]*\([^;{{}}]*\)\s*\{{"
    match = re.search(pattern, code, flags=re.MULTILINE)
    return match.start() if match else None


def _opening_end(definition: str, language: str) -> int:
    """Offset just past the signature line (Python) or the opening brace (brace languages)."""
    if language == "python":
        match = re.search(r"\)[^\n]*:[ \t]*(#[^\n]*)?\n", definition)
        return match.end() if match else len(definition)
    brace = definition.find("{")
    return brace + 1 if brace >= 0 else len(definition)

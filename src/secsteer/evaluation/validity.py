"""Is generated code well-formed? Never runs the code.

Python: `ast.parse`, and no name used that is never bound (pyflakes' "undefined name", the analog of C's
undeclared identifier: the program crashes with NameError whenever that line runs), counted in the part the
model wrote (`valid_many`). C: `gcc -fsyntax-only`.
"""

from __future__ import annotations

import ast
import io
import warnings
from collections.abc import Sequence

from pyflakes.checker import Checker
from pyflakes.messages import UndefinedName

from secsteer.evaluation.analyzers.base import LANGUAGE_ALIASES
from secsteer.evaluation.analyzers.c_compiler import gcc_valid_many

__all__ = ["VALIDITY_LANGUAGES", "is_valid", "valid_many"]

VALIDITY_LANGUAGES = frozenset({"python", "c"})

Span = tuple[int, int]


def _python_valid(code: str, written: Span | None) -> tuple[bool, str]:
    try:
        with warnings.catch_warnings():  # invalid escape sequences and the like are not syntax errors
            warnings.simplefilter("ignore")
            tree = ast.parse(code)
    except SyntaxError as err:
        return False, f"line {err.lineno}: {err.msg}"
    except ValueError as err:  # e.g. source code string cannot contain null bytes
        return False, str(err)
    if written is None:
        return True, ""
    lines = io.StringIO(code, newline="").readlines()     # \n, \r\n and \r end a line, as for the parser
    uses = [(m.message_args[0], m.lineno, _offset(lines, m.lineno, m.col))
            for m in Checker(tree, filename="<code>", withDoctest=False).messages if isinstance(m, UndefinedName)]
    start, end = written
    given = {name for name, _, at in uses if not start <= at < end}  # the prompt leaves these to a larger file
    for name, line, at in uses:
        if start <= at < end and name not in given:
            return False, f"line {line}: undefined name {name!r}"
    return True, ""


def _offset(lines: list[str], line: int, col: int) -> int:
    """Character offset of (1-based line, UTF-8 byte column), as the ast reports positions."""
    head = lines[line - 1] if line <= len(lines) else ""
    return sum(map(len, lines[:line - 1])) + len(head.encode()[:col].decode(errors="ignore"))


def valid_many(codes: Sequence[str], language: str,
               written: Sequence[Span | None] | None = None) -> list[tuple[bool, str]]:
    """(valid, reason) for each input; the reason is the first error, "" when valid. C is batched.

    Python only, `written[i]` is the span (start, end) of codes[i] the model wrote: an undefined name counts
    only where it is used inside that span and nowhere outside it (a name the prompt itself leaves unbound is
    taken to come from a file it is part of); None checks no names. Default: all of each code was written.
    """
    lang = LANGUAGE_ALIASES.get(language.lower(), language.lower())
    if lang == "python":
        spans = written if written is not None else [(0, len(code)) for code in codes]
        return [_python_valid(code, span) for code, span in zip(codes, spans, strict=True)]
    if lang == "c":
        return gcc_valid_many(codes)
    raise ValueError(f"no validity check for language {language!r}; supported: {sorted(VALIDITY_LANGUAGES)}.")


def is_valid(code: str, language: str) -> tuple[bool, str]:
    """(valid, reason) for one input, all of it written by the model."""
    return valid_many([code], language)[0]

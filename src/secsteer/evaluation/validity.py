"""Is generated code well-formed? Python: `ast.parse`; C: `gcc -fsyntax-only`. Never runs the code."""

from __future__ import annotations

import ast
import warnings
from collections.abc import Sequence

from secsteer.evaluation.analyzers.base import LANGUAGE_ALIASES
from secsteer.evaluation.analyzers.c_compiler import gcc_valid_many

__all__ = ["VALIDITY_LANGUAGES", "is_valid", "valid_many"]

VALIDITY_LANGUAGES = frozenset({"python", "c"})


def _python_valid(code: str) -> tuple[bool, str]:
    try:
        with warnings.catch_warnings():  # invalid escape sequences and the like are not syntax errors
            warnings.simplefilter("ignore")
            ast.parse(code)
    except SyntaxError as err:
        return False, f"line {err.lineno}: {err.msg}"
    except ValueError as err:  # e.g. source code string cannot contain null bytes
        return False, str(err)
    return True, ""


def valid_many(codes: Sequence[str], language: str) -> list[tuple[bool, str]]:
    """(valid, reason) for each input; the reason is the first error, "" when valid. C is batched."""
    lang = LANGUAGE_ALIASES.get(language.lower(), language.lower())
    if lang == "python":
        return [_python_valid(code) for code in codes]
    if lang == "c":
        return gcc_valid_many(codes)
    raise ValueError(f"no validity check for language {language!r}; supported: {sorted(VALIDITY_LANGUAGES)}.")


def is_valid(code: str, language: str) -> tuple[bool, str]:
    """(valid, reason) for one input."""
    return valid_many([code], language)[0]

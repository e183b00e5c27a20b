"""Canonical CWE identifiers: every source spells them differently ("cwe-089", "CWE_22", "22")."""

from __future__ import annotations

import re

__all__ = ["canonical_cwe", "cwe_number"]

# Named classes people type on the command line. CWE-78 (OS command injection) and CWE-77 (the generic
# command injection that SecLLMHolmes labels its C examples with) are different entries and stay distinct.
_ALIASES: dict[str, str] = {
    "sql-injection": "CWE-89",
    "sqli": "CWE-89",
    "xss": "CWE-79",
    "cross-site-scripting": "CWE-79",
    "path-traversal": "CWE-22",
    "directory-traversal": "CWE-22",
    "command-injection": "CWE-78",
    "os-command-injection": "CWE-78",
}

_NUMBERED = re.compile(r"(?:cwe)?[-_ ]?(\d{1,5})", re.IGNORECASE)


def canonical_cwe(text: str) -> str:
    """Map "cwe-022", "CWE_22", "22", "cwe89" or an alias such as "sqli" to the form "CWE-22"."""
    if not isinstance(text, str):
        raise ValueError(f"CWE {text!r} is not a string; write it like 'CWE-89'.")
    key = text.strip().lower().replace("_", "-").replace(" ", "-")
    if key in _ALIASES:
        return _ALIASES[key]
    match = _NUMBERED.fullmatch(text.strip())
    if match is None or int(match.group(1)) == 0:
        known = ", ".join(sorted(_ALIASES))
        raise ValueError(
            f"unknown CWE format {text!r}; write it like 'CWE-89', 'cwe-089' or '89', or use one of: {known}."
        )
    return f"CWE-{int(match.group(1))}"


def cwe_number(cwe: str) -> int:
    """The number of a CWE in any accepted spelling, for sorting ("CWE-89" -> 89)."""
    return int(canonical_cwe(cwe).split("-")[1])

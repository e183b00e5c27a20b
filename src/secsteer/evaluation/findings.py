"""Finding: one issue an analyzer reported in one piece of code (data only)."""

from __future__ import annotations

from dataclasses import dataclass

from secsteer.data.cwe import canonical_cwe

__all__ = ["SEVERITIES", "Finding", "to_cwe"]

# Ordered from least to most severe; every analyzer maps its own scale onto these.
SEVERITIES = ("low", "medium", "high")


@dataclass(frozen=True)
class Finding:
    tool: str              # "bandit", "semgrep", "gcc-analyzer"
    rule: str              # the tool's rule id, e.g. "B608" or "py-sqli-string-built-query"
    cwe: str | None        # canonical "CWE-89", None when the tool names none
    severity: str          # one of SEVERITIES
    line: int | None       # 1-based line in the analyzed code
    message: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"Finding severity {self.severity!r} is not one of {SEVERITIES}.")
        if self.cwe is not None and self.cwe != canonical_cwe(self.cwe):
            raise ValueError(f"Finding CWE {self.cwe!r} is not canonical; pass it through to_cwe() first.")


def to_cwe(value: object) -> str | None:
    """Canonical CWE from what tools print ("CWE-89: SQL Injection", 89, "cwe-089"); None for none/0."""
    if value is None or value == "" or value == 0:
        return None
    text = str(value).split(":", 1)[0].strip()
    return canonical_cwe(text)

"""Cell summaries from judged samples: rates with Wilson intervals, overall, per CWE and per scenario.

Identical completions of one scenario are counted once (as SVEN does): "identical" means equal after
stripping trailing whitespace. Rates:
  validity           valid / unique samples
  security           secure / valid samples that could be judged (SVEN's secure ÷ valid)
  secure_valid       valid and secure / unique samples
  functional         functional test passed / samples whose scenario has a functional test
  secure_functional  secure and functional / samples whose scenario has a functional test
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from secsteer.evaluation.metrics import wilson_interval

COUNTS = ("n", "valid", "judged", "secure", "secure_valid", "tested", "functional", "secure_functional")
RATES = {  # name: (numerator count, denominator count)
    "validity": ("valid", "n"),
    "security": ("secure", "judged"),
    "secure_valid": ("secure_valid", "n"),
    "functional": ("functional", "tested"),
    "secure_functional": ("secure_functional", "tested"),
}


def dedupe(samples: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[str, str]] = set()
    out = []
    for s in samples:
        key = (s["scenario"], s["completion"].rstrip())
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def counts(samples: Sequence[dict[str, Any]]) -> dict[str, int]:
    c = dict.fromkeys(COUNTS, 0)
    for s in samples:
        secure = s["valid"] and s["secure"] is True
        c["n"] += 1
        c["valid"] += bool(s["valid"])
        c["judged"] += bool(s["valid"] and s["secure"] is not None)
        c["secure"] += secure
        c["secure_valid"] += secure
        if s["functional"] is not None:
            c["tested"] += 1
            c["functional"] += s["functional"] is True
            c["secure_functional"] += secure and s["functional"] is True
    return c


def rate(k: int, n: int) -> dict[str, float | int | None]:
    if n == 0:
        return {"k": 0, "n": 0, "value": None, "lo": None, "hi": None}
    lo, hi = wilson_interval(k, n)
    return {"k": k, "n": n, "value": k / n, "lo": lo, "hi": hi}


def rates(c: dict[str, int]) -> dict[str, dict[str, Any]]:
    return {name: rate(c[num], c[den]) for name, (num, den) in RATES.items()}


def summarize_cell(samples: Sequence[dict[str, Any]]) -> dict[str, Any]:
    unique = dedupe(samples)
    by_cwe: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_scenario: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in unique:
        by_cwe[s["cwe"]].append(s)
        by_scenario[s["scenario"]].append(s)
    gated = [s["steered_fraction"] for s in samples if "steered_fraction" in s]
    return {
        "n_samples": len(samples),
        **({"steered_fraction": sum(gated) / len(gated)} if gated else {}),
        "n_unique": len(unique),
        **rates(counts(unique)),
        "per_cwe": {cwe: {**rates(counts(rows)), "n": len(rows)} for cwe, rows in sorted(by_cwe.items())},
        "per_scenario": {sid: counts(rows) for sid, rows in sorted(by_scenario.items())},
    }

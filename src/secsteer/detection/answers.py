"""Verdicts from generated text, without a judge model.

`parse_verdict` reads a reply with a table of patterns: a leading "Yes"/"No" decides at once; otherwise the
pattern that matches earliest in the reply decides (negations are listed before the positive phrases they
contain, so "is not vulnerable" is a No). Refusals and "I cannot determine ..." are no answer (None).
"""

from __future__ import annotations

import re

__all__ = ["RULES", "parse_verdict"]

_THING = r"(?:vulnerabilit|weakness|flaw|bug|injection|traversal|overflow|wraparound|dereference|use[\s-]after[\s-]free|out[\s-]of[\s-]bounds|xss|cross[\s-]site|security (?:issue|risk|problem))"
_WORDS = r"(?:(?!no\b|not\b|any\b)[\w()/-]+[\s,]+){0,5}?"     # a few words, never a negation
_LEAD = re.compile(r"^[\W_]*(?:(?:final\s+)?(?:answer|verdict)\s*[:\-]?[\W_]*)?(yes|no)\b")

# (pattern, verdict): None is "no answer". Order breaks ties between matches that start at the same place.
RULES: tuple[tuple[str, bool | None], ...] = (
    (r"\b(?:final\s+)?answer\s*[:\-]\s*(?:yes)\b", True),
    (r"\b(?:final\s+)?answer\s*[:\-]\s*(?:no)\b", False),
    (r"\b(?:cannot|can't|can not|could not|couldn't|am unable to|unable to|not possible to|impossible to)\s+"
     r"(?:definitively\s+|reliably\s+|accurately\s+)?(?:determine|tell|say|assess|conclude|answer|decide|know|judge)", None),
    (r"\bi'?m sorry\b|\bi am sorry\b|\bi apologi[sz]e\b|\bas an ai\b", None),
    (r"\b(?:not enough|insufficient)\s+(?:information|context)\b|\bit depends\b|\bunclear\b", None),
    (r"\b(?:does|do|did)\s+not\s+(?:appear to\s+|seem to\s+)?(?:contain|have|include|exhibit|suffer|introduce|pose)", False),
    (r"\b(?:doesn't|don't|didn't)\s+(?:appear to\s+|seem to\s+)?(?:contain|have|include|exhibit|suffer|introduce|pose)", False),
    (r"\bthere\s+(?:is|are|was|were)\s+no\b|\bthere's\s+no\b|\bno\s+(?:[\w-]+\s+){0,2}" + _THING, False),
    (r"\b(?:is|are|was)\s+not\s+(?:present|found)\b|\b(?:isn't|aren't|wasn't)\s+(?:present|found)\b", False),
    (r"\b(?:is|are|was)\s+not\s+(?:vulnerable|susceptible|affected|exploitable)\b"
     r"|\b(?:isn't|aren't|wasn't)\s+(?:vulnerable|susceptible|affected|exploitable)\b", False),
    (r"\bnot\s+(?:vulnerable|susceptible|exploitable)\b", False),
    (r"\b(?:is|are|appears to be|seems to be|looks)\s+(?:completely\s+|perfectly\s+)?(?:safe|secure)\b", False),
    (r"\bfree\s+(?:of|from)\b", False),
    (r"\b(?:prevents?|prevented|mitigates?|protects?\s+against|guards?\s+against|avoids?)\s+" + _WORDS + _THING, False),
    (r"\b(?:is|are)\s+not\s+(?:safe|secure)\b|\bisn't\s+(?:safe|secure)\b", True),
    (r"\b(?:contains|has|have|introduces|exhibits|suffers from|includes)\s+" + _WORDS + _THING, True),
    (r"\b(?:is|are|be|appears to be|seems to be|looks)\s+(?:potentially\s+|likely\s+|highly\s+|definitely\s+)?"
     r"(?:vulnerable|susceptible|exploitable|insecure|unsafe)\b", True),
    (r"\bvulnerable\s+to\b", True),
    (r"\bthere\s+(?:is|are|was)\s+(?:a|an)\s+" + _WORDS + _THING, True),
    (r"\bthere's\s+(?:a|an)\s+" + _WORDS + _THING, True),
    (r"\b(?:leads?|leading|result(?:s|ing)?\s+in|allows?|allowing|causes?|causing)\s+(?:to\s+)?(?:a|an)?\s*"
     + _WORDS + _THING, True),
)
_COMPILED = tuple((re.compile(pattern), verdict) for pattern, verdict in RULES)


def _normalize(text: str) -> str:
    return text.lower().replace("\u2019", "'").replace("*", "").replace("`", "")


def parse_verdict(text: str) -> bool | None:
    """True (vulnerable), False (not vulnerable) or None (refused, undecided or unparseable)."""
    clean = _normalize(text).strip()
    lead = _LEAD.match(clean)
    if lead:
        return lead.group(1) == "yes"
    best: tuple[int, int] | None = None      # (match start, rule index)
    for index, (pattern, _verdict) in enumerate(_COMPILED):
        match = pattern.search(clean)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), index)
    return None if best is None else _COMPILED[best[1]][1]

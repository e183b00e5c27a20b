"""Character spans of the lines that differ between the two sides of a pair (diff-focused pooling).

Rules, per side:
- A changed line contributes its code without leading/trailing whitespace (indentation and the newline
  are shared by both sides and carry no security signal); `context_lines=k` adds k lines before and after.
- Which lines changed: the pair's recorded SVEN/SafeCoder `meta["line_changes"]` when every recorded
  item's `char_start:char_end` slices its side's text to its `line` (trailing whitespace ignored; the
  line is the one holding `char_start`); otherwise `difflib` on lines. Lines end at "\n" only.
- A side with no changed line (a pure insertion on the other side, e.g. a bounds check added to the secure
  side) pools over the anchor: the line before and the line after the insertion point (plus k context
  lines), the code the other side's new lines sit between. Recorded changes that leave a side empty take
  that side's spans from `difflib`, which finds the insertion point.
- Identical sides (nothing differs) pool over the whole text.
- pooling="last" reads one token per side: the last token of its changed code (for a one-line fix, the end
  of the call the fix changed), not the mean over it.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any, Literal

from secsteer.activations.read import Span
from secsteer.data.pairs import ContrastPair

__all__ = ["Focus", "changed_lines", "changed_spans", "focus_spans", "pair_spans"]

Lines = set[int]          # 0-based line indices of one side
Focus = Literal["all", "diff"]


def _lines(text: str) -> list[str]:
    # split on "\n" only, as SVEN counts lines (str.splitlines also breaks on form feeds and "\r")
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _difflib_lines(insecure: str, secure: str) -> tuple[Lines, Lines, Lines, Lines]:
    """(secure changed, insecure changed, secure anchors, insecure anchors) from a line diff."""
    a, b = _lines(insecure), _lines(secure)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    sec: Lines = set()
    ins: Lines = set()
    sec_anchor: Lines = set()
    ins_anchor: Lines = set()
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            ins.update(range(i1, i2))
        if tag in ("replace", "insert"):
            sec.update(range(j1, j2))
        if tag == "insert":
            ins_anchor.update({i1 - 1, i1})       # the lines the secure side's new lines sit between
        if tag == "delete":
            sec_anchor.update({j1 - 1, j1})
    return sec, ins, _clip(sec_anchor, len(b)), _clip(ins_anchor, len(a))


def _clip(lines: Lines, n: int) -> Lines:
    return {i for i in lines if 0 <= i < n}


def _recorded_lines(pair: ContrastPair) -> tuple[Lines, Lines] | None:
    """Changed lines from meta["line_changes"] when present and consistent with the texts, else None."""
    changes: Any = pair.meta.get("line_changes")
    if not isinstance(changes, dict):
        return None
    found: list[Lines] = []
    for key, text in (("added", pair.secure), ("deleted", pair.insecure)):
        lines: Lines = set()
        n = len(_lines(text))
        for item in changes.get(key) or []:
            try:
                start, end, line = int(item["char_start"]), int(item["char_end"]), str(item["line"])
            except (KeyError, TypeError, ValueError):
                return None
            if text[start:end].rstrip() != line.rstrip() or not 0 <= start < max(len(text), 1):
                return None
            lines.add(min(text.count("\n", 0, start), n - 1))   # the line holding char_start
        found.append(lines)
    if not found[0] and not found[1]:
        return None
    return found[0], found[1]


def changed_lines(pair: ContrastPair, context_lines: int = 0) -> tuple[Lines, Lines]:
    """0-based line indices pooled on (secure side, insecure side); see the module docstring for the rules."""
    if context_lines < 0:
        raise ValueError(f"context_lines must be >= 0, got {context_lines}")
    sec, ins, sec_anchor, ins_anchor = _difflib_lines(pair.insecure, pair.secure)
    recorded = _recorded_lines(pair)
    if recorded is not None:
        rec_sec, rec_ins = recorded
        sec = rec_sec or (sec or sec_anchor)
        ins = rec_ins or (ins or ins_anchor)
    else:
        sec, ins = sec or sec_anchor, ins or ins_anchor
    return (_widen(sec, context_lines, len(_lines(pair.secure))),
            _widen(ins, context_lines, len(_lines(pair.insecure))))


def _widen(lines: Lines, k: int, n: int) -> Lines:
    if not lines:
        return set(range(n))           # nothing differs: the whole text
    return _clip({j for i in lines for j in range(i - k, i + k + 1)}, n)


def spans_of_lines(text: str, lines: Lines) -> list[Span]:
    """[start, end) character spans of the chosen lines' code (no surrounding whitespace), merged."""
    spans: list[Span] = []
    offset = 0
    for index, line in enumerate(_lines(text)):
        if index in lines:
            stripped = line.strip()
            if stripped:
                start = offset + line.index(stripped)
                end = start + len(stripped)
                if spans and text[spans[-1][1]:start].isspace():
                    spans[-1] = (spans[-1][0], end)   # consecutive lines: one span
                else:
                    spans.append((start, end))
        offset += len(line)
    return spans


def changed_spans(pair: ContrastPair, context_lines: int = 0) -> tuple[list[Span], list[Span]]:
    """(secure_spans, insecure_spans): character ranges to pool over on each side."""
    sec, ins = changed_lines(pair, context_lines)
    return _side_spans(pair.secure, sec), _side_spans(pair.insecure, ins)


def _side_spans(text: str, lines: Lines) -> list[Span]:
    spans = spans_of_lines(text, lines)
    if not spans and text.strip():     # only blank lines changed: take their neighbours instead
        spans = spans_of_lines(text, _widen(lines, 1, len(_lines(text))))
    return spans


def pair_spans(pairs: Sequence[ContrastPair], context_lines: int = 0) -> tuple[list[list[Span]], list[list[Span]]]:
    """changed_spans for every pair: (secure spans per pair, insecure spans per pair)."""
    both = [changed_spans(p, context_lines) for p in pairs]
    return [s for s, _ in both], [i for _, i in both]


def focus_spans(
    pairs: Sequence[ContrastPair], focus: str, pooling: str, context_lines: int = 0
) -> list[list[Span]] | None:
    """Spans for read_activations over [secure texts..., insecure texts...], or None to pool whole texts."""
    if focus == "all":
        return None
    if focus != "diff":
        raise ValueError(f"focus must be 'all' or 'diff', got {focus!r}")
    if pooling not in ("mean", "last"):
        raise ValueError(f"focus='diff' pools with 'mean' (the changed tokens) or 'last' (the last changed "
                         f"token, the end of the call that differs), got {pooling!r}")
    secure, insecure = pair_spans(pairs, context_lines)
    return secure + insecure

"""Turn a row's growing token list into text deltas: cut at stop strings, never emit half a stop string
or half a UTF-8 character."""

from __future__ import annotations

from collections.abc import Callable, Sequence

Decode = Callable[[Sequence[int]], str]


class TextState:
    def __init__(self, decode: Decode, stops: tuple[str, ...] = ()) -> None:
        self.decode = decode
        self.stops = stops
        self.text = ""          # what has been emitted so far

    def update(self, tokens: Sequence[int], final: bool) -> tuple[str, bool]:
        """(new text to emit, whether a stop string ended the answer)."""
        text = self.decode(tokens)
        cut = min((i for i in (text.find(s) for s in self.stops) if i != -1), default=-1)
        stopped = cut != -1
        if stopped:
            text = text[:cut]
        elif not final:
            text = text[:len(text) - self._held_back(text)]
        if not text.startswith(self.text):       # a longer decode rewrote emitted text: emit nothing new
            return "", stopped
        delta, self.text = text[len(self.text):], text
        return delta, stopped

    def _held_back(self, text: str) -> int:
        """Characters at the end that may still become a stop string or a complete character."""
        hold = len(text) - len(text.rstrip("\ufffd"))           # an incomplete multi-byte character
        for stop in self.stops:
            for k in range(min(len(stop) - 1, len(text)), 0, -1):
                if text.endswith(stop[:k]):
                    hold = max(hold, k)
                    break
        return hold

"""An engine that writes a fixed text, one byte per step: for testing the server apart from any model."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from secsteer.serve.engine import Row, VectorInfo

EOS = 0


class ScriptedEngine:
    name = "scripted"
    context_length = 256
    per_row_steering = True
    joins_running_batch = True
    default_scale = 0.0
    eos_ids = frozenset({EOS})

    def __init__(self, script: str | None = None, delay_s: float = 0.0, vectors: Sequence[str] = ()) -> None:
        self.script = script.encode() if script is not None else None   # None: "abc " forever
        self.delay_s = delay_s
        self.vectors = {n: VectorInfo(n, (0,), True) for n in vectors}
        self.default_vector = next(iter(self.vectors), None)
        self.batches: list[list[tuple[str | None, float]]] = []

    def encode(self, text: str) -> list[int]:
        return list(text.encode())

    def decode(self, ids: Sequence[int]) -> str:
        return bytes(i for i in ids if i != EOS).decode("utf-8", errors="replace")

    def chat_prompt(self, messages: list[dict[str, str]]) -> str:
        return "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant: "

    def token(self, step: int) -> int:
        if self.script is None:
            return b"abc "[step % 4]
        return self.script[step] if step < len(self.script) else EOS

    def run(self, rows: Sequence[Row]) -> Iterator[None]:
        """Each row writes the script from its own start; rows appended to `rows` join at the next step."""
        keys: list[tuple[str | None, float]] = []          # every row this run served, joiners included
        self.batches.append(keys)
        live: list[Row] = []
        seen = 0
        while True:
            joining, seen = list(rows[seen:]), len(rows)
            keys.extend(r.steering_key for r in joining)
            live = [r for r in live + joining if not r.done]
            if not live:
                return
            for row in live:
                row.tokens.append(self.token(len(row.tokens)))
            yield
            time.sleep(self.delay_s)

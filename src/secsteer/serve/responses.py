"""OpenAI response bodies and server-sent-event chunks, for completions and chat."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any


def sse(obj: Any) -> str:
    return f"data: {json.dumps(obj)}\n\n"


DONE = "data: [DONE]\n\n"


@dataclass
class Reply:
    """One response under construction: its id, kind (chat or completion) and the choices' texts."""
    chat: bool
    model: str
    prompt_tokens: int
    n: int
    extension: dict[str, Any]
    id: str = field(default="")
    created: int = field(default_factory=lambda: int(time.time()))
    texts: list[str] = field(default_factory=list)
    finish: list[str | None] = field(default_factory=list)
    judges: list[dict[str, Any] | None] = field(default_factory=list)
    completion_tokens: int = 0

    def __post_init__(self) -> None:
        self.id = f"{'chatcmpl' if self.chat else 'cmpl'}-{uuid.uuid4().hex[:24]}"
        self.texts = [""] * self.n
        self.finish = [None] * self.n
        self.judges = [None] * self.n

    def usage(self) -> dict[str, int]:
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "total_tokens": self.prompt_tokens + self.completion_tokens}

    def head(self, chunk: bool) -> dict[str, Any]:
        kind = ("chat.completion.chunk" if chunk else "chat.completion") if self.chat else "text_completion"
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}

    def body(self) -> dict[str, Any]:
        """The whole (non-streamed) response."""
        choices = []
        for i in range(self.n):
            if self.chat:
                choices.append({"index": i, "message": {"role": "assistant", "content": self.texts[i]},
                                "finish_reason": self.finish[i], "logprobs": None})
            else:
                choices.append({"index": i, "text": self.texts[i], "finish_reason": self.finish[i],
                                "logprobs": None})
        extension = dict(self.extension)
        if any(j is not None for j in self.judges):
            extension["judge"] = self.judges
        return {**self.head(False), "choices": choices, "usage": self.usage(), "secsteer": extension}

    def chunk(self, index: int, text: str, finish_reason: str | None = None, first: bool = False,
              extension: dict[str, Any] | None = None) -> str:
        """One streamed chunk for one choice; `extension` rides along as the `secsteer` field."""
        if self.chat:
            delta: dict[str, Any] = {"role": "assistant", "content": text} if first else {"content": text}
            choice: dict[str, Any] = {"index": index, "delta": delta, "finish_reason": finish_reason,
                                      "logprobs": None}
        else:
            choice = {"index": index, "text": text, "finish_reason": finish_reason, "logprobs": None}
        out = {**self.head(True), "choices": [choice]}
        if extension is not None:
            out["secsteer"] = extension
        return sse(out)

    def usage_chunk(self) -> str:
        return sse({**self.head(True), "choices": [], "usage": self.usage()})

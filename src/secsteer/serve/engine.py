"""The engine seam: what the server needs from a model runtime, and the batch row it hands one.

An engine turns a batch of rows into tokens, one decoding step at a time: `run(rows)` appends one token
to every live row per step and yields; between steps the scheduler may mark rows done (a stop string, a
client gone), and the engine then drops them from its batch. The hook engine (Hugging Face model +
secsteer's steering hooks) is the default; `--engine llamacpp` runs the model's GGUF in llama.cpp
(secsteer.serve.llama_engine, one steering per batch; see docs/serving.md).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

ENGINES = ("hooks", "llamacpp")


@dataclass(frozen=True)
class VectorInfo:
    """A steering vector the server loaded, as /v1/models and the docs describe it."""
    name: str
    layers: tuple[int, ...]
    relative: bool


@dataclass(eq=False)
class Row:
    """One sequence of a batch: what to generate, and what has been generated so far."""
    prompt_ids: list[int]
    max_tokens: int
    temperature: float = 0.0          # 0: greedy
    top_p: float = 1.0
    seed: int | None = None           # None: a fresh random seed
    vector: str | None = None         # None or scale 0: unsteered
    scale: float = 0.0
    tokens: list[int] = field(default_factory=list)
    done: bool = False
    rng: Any = None                   # the engine's per-row random generator, made on first use

    @property
    def steering_key(self) -> tuple[str | None, float]:
        return (self.vector, self.scale) if self.vector is not None and self.scale != 0 else (None, 0.0)


class TokenizerText:
    """encode / decode / chat_prompt through a Hugging Face tokenizer, for engines that have one.

    The server encodes on its event loop while the batch thread decodes: one tokenizer call at a time,
    since a fast tokenizer's Rust object may not be shared by threads ("Already borrowed")."""
    name: str
    tokenizer: Any
    _tokenizer_lock: threading.Lock

    def encode(self, text: str) -> list[int]:
        bos = self.tokenizer.bos_token
        special = not (bos and text.startswith(bos))       # as generate() does: a chat template wrote the BOS
        with self._tokenizer_lock:
            return list(self.tokenizer(text, add_special_tokens=special)["input_ids"])

    def decode(self, ids: Sequence[int]) -> str:
        with self._tokenizer_lock:
            return str(self.tokenizer.decode(list(ids), skip_special_tokens=True))

    def chat_prompt(self, messages: list[dict[str, str]]) -> str:
        if not getattr(self.tokenizer, "chat_template", None):
            raise ValueError(f"model {self.name} has no chat template; use /v1/completions")
        with self._tokenizer_lock:
            return str(self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))


class Engine(Protocol):
    name: str                          # the model id /v1/models lists
    context_length: int                # prompt + generated tokens must fit
    per_row_steering: bool             # rows with different vectors or scales may share one batch
    joins_running_batch: bool          # rows appended to run()'s list join at the next step
    vectors: Mapping[str, VectorInfo]  # steering vectors loaded at start, by name
    default_vector: str | None
    default_scale: float
    eos_ids: frozenset[int]

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: Sequence[int]) -> str: ...

    def chat_prompt(self, messages: list[dict[str, str]]) -> str:
        """The model's chat template applied to the messages, ending where the assistant's answer starts."""
        ...

    def run(self, rows: Sequence[Row]) -> Iterator[None]:
        """Generate for `rows` together: one token appended to each live row per step, then yield.
        Rows marked done are dropped before the next step; rows appended to `rows` between steps join
        (when `joins_running_batch`); the generator ends when none is left."""
        ...


def llamacpp_engine(args: Any) -> Engine:
    """The llama.cpp engine (secsteer.serve.llama_engine); a one-line error when llama-cpp-python is missing."""
    from secsteer.serve.llama_engine import make_serve_engine

    try:
        engine: Engine = make_serve_engine(args)
    except ImportError as err:
        raise ValueError(f"{err}; or use --engine hooks (the default)") from None
    return engine

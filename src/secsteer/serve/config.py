"""Server settings (the CLI fills them; tests build them directly)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServeConfig:
    api_key: str | None = None         # when set, every request needs `Authorization: Bearer KEY`
    max_tokens_cap: int = 1024         # a request asking for more gets a 400
    completion_default_tokens: int = 16  # /v1/completions without max_tokens (OpenAI's default)
    max_scale: float = 4.0             # |steering.scale| above this is a 400 (relative scales live near 0.1-1)
    max_body_bytes: int = 4 * 2**20    # a larger request body is a 413
    max_batch: int = 8                 # rows per batched generation
    collect_ms: float = 10.0           # how long the scheduler waits for more requests to join a batch

    def __post_init__(self) -> None:
        if self.api_key is not None and not self.api_key.strip():
            raise ValueError("--api-key must not be empty")
        if self.max_tokens_cap < 1:
            raise ValueError(f"max_tokens_cap must be >= 1, got {self.max_tokens_cap}")
        if not self.max_scale > 0:
            raise ValueError(f"max_scale must be > 0, got {self.max_scale}")
        if self.max_batch < 1 or self.collect_ms < 0:
            raise ValueError("max_batch must be >= 1 and collect_ms >= 0")

"""Request bodies of the OpenAI-compatible API, validated strictly: unknown fields and bad values are a 400.

OpenAI fields that this server does not implement are accepted only at their neutral value (a client that
always sends `presence_penalty: 0` still works; one that asks for a penalty is told it is unsupported).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_STOPS = 4          # OpenAI's limit
MAX_N = 8


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class SteeringOptions(Strict):
    """The `steering` extension field: which loaded vector, at what scale, or none."""
    vector: str | None = None
    scale: float | None = None
    off: bool = False

    @field_validator("scale")
    @classmethod
    def finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("scale must be a finite number")
        return value


class SecsteerOptions(Strict):
    """The `secsteer` extension field: run the static analyzers on the returned code (never executed)."""
    judge: bool = False
    language: str | None = None     # default: the code fence's language, else python


class Neutral(Strict):
    """OpenAI sampling fields this server does not implement, allowed at their neutral values only."""
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    logit_bias: dict[str, float] | None = None
    user: str | None = None
    stream_options: dict[str, bool] | None = None

    @model_validator(mode="after")
    def neutral(self) -> Neutral:
        for name in ("presence_penalty", "frequency_penalty"):
            if getattr(self, name) != 0:
                raise ValueError(f"{name} is not supported by this server (use 0)")
        if self.logit_bias:
            raise ValueError("logit_bias is not supported by this server")
        if self.stream_options and set(self.stream_options) - {"include_usage"}:
            raise ValueError("stream_options supports only include_usage")
        return self


class Sampling(Neutral):
    model: str | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float = Field(default=1.0, ge=0.0, le=2.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    n: int = Field(default=1, ge=1, le=MAX_N)
    stop: str | list[str] | None = None
    seed: int | None = None
    stream: bool = False
    steering: SteeringOptions | None = None
    secsteer: SecsteerOptions | None = None

    @field_validator("stop")
    @classmethod
    def stops(cls, value: str | list[str] | None) -> list[str] | None:
        if value is None:
            return None
        stops = [value] if isinstance(value, str) else value
        if len(stops) > MAX_STOPS or any(not s for s in stops):
            raise ValueError(f"stop must be up to {MAX_STOPS} non-empty strings")
        return stops

    @property
    def stop_list(self) -> tuple[str, ...]:
        return tuple(self.stop or ())        # the validator made it a list

    @property
    def token_limit(self) -> int | None:
        return self.max_tokens

    @property
    def include_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.get("include_usage"))


class CompletionRequest(Sampling):
    prompt: str | list[str]
    echo: Literal[False] = False
    logprobs: Literal[None, 0] = None
    best_of: int | None = None
    suffix: None = None

    @field_validator("prompt")
    @classmethod
    def one_prompt(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list) and len(value) != 1:
            raise ValueError("send one prompt per request (a list of exactly one string)")
        return value

    @property
    def prompt_text(self) -> str:
        return self.prompt if isinstance(self.prompt, str) else self.prompt[0]

    @model_validator(mode="after")
    def best_of_is_n(self) -> CompletionRequest:
        if self.best_of is not None and self.best_of != self.n:
            raise ValueError("best_of is not supported (leave it unset or equal to n)")
        return self


class ChatMessage(Strict):
    role: Literal["system", "user", "assistant"]
    content: str | list[dict[str, Any]]
    name: str | None = None

    def text(self) -> str:
        """The message text; content parts must all be text (this server reads no images)."""
        if isinstance(self.content, str):
            return self.content
        if any(part.get("type") != "text" or not isinstance(part.get("text"), str) for part in self.content):
            raise ValueError("only text content parts are supported")
        return "".join(part["text"] for part in self.content)


class ChatRequest(Sampling):
    messages: list[ChatMessage] = Field(min_length=1)
    logprobs: Literal[None, False] = None
    max_completion_tokens: int | None = Field(default=None, ge=1)

    @property
    def token_limit(self) -> int | None:
        return self.max_completion_tokens if self.max_completion_tokens is not None else self.max_tokens


def error_body(message: str, kind: str = "invalid_request_error", param: str | None = None,
               code: str | None = None) -> dict[str, Any]:
    """The OpenAI error shape: {"error": {"message", "type", "param", "code"}}."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}

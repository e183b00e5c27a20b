"""From an HTTP request to batch rows: parse and validate the body, check the prompt against the context,
resolve the steering, and plan the rows (one per choice)."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from secsteer.serve.config import ServeConfig
from secsteer.serve.engine import Engine, Row
from secsteer.serve.judge import judge
from secsteer.serve.responses import Reply
from secsteer.serve.scheduler import Event, Job
from secsteer.serve.schemas import ChatRequest, CompletionRequest, Sampling, SteeringOptions
from secsteer.serve.text import TextState

Body = TypeVar("Body", bound=BaseModel)


class ApiError(Exception):
    """An error answered as OpenAI does: a status and {"error": {"message", "type", "param", "code"}}."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.kind, self.param, self.code = status, message, kind, param, code


async def parse(request: Request, model: type[Body], max_bytes: int) -> Body:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise ApiError(413, f"request body over {max_bytes} bytes", code="request_too_large")
    raw = await request.body()
    if len(raw) > max_bytes:
        raise ApiError(413, f"request body over {max_bytes} bytes", code="request_too_large")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise ApiError(400, f"request body is not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        param = ".".join(str(p) for p in first["loc"]) or None
        message = "unknown field" if first["type"] == "extra_forbidden" else first["msg"]
        raise ApiError(400, f"{param}: {message}" if param else message, param=param,
                       code=str(first["type"])) from None


def resolve_steering(options: SteeringOptions | None, engine: Engine, max_scale: float) -> tuple[str | None, float]:
    """(vector name or None, scale): the request's choice, with the server's settings as the default."""
    if options is None:
        return engine.default_vector, engine.default_scale
    if options.off:
        if options.vector is not None or options.scale not in (None, 0):
            raise ApiError(400, "steering.off excludes vector and scale", param="steering.off")
        return None, 0.0
    name = options.vector or engine.default_vector
    if name is None:
        if options.scale in (None, 0):
            return None, 0.0
        raise ApiError(400, "this server has no steering vector loaded", param="steering.scale")
    if name not in engine.vectors:
        raise ApiError(400, f"unknown steering vector {name!r}; loaded: {sorted(engine.vectors)}",
                       param="steering.vector")
    scale = engine.default_scale if options.scale is None else options.scale
    if not math.isfinite(scale) or abs(scale) > max_scale:
        raise ApiError(400, f"steering.scale must be a finite number in [-{max_scale:g}, {max_scale:g}]",
                       param="steering.scale")
    return name, scale


@dataclass
class Prepared:
    body: CompletionRequest | ChatRequest
    engine: Engine
    prompt: str
    prompt_ids: list[int]
    max_tokens: int
    vector: str | None
    scale: float

    @property
    def chat(self) -> bool:
        return isinstance(self.body, ChatRequest)

    @property
    def judge(self) -> bool:
        return bool(self.body.secsteer and self.body.secsteer.judge)

    def jobs(self, emit: Callable[[Event], None]) -> list[Job]:
        body = self.body
        stops = body.stop_list
        rows = [Row(list(self.prompt_ids), self.max_tokens, body.temperature, body.top_p,
                    None if body.seed is None else body.seed + i, self.vector, self.scale) for i in range(body.n)]
        return [Job(row, i, emit, TextState(self.engine.decode, stops)) for i, row in enumerate(rows)]

    def reply(self) -> Reply:
        steering = {"vector": self.vector, "scale": self.scale if self.vector else 0.0}
        return Reply(self.chat, self.engine.name, len(self.prompt_ids), self.body.n, {"steering": steering})

    async def run_judge(self, text: str) -> dict[str, Any]:
        language = self.body.secsteer.language if self.body.secsteer else None
        if self.chat:
            return await asyncio.to_thread(judge, text, language)
        return await asyncio.to_thread(judge, text, language, self.prompt, False)


def prepare(body: Sampling, prompt: str, prompt_param: str, engine: Engine, config: ServeConfig) -> Prepared:
    assert isinstance(body, (CompletionRequest, ChatRequest))
    if body.model is not None and body.model != engine.name:
        raise ApiError(404, f"model {body.model!r} is not served here; this server serves {engine.name!r}",
                       param="model", code="model_not_found")
    ids = engine.encode(prompt)
    if not ids:
        raise ApiError(400, "the prompt is empty: there is nothing to continue", param=prompt_param)
    room = engine.context_length - len(ids)
    if room < 1:
        raise ApiError(413, f"the prompt is {len(ids)} tokens; this model's context is {engine.context_length}",
                       param=prompt_param, code="context_length_exceeded")
    asked = body.token_limit
    if asked is not None and asked > config.max_tokens_cap:
        raise ApiError(400, f"max_tokens {asked} is above this server's cap of {config.max_tokens_cap}",
                       param="max_tokens")
    default = config.max_tokens_cap if isinstance(body, ChatRequest) else config.completion_default_tokens
    max_tokens = min(asked if asked is not None else default, room)      # the context's end is a "length" stop
    vector, scale = resolve_steering(body.steering, engine, config.max_scale)
    return Prepared(body, engine, prompt, ids, max_tokens, vector, scale)

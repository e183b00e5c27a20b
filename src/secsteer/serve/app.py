"""The FastAPI app: OpenAI-compatible routes over one engine and its batching scheduler."""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from secsteer.serve.config import ServeConfig
from secsteer.serve.engine import Engine
from secsteer.serve.requests import ApiError, Prepared, parse, prepare
from secsteer.serve.responses import DONE, Reply, sse
from secsteer.serve.scheduler import Event, Scheduler
from secsteer.serve.schemas import ChatRequest, CompletionRequest, error_body

log = logging.getLogger(__name__)
POLL_S = 0.5      # how often a waiting non-streamed request checks that its client is still there


def create_app(engine: Engine, config: ServeConfig | None = None) -> FastAPI:
    config = config or ServeConfig()
    scheduler = Scheduler(engine, config.max_batch, config.collect_ms)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        scheduler.start()
        yield
        await asyncio.to_thread(scheduler.stop)     # uvicorn has drained the connections by now
        log.warning("drained: %d requests' rows served, scheduler stopped", scheduler.stats.rows)

    app = FastAPI(title="secsteer", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.scheduler = scheduler
    if config.api_key is not None:
        app.add_middleware(ApiKeyMiddleware, key=config.api_key)

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, err: ApiError) -> JSONResponse:
        return JSONResponse(error_body(err.message, err.kind, err.param, err.code), status_code=err.status)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, err: HTTPException) -> JSONResponse:
        return JSONResponse(error_body(str(err.detail), "invalid_request_error"), status_code=err.status_code)

    @app.exception_handler(Exception)
    async def server_error(_request: Request, err: Exception) -> JSONResponse:
        return JSONResponse(error_body(f"internal error: {type(err).__name__}", "server_error"), status_code=500)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "model": engine.name, "stats": asdict(scheduler.stats)}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        vectors = [{"name": v.name, "layers": list(v.layers), "relative": v.relative}
                   for v in engine.vectors.values()]
        card = {"id": engine.name, "object": "model", "created": 0, "owned_by": "secsteer",
                "secsteer": {"vectors": vectors, "default_vector": engine.default_vector,
                             "default_scale": engine.default_scale, "context_length": engine.context_length,
                             "max_tokens_cap": config.max_tokens_cap}}
        return {"object": "list", "data": [card]}

    @app.post("/v1/completions")
    async def completions(request: Request) -> Any:
        body = await parse(request, CompletionRequest, config.max_body_bytes)
        return await respond(request, prepare(body, body.prompt_text, "prompt", engine, config))

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Any:
        body = await parse(request, ChatRequest, config.max_body_bytes)
        try:
            messages = [{"role": m.role, "content": m.text()} for m in body.messages]
            prompt = engine.chat_prompt(messages)
        except ValueError as err:
            raise ApiError(400, str(err), param="messages") from None
        return await respond(request, prepare(body, prompt, "messages", engine, config))

    async def respond(request: Request, job: Prepared) -> Any:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Event] = asyncio.Queue()

        def emit(event: Event) -> None:               # called from the scheduler thread
            with suppress(RuntimeError):              # the loop is gone: nobody is listening
                loop.call_soon_threadsafe(queue.put_nowait, event)

        jobs = job.jobs(emit)
        if not scheduler.accepting:
            raise ApiError(503, "the server is shutting down", "server_error")
        if job.body.stream:
            return StreamingResponse(stream(job, jobs, queue), media_type="text/event-stream")
        scheduler.submit(jobs)
        try:
            reply = job.reply()
            checked = loop.time()
            while None in reply.finish:
                if loop.time() - checked > POLL_S:
                    if await request.is_disconnected():
                        return None
                    checked = loop.time()
                try:
                    event = await asyncio.wait_for(queue.get(), POLL_S)
                except asyncio.TimeoutError:
                    continue
                if event.error is not None:
                    raise ApiError(500, f"generation failed: {event.error}", "server_error")
                record(reply, event)
                if event.finish_reason is not None and job.judge:
                    reply.judges[event.index] = await job.run_judge(reply.texts[event.index])
            return JSONResponse(reply.body())
        finally:
            for j in jobs:
                j.cancelled = True                    # no effect on finished rows; frees the others

    async def stream(job: Prepared, jobs: list[Any], queue: asyncio.Queue[Event]) -> AsyncIterator[str]:
        scheduler.submit(jobs)
        try:
            reply = job.reply()
            for i in range(reply.n):
                yield reply.chunk(i, "", first=True, extension=reply.extension if i == 0 else None)
            while None in reply.finish:
                event = await queue.get()
                if event.error is not None:
                    yield sse(error_body(f"generation failed: {event.error}", "server_error"))
                    return
                record(reply, event)
                extension = None
                if event.finish_reason is not None and job.judge:
                    extension = {"judge": await job.run_judge(reply.texts[event.index])}
                if event.text or event.finish_reason is not None:
                    yield reply.chunk(event.index, event.text, event.finish_reason, extension=extension)
            if job.body.include_usage:
                yield reply.usage_chunk()
            yield DONE
        finally:                                      # also when the client went away (the task is cancelled)
            for j in jobs:
                j.cancelled = True

    return app


def record(reply: Reply, event: Event) -> None:
    reply.texts[event.index] += event.text
    if event.finish_reason is not None:
        reply.finish[event.index] = event.finish_reason
        reply.completion_tokens += event.completion_tokens


class ApiKeyMiddleware:
    """Every HTTP request needs `Authorization: Bearer KEY`, compared in constant time; else 401."""

    def __init__(self, app: ASGIApp, key: str) -> None:
        self.app = app
        self.expected = f"Bearer {key}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                body = error_body("missing or wrong API key (send Authorization: Bearer KEY)",
                                  "invalid_request_error", code="invalid_api_key")
                response = JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

"""Run the app under uvicorn. SIGTERM (or Ctrl-C) stops accepting connections, lets the in-flight requests
finish (up to `drain_s`), then stops the scheduler."""

from __future__ import annotations

import socket

import uvicorn

from secsteer.serve.app import create_app
from secsteer.serve.config import ServeConfig
from secsteer.serve.engine import Engine


def make_server(engine: Engine, config: ServeConfig, host: str = "127.0.0.1", port: int = 8000,
                drain_s: float = 120.0, log_level: str = "warning") -> uvicorn.Server:
    app = create_app(engine, config)
    settings = uvicorn.Config(app, host=host, port=port, http="h11", loop="asyncio", log_level=log_level,
                              timeout_graceful_shutdown=round(drain_s), access_log=False)
    return uvicorn.Server(settings)


def run_server(engine: Engine, config: ServeConfig, host: str = "127.0.0.1", port: int = 8000,
               drain_s: float = 120.0, log_level: str = "warning", sock: socket.socket | None = None) -> None:
    server = make_server(engine, config, host, port, drain_s, log_level)
    server.run(sockets=[sock] if sock is not None else None)

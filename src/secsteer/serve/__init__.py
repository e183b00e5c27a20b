"""`secsteer serve`: a steered model behind the OpenAI HTTP API, with batching and a per-answer security check."""

from secsteer.serve.config import ServeConfig
from secsteer.serve.engine import Engine, Row, VectorInfo

__all__ = ["Engine", "Row", "ServeConfig", "VectorInfo", "create_app", "run_server"]


def __getattr__(name: str):       # the web stack is imported only when a server is built
    if name == "create_app":
        from secsteer.serve.app import create_app

        return create_app
    if name == "run_server":
        from secsteer.serve.server import run_server

        return run_server
    raise AttributeError(name)

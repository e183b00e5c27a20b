"""A tiny random Qwen2 with a chat template and a random vector, served by a real uvicorn on a free port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import torch

from secsteer.model.layers import num_layers
from secsteer.serve.config import ServeConfig
from secsteer.serve.hook_engine import HookEngine
from secsteer.steering.apply import Steering
from secsteer.vectors.vector import SteeringVector, VectorMeta
from tests.conftest import tiny_model, tiny_tokenizer

pytest.importorskip("fastapi")
pytest.importorskip("openai")

CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
MODEL_NAME = "tiny-qwen2"
LAYERS = (1, 2)


def random_vector(model: Any, layers: tuple[int, ...] = LAYERS, norm: float = 30.0) -> SteeringVector:
    hidden = int(model.config.hidden_size)
    gen = torch.Generator().manual_seed(1)
    meta = VectorMeta(model_id=MODEL_NAME, architecture=type(model).__name__, hidden_size=hidden,
                      num_layers=num_layers(model), method="random", n_pairs=0, pairs_hash="",
                      layer_norms=dict.fromkeys(layers, norm))
    return SteeringVector({layer: torch.randn(hidden, generator=gen) for layer in layers}, meta)


@dataclass
class Tiny:
    model: Any
    tokenizer: Any
    vector: SteeringVector
    directory: Path


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> Tiny:
    tok = tiny_tokenizer()
    tok.chat_template = CHAT_TEMPLATE
    model = tiny_model("qwen2", tok)
    directory = tmp_path_factory.mktemp("tiny-served")
    model.save_pretrained(directory)
    tok.save_pretrained(directory)
    vector = random_vector(model)
    vector.save(directory / "v.safetensors")
    return Tiny(model, tok, vector, directory)


def hook_engine(tiny: Tiny, scale: float = 0.5) -> HookEngine:
    steering = Steering(tiny.vector, LAYERS, scale)
    return HookEngine(tiny.model, tiny.tokenizer, MODEL_NAME, {"v": steering}, default_scale=scale)


@dataclass
class Live:
    url: str
    server: Any
    app: Any

    def stats(self, headers: dict[str, str] | None = None) -> dict[str, Any]:
        return dict(httpx.get(f"{self.url}/health", headers=headers, timeout=10).json()["stats"])


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serving(engine: Any, config: ServeConfig) -> Iterator[Live]:
    """A real uvicorn in a thread on a free loopback port, stopped (drained) at the end."""
    from secsteer.serve.server import make_server

    sock = free_socket()
    server = make_server(engine, config, drain_s=10)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    port = sock.getsockname()[1]
    try:
        yield Live(f"http://127.0.0.1:{port}", server, server.config.app)
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@pytest.fixture(scope="session")
def live(tiny) -> Iterator[Live]:
    with serving(hook_engine(tiny), ServeConfig(max_tokens_cap=500, collect_ms=50)) as server:
        yield server


@pytest.fixture
def client(live):
    from openai import OpenAI

    return OpenAI(base_url=f"{live.url}/v1", api_key="unused", max_retries=0, timeout=60)

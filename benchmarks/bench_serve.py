"""`secsteer serve` throughput: generated tokens/s with 4 and 8 concurrent clients over 1 client, one run.

Two answer lengths: 32 tokens (serve_c4, serve_c8), where each request's prefill (compute-bound, so batching
does not amortize it) is a large share of the work, and 128 tokens (serve_c8_long; 16 in quick mode), closer
to a code completion (the sweeps generate up to 160), where decoding (memory-bound at batch 1) dominates.

A real uvicorn server in a thread, steered (a random vector at three layers), talked to over HTTP by K client
threads that each send `rounds` greedy completion requests one after another. Full mode serves the bundled
model in bf16 where the CPU has bf16 instructions (AMX or AVX512-BF16: the batched fast path), else float32
(emulated bf16 is several times slower); quick mode the tiny engine model.
"""

from __future__ import annotations

import json
import socket
import statistics
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tqdm.auto import tqdm

from benchmarks.context import Context
from benchmarks.models import BUNDLED, PROMPTS, random_vector
from benchmarks.timing import Figure, cpu_flags
from secsteer.model.layers import num_layers
from secsteer.serve.config import ServeConfig
from secsteer.serve.hook_engine import HookEngine
from secsteer.serve.server import make_server
from secsteer.steering.apply import Steering

CLIENTS = (1, 4, 8)
NAME = "bench"


def served_model(ctx: Context) -> tuple[Any, Any, str]:
    if ctx.quick:
        model, tok = ctx.models.engine()
        return model, tok, ctx.size.name
    from secsteer.model.load import load_model

    dtype = "bfloat16" if {"amx_bf16", "avx512_bf16"} & cpu_flags() else "float32"
    model, tok = load_model(BUNDLED, dtype=dtype)
    return model, tok, f"bundled qwen2.5-coder-0.5b {dtype}"


@contextmanager
def running_server(engine: HookEngine, max_batch: int) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = make_server(engine, ServeConfig(max_tokens_cap=4096, max_batch=max_batch, collect_ms=20), drain_s=30)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the benchmark server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(60)
        sock.close()


def complete(url: str, prompt: str, max_tokens: int) -> int:
    """One greedy completion request; its generated token count."""
    body = json.dumps({"model": NAME, "prompt": prompt, "max_tokens": max_tokens, "temperature": 0}).encode()
    request = urllib.request.Request(f"{url}/v1/completions", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return int(json.load(response)["usage"]["completion_tokens"])


def tokens_per_s(url: str, clients: int, rounds: int, max_tokens: int) -> float:
    """K clients, each sending `rounds` requests back to back; all generated tokens over the wall time."""
    counts = [0] * clients

    def client(k: int) -> None:
        for r in range(rounds):
            counts[k] += complete(url, PROMPTS[(k + r) % len(PROMPTS)], max_tokens)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - t0)


def measure(ctx: Context, long: bool = False) -> dict[str, Any]:
    key = "serve_long" if long else "serve"
    if key in ctx.cache:
        return dict(ctx.cache[key])
    if "serve_model" not in ctx.cache:
        ctx.cache["serve_model"] = served_model(ctx)
    model, tok, label = ctx.cache["serve_model"]
    n = num_layers(model)
    layers = (n // 4, n // 2, (3 * n) // 4)
    engine = HookEngine(model, tok, NAME, {"v": Steering(random_vector(model, list(layers)), layers, 0.5)}, 0.5)
    max_tokens = (16 if ctx.quick else 128) if long else (16 if ctx.quick else 32)
    clients = (1, 8) if long else CLIENTS
    rounds = 2
    reps = max(ctx.reps // 3, 2)
    rates: dict[int, list[float]] = {k: [] for k in clients}
    order = [k for r in range(reps) for k in (clients if r % 2 == 0 else clients[::-1])]   # against drift
    with running_server(engine, max(clients)) as url:
        complete(url, PROMPTS[0], 4)                                   # warm-up
        progress = tqdm(order, desc="serve clients", disable=ctx.quick, leave=False)
        for k in progress:
            rates[k].append(tokens_per_s(url, k, rounds, max_tokens))
            progress.set_postfix_str(f"{k} clients: {rates[k][-1]:.1f} tok/s")
        stats = json.load(urllib.request.urlopen(f"{url}/health", timeout=30))["stats"]
    result = {"label": label, "rates": rates, "max_tokens": max_tokens, "rounds": rounds, "reps": reps,
              "batch_sizes": stats["batch_sizes"]}
    ctx.cache[key] = result
    return result


def throughput(ctx: Context, clients: int, long: bool = False) -> Figure:
    m = measure(ctx, long)
    ratios = [c / one for c, one in zip(m["rates"][clients], m["rates"][1], strict=True)]
    target = (">=", 3.0) if clients == 8 else None
    one, many = statistics.median(m["rates"][1]), statistics.median(m["rates"][clients])
    return Figure(
        f"serve_c{clients}{'_long' if long else ''}", f"serve tok/s, {clients} clients / 1 client, {m['max_tokens']} tok ({m['label']})", "ok",
        statistics.median(ratios), (min(ratios), max(ratios)), target,
        {"tok_per_s_1": one, f"tok_per_s_{clients}": many, "rates": m["rates"], "rounds": m["rounds"],
         "batch_sizes": m["batch_sizes"]},
        note=f"{one:.1f} -> {many:.1f} tok/s",
    )


FIGURES = {
    "serve_c4": lambda ctx: throughput(ctx, 4),
    "serve_c8": lambda ctx: throughput(ctx, 8),
    "serve_c8_long": lambda ctx: throughput(ctx, 8, long=True),
}

"""secsteer serve: the model (steered) behind an OpenAI-compatible HTTP API."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path
from typing import Any

from secsteer.cli.common import add_model_args


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("serve", help="serve the model, steered, behind the OpenAI HTTP API")
    add_model_args(parser)
    parser.add_argument("--engine", default="hooks", choices=["hooks", "llamacpp"],
                        help="hooks: Hugging Face model + steering hooks (default); llamacpp: the model's GGUF "
                             "in llama.cpp (positions all only; one steering per batch)")
    parser.add_argument("--context", type=int, default=2048,
                        help="llamacpp only: tokens per sequence, prompt and answer (default: %(default)s)")
    steering = parser.add_argument_group("steering (the default for requests without a `steering` field)")
    steering.add_argument("--vector", action="append", default=[], metavar="[NAME=]PATH",
                          help="a .safetensors vector (repeatable; NAME defaults to the file name; the first "
                               "is the default)")
    steering.add_argument("--layers", default=None, help="comma-separated layers (default: all in each vector)")
    steering.add_argument("--scale", type=float, default=0.5,
                          help="default scale, in units of the layer's typical residual norm (default: %(default)s)")
    steering.add_argument("--absolute", action="store_true", help="scales multiply the stored vector instead")
    steering.add_argument("--positions", default="all", choices=["all", "prompt", "generated"])
    steering.add_argument("--max-scale", type=float, default=4.0,
                          help="largest |scale| a request may ask for (default: %(default)s)")
    http = parser.add_argument_group("server")
    http.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s, this machine only)")
    http.add_argument("--port", type=int, default=8000)
    http.add_argument("--api-key", default=os.environ.get("SECSTEER_API_KEY"),
                      help="require `Authorization: Bearer KEY` on every request (default: $SECSTEER_API_KEY)")
    http.add_argument("--served-model-name", default=None, help="the model id clients send (default: --model)")
    http.add_argument("--max-tokens-cap", type=int, default=1024, help="largest max_tokens a request may ask for")
    http.add_argument("--max-batch", type=int, default=8, help="rows per batched generation (default: %(default)s)")
    http.add_argument("--collect-ms", type=float, default=10.0,
                      help="how long to wait for more requests to join a batch (default: %(default)s)")
    http.add_argument("--drain-timeout", type=float, default=120.0,
                      help="seconds SIGTERM waits for in-flight requests (default: %(default)s)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from secsteer.serve.config import ServeConfig

    config = ServeConfig(api_key=args.api_key, max_tokens_cap=args.max_tokens_cap, max_scale=args.max_scale,
                         max_batch=args.max_batch, collect_ms=args.collect_ms)
    if not -args.max_scale <= args.scale <= args.max_scale:
        raise ValueError(f"--scale {args.scale} is outside [-{args.max_scale}, {args.max_scale}] (--max-scale)")
    if not is_loopback(args.host) and args.api_key is None:
        print(f"secsteer serve: warning: listening on {args.host} without --api-key: anyone who can reach "
              "this port can use the model", file=sys.stderr)
    engine = build_engine(args)
    from secsteer.serve.server import run_server

    names = ", ".join(f"{n} (layers {','.join(map(str, v.layers))})" for n, v in engine.vectors.items())
    print(f"secsteer serve: {engine.name} at http://{args.host}:{args.port}/v1; steering: "
          f"{names + f', default scale {engine.default_scale:g}' if names else 'none loaded'}", file=sys.stderr)
    run_server(engine, config, args.host, args.port, drain_s=args.drain_timeout)
    return 0


def build_engine(args: argparse.Namespace) -> Any:
    if args.engine == "llamacpp":
        from secsteer.serve.engine import llamacpp_engine

        return llamacpp_engine(args)
    from secsteer.cli.common import load_from_args
    from secsteer.serve.hook_engine import HookEngine

    steerings = load_steerings(args)
    model, tokenizer = load_from_args(args)
    return HookEngine(model, tokenizer, args.served_model_name or args.model, steerings, args.scale)


def load_steerings(args: argparse.Namespace) -> dict[str, Any]:
    """--vector/--layers/--scale/--absolute/--positions as one Steering per vector name."""
    from secsteer.model.layers import resolve_layers
    from secsteer.steering.apply import Steering
    from secsteer.vectors.vector import SteeringVector

    steerings = {}
    for name, path in vector_specs(args.vector):
        vector = SteeringVector.load(path)
        layers = tuple(resolve_layers(args.layers, vector.meta.num_layers)) if args.layers else None
        steerings[name] = Steering(vector, layers, args.scale, relative=not args.absolute, positions=args.positions)
    return steerings


def vector_specs(values: list[str]) -> list[tuple[str, Path]]:
    """[NAME=]PATH -> (name, path); names must be unique."""
    specs: list[tuple[str, Path]] = []
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or Path(value).exists():
            name, path = Path(value).stem, value
        if not Path(path).is_file():
            raise FileNotFoundError(f"steering vector {path} does not exist")
        if name in dict(specs):
            raise ValueError(f"two vectors are named {name!r}; name them with --vector NAME=PATH")
        specs.append((name, Path(path)))
    return specs


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

"""Arguments shared by several commands, and the calls they map to."""

from __future__ import annotations

import argparse
from typing import Any

from secsteer.model.bundled import DEFAULT_BUNDLED


def add_model_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("model")
    group.add_argument("--model", default=DEFAULT_BUNDLED,
                       help="hub id, checkpoint directory, .gguf file or bundled:NAME (default: %(default)s)")
    group.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"],
                       help="bfloat16 is faster for large batches on CPUs with AMX, slower at batch 1")
    group.add_argument("--device", default="auto", help="torch device: auto (cuda when available), cpu, cuda:0, ...")
    group.add_argument("--device-map", default=None, help="'auto' spreads the model over GPUs (accelerate)")
    group.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: all cores)")


def add_steering_args(parser: argparse.ArgumentParser, required: bool = False) -> None:
    group = parser.add_argument_group("steering")
    group.add_argument("--vector", required=required, help="a .safetensors steering vector")
    group.add_argument("--layers", default=None, help="comma-separated layers, e.g. 4,12,20 (default: all in vector)")
    group.add_argument("--scale", type=float, default=0.5,
                       help="steering strength in units of the layer's typical residual norm (default: %(default)s)")
    group.add_argument("--absolute", action="store_true",
                       help="treat --scale as a plain multiplier of the stored vector instead")
    group.add_argument("--positions", default="all", choices=["all", "prompt", "generated"])


def add_model_and_backend_args(parser: argparse.ArgumentParser) -> None:
    from secsteer.backends import add_backend_args

    add_model_args(parser)
    add_backend_args(parser)


def load_from_args(args: argparse.Namespace, backend: Any = None) -> tuple[Any, Any]:
    """Load --model through the chosen backend (hooks by default; --remote never loads weights here)."""
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    if backend is None:
        from secsteer.model.load import load_model

        return load_model(args.model, dtype=args.dtype, device=args.device, device_map=args.device_map)
    return backend.load(args.model, dtype=args.dtype, device=args.device, device_map=args.device_map)


def steering_from_args(args: argparse.Namespace) -> Any:
    if not getattr(args, "vector", None):
        return None
    from secsteer.model.layers import resolve_layers
    from secsteer.steering.apply import Steering
    from secsteer.vectors.vector import SteeringVector

    vector = SteeringVector.load(args.vector)
    layers = tuple(resolve_layers(args.layers, vector.meta.num_layers)) if args.layers else None
    return Steering(vector=vector, layers=layers, scale=args.scale, relative=not args.absolute,
                    positions=args.positions)

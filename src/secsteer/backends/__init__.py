"""Engines behind one read/steer interface: forward hooks (default), nnsight (local or NDIF remote), and
llama.cpp (generation only, GGUF models; secsteer.backends.llamacpp).

nnsight is imported only when its backend is built: importing it patches every Python object with `.save`.
"""

from __future__ import annotations

import argparse

from secsteer.backends.base import Backend, Generated
from secsteer.backends.gguf_vectors import export_gguf, import_gguf
from secsteer.backends.hooks import HookBackend
from secsteer.backends.remote import RemoteUnavailableError, check_remote

BACKENDS = ("hooks", "nnsight", "llamacpp")

__all__ = [
    "BACKENDS", "Backend", "Generated", "HookBackend", "RemoteUnavailableError", "add_backend_args",
    "backend_from_args", "check_remote", "export_gguf", "get_backend", "import_gguf",
]


def get_backend(name: str = "hooks", remote: bool = False) -> Backend:
    """A backend by name; remote=True (nnsight on NDIF) is checked here and fails fast when unusable."""
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose one of {list(BACKENDS)}")
    if remote and name != "nnsight":
        raise ValueError("remote execution runs through nnsight: use --backend nnsight (or leave it unset)")
    if name == "hooks":
        return HookBackend()
    if name == "llamacpp":
        from secsteer.backends.llamacpp_backend import LlamaCppBackend

        return LlamaCppBackend()
    from secsteer.backends.nnsight_backend import NNsightBackend

    return NNsightBackend(remote=remote)


def add_backend_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("backend")
    group.add_argument("--backend", "--engine", dest="backend", choices=BACKENDS, default=None,
                       help="engine for reads and steering: hooks (default), nnsight, or llamacpp (GGUF models, "
                            "generation only; see docs/backends.md)")
    group.add_argument("--remote", action="store_true",
                       help="run on NDIF through nnsight (needs NDIF_API_KEY, network, and --model as a hub id)")


def backend_from_args(args: argparse.Namespace) -> Backend:
    """The backend the flags ask for. With --remote, NDIF is checked first (a few seconds at most)."""
    remote = bool(getattr(args, "remote", False))
    name = getattr(args, "backend", None) or ("nnsight" if remote else "hooks")
    if remote and name != "nnsight":
        raise ValueError("--remote runs through nnsight: drop --backend hooks")
    if remote:
        check_remote(getattr(args, "model", None))
    return get_backend(name, remote=remote)

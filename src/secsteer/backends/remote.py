"""NDIF remote execution: check everything a remote run needs before any work starts, and fail fast.

A remote run needs nnsight, an API key, a model that NDIF can name (a hub id) and a reachable host.
Offline, nnsight's own client would wait on network timeouts; a short socket probe answers in seconds.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

DEFAULT_HOST = "https://api.ndif.us"
PROBE_TIMEOUT_S = 3.0
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


class RemoteUnavailableError(ConnectionError, ValueError):
    """The NDIF host cannot be reached. Also a ValueError, so the CLI reports it as a one-line user error."""


@dataclass(frozen=True)
class RemoteConfig:
    host: str
    api_key: str


def remote_config() -> RemoteConfig:
    """Host and key as nnsight resolves them (its config file, then NDIF_HOST / NDIF_API_KEY)."""
    host = os.environ.get("NDIF_HOST") or ""
    key = os.environ.get("NDIF_API_KEY") or ""
    if not (host and key):
        try:
            from nnsight import CONFIG
        except ImportError:
            raise ValueError(
                "remote execution needs nnsight; install it with `pip install 'secsteer[nnsight]'`"
            ) from None
        host = host or CONFIG.API.HOST or DEFAULT_HOST
        key = key or CONFIG.API.APIKEY or ""
    return RemoteConfig(host=host, api_key=key)


def check_hub_id(spec: str) -> str:
    """NDIF runs models it hosts, named by hub id; a local path, a .gguf file or bundled: cannot go there."""
    if spec.startswith("bundled:") or spec.endswith(".gguf") or Path(spec).expanduser().exists():
        raise ValueError(
            f"--remote needs a Hugging Face hub id that NDIF hosts (e.g. meta-llama/Llama-3.1-8B), "
            f"got the local model {spec!r}; run it locally without --remote"
        )
    if not HUB_ID.match(spec):
        raise ValueError(f"--remote needs a hub id of the form 'owner/name', got {spec!r}")
    return spec


def probe(host: str, timeout_s: float = PROBE_TIMEOUT_S) -> None:
    """Open (and close) a TCP connection to the host, giving up after timeout_s in all (DNS included)."""
    parts = urlsplit(host)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"NDIF host {host!r} is not an http(s) URL; fix NDIF_HOST or the nnsight config")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    outcome: list[BaseException | None] = []

    def connect() -> None:
        try:
            socket.create_connection((parts.hostname, port), timeout=timeout_s).close()
            outcome.append(None)
        except Exception as err:            # reported by the caller's thread, never lost in this one
            outcome.append(err)

    # getaddrinfo has no timeout of its own: run the whole attempt in a thread and stop waiting on time.
    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(timeout_s)
    if not outcome:
        raise RemoteUnavailableError(
            f"NDIF host {parts.hostname}:{port} did not answer within {timeout_s:g} s; "
            "check the network (remote execution needs internet access) or run without --remote"
        )
    if outcome[0] is not None:
        raise RemoteUnavailableError(
            f"cannot reach NDIF host {parts.hostname}:{port} ({outcome[0]}); remote execution needs "
            "internet access to NDIF: check the network and NDIF_HOST, or run without --remote"
        )


def check_remote(spec: str | None = None, timeout_s: float = PROBE_TIMEOUT_S) -> RemoteConfig:
    """Everything a remote run needs, checked cheapest first; raises with the reason, never hangs."""
    if spec is not None:
        check_hub_id(spec)
    config = remote_config()
    if not config.api_key:
        raise ValueError(
            "remote execution needs an NDIF API key: set NDIF_API_KEY (get one at https://login.ndif.us)"
        )
    probe(config.host, timeout_s)
    log.info("NDIF host %s is reachable", config.host)
    return config

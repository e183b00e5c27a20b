"""Thread count for torch's CPU kernels, from the cores this process may actually run on."""

from __future__ import annotations

import logging
import os

import torch

log = logging.getLogger(__name__)
ENV = "SECSTEER_THREADS"


def available_cores() -> int:
    """Cores in this process's affinity mask (a container or taskset may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:          # not on Linux
        return os.cpu_count() or 1


def configure_threads(threads: int | None = None) -> int:
    """Set torch's intra-op thread count and return it.

    Order of precedence: `threads`, the SECSTEER_THREADS environment variable, the available cores.
    torch's own default counts the machine's physical cores, which oversubscribes a process pinned to fewer;
    two threads per core then wait on each other at every parallel region.
    """
    if threads is None and os.environ.get(ENV):
        try:
            threads = int(os.environ[ENV])
        except ValueError:
            raise ValueError(f"{ENV} must be a positive integer, got {os.environ[ENV]!r}") from None
    count = threads if threads is not None else available_cores()
    if count < 1:
        raise ValueError(f"the thread count must be >= 1, got {count}")
    if torch.get_num_threads() != count:
        log.info("torch threads: %d -> %d", torch.get_num_threads(), count)
        torch.set_num_threads(count)
    return count

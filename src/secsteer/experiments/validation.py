"""Seeded fit/validation splits of pair rows, shared by the vector factory and the steering modes."""

from __future__ import annotations

import torch


def validation_rows(n: int, seed: int, fraction: float = 0.25) -> tuple[list[int], list[int]]:
    """A seeded split of pair indices into (fit, validation) for thresholds."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    k = max(1, int(n * fraction))
    return sorted(order[k:]), sorted(order[:k])

"""Aggregators: paired activations (secure, insecure) -> one direction per layer."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

Aggregator = Callable[[Tensor, Tensor], Tensor]     # (secure (n, d), insecure (n, d)) -> (d,)


def mean_diff() -> Aggregator:
    def aggregate(secure: Tensor, insecure: Tensor) -> Tensor:
        return (secure - insecure).mean(dim=0)
    return aggregate


def pca_diff() -> Aggregator:
    """First principal direction of the paired differences (uncentred, so a shared shift counts),
    signed toward secure and scaled to the mean difference's projection on it."""
    def aggregate(secure: Tensor, insecure: Tensor) -> Tensor:
        diffs = (secure - insecure).double()                       # (n, d)
        _, _, vh = torch.linalg.svd(diffs, full_matrices=False)
        direction = vh[0]                                          # (d,) unit
        projection = (diffs @ direction).mean()
        if projection < 0:
            direction, projection = -direction, -projection
        return (direction * projection).float()
    return aggregate


METHODS: dict[str, Callable[[], Aggregator]] = {"mean_diff": mean_diff, "pca": pca_diff}


def get_method(name: str) -> Aggregator:
    if name not in METHODS:
        raise ValueError(f"unknown vector method {name!r}; choose one of {sorted(METHODS)}")
    return METHODS[name]()

"""Sweeps: specs, the runner, the results store. Loaded lazily, so that the judging processes of a sweep
(experiments.executors.judging) import neither torch nor the model code."""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Cell": "grid", "cells": "grid", "run_sweep": "runner", "SweepSpec": "spec", "load_preset": "spec",
    "load_spec": "spec", "RunStore": "store",
}

__all__ = ["Cell", "RunStore", "SweepSpec", "cells", "load_preset", "load_spec", "run_sweep"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)

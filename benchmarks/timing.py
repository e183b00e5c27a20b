"""Figures and how they are timed: interleaved repetitions of a baseline and a variant, reported as ratios."""

from __future__ import annotations

import gc
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch

Status = Literal["ok", "skipped", "error"]
REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Paired:
    """Seconds per repetition; baseline[i] and variant[i] ran back to back, in alternating order."""
    baseline: tuple[float, ...]
    variant: tuple[float, ...]

    @property
    def ratios(self) -> list[float]:
        return [v / b for b, v in zip(self.baseline, self.variant, strict=True)]

    @property
    def median_ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.ratios), max(self.ratios)

    @property
    def min_ratio(self) -> float:
        """Ratio of the fastest runs: the least disturbed by other load on the machine."""
        return min(self.variant) / min(self.baseline)

    def summary(self, inverse: bool = False) -> dict[str, Any]:
        """Median and spread of variant/baseline time (inverse: of baseline/variant, i.e. a speed ratio)."""
        ratios = [1 / r for r in self.ratios] if inverse else self.ratios
        return {
            "ratio": statistics.median(ratios),
            "spread": (min(ratios), max(ratios)),
            "ratio_of_min": 1 / self.min_ratio if inverse else self.min_ratio,
            "baseline_s": statistics.median(self.baseline),
            "variant_s": statistics.median(self.variant),
            "baseline_runs_s": list(self.baseline),
            "variant_runs_s": list(self.variant),
        }


def _sync() -> None:
    """Wait for queued GPU work, so a timed run includes its kernels (no-op on a CPU-only run)."""
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def interleaved(baseline: Callable[[], object], variant: Callable[[], object], reps: int, warmup: int = 1) -> Paired:
    """Time both callables `reps` times, ABBA order, after `warmup` untimed rounds of each."""
    for _ in range(warmup):
        baseline()
        variant()
    base: list[float] = []
    var: list[float] = []
    gc.collect()
    gc.disable()                    # a collection inside one timed run would bias that run only
    try:
        for r in range(reps):
            times = [0.0, 0.0]
            for k in ((0, 1) if r % 2 == 0 else (1, 0)):
                t0 = time.perf_counter()
                (baseline, variant)[k]()
                _sync()
                times[k] = time.perf_counter() - t0
            base.append(times[0])
            var.append(times[1])
    finally:
        gc.enable()
    return Paired(tuple(base), tuple(var))


@dataclass(frozen=True)
class Figure:
    name: str
    what: str                                     # "variant / baseline, conditions"
    status: Status = "ok"
    ratio: float | None = None
    spread: tuple[float, float] | None = None     # min and max of the per-repetition ratios
    target: tuple[str, float] | None = None       # ("<=", 1.03): the ratio must satisfy it
    values: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.ratio is None or self.target is None:
            return None
        op, bound = self.target
        return self.ratio <= bound if op == "<=" else self.ratio >= bound

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "what": self.what, "status": self.status, "ratio": self.ratio,
            "spread": list(self.spread) if self.spread else None,
            "target": f"{self.target[0]} {self.target[1]}" if self.target else None,
            "met": self.met, "values": self.values, "note": self.note,
        }

    def line(self) -> str:
        head = f"{self.name:<12} {self.what:<72}"
        if self.status != "ok":
            return f"{head} {self.status.upper()}: {self.note}"
        text = f"{head} {self.ratio:7.3f}" if self.ratio is not None else f"{head} {'-':>7}"
        if self.spread:
            text += f" [{self.spread[0]:.3f}-{self.spread[1]:.3f}]"
        if self.target:
            text += f"  target {self.target[0]} {self.target[1]:g}: {'met' if self.met else 'MISSED'}"
        return text + (f"  ({self.note})" if self.note else "")


def from_paired(name: str, what: str, paired: Paired, target: tuple[str, float] | None = None,
                inverse: bool = False, **values: Any) -> Figure:
    summary = paired.summary(inverse)
    return Figure(name, what, "ok", summary.pop("ratio"), summary.pop("spread"), target, {**summary, **values})


def environment() -> dict[str, Any]:
    """What the numbers depend on: code version, library versions, CPU, threads, load."""
    import transformers

    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                                    capture_output=True, text=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        sha, dirty = "unknown", False
    return {
        "git_sha": sha, "git_dirty": dirty, "python": platform.python_version(),
        "torch": torch.__version__, "transformers": transformers.__version__,
        "cpu": cpu_model(), "cpu_flags": [f for f in ("avx512f", "avx512_bf16", "amx_bf16") if f in cpu_flags()],
        "cores_available": len(os.sched_getaffinity(0)), "torch_threads": torch.get_num_threads(),
        "load_avg_start": os.getloadavg(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }


def cpu_model() -> str:
    for line in _cpuinfo().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def cpu_flags() -> set[str]:
    for line in _cpuinfo().splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def _cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""

"""Run units in this process: sequentially, or with judging in a process pool while the next unit generates.

Both write units in plan order, so the store is the same line for line (but for unit times) either way, and a
killed run resumes from it. Overlap pays where generation runs off the CPU or leaves cores free; by default
`choose_overlap` decides from the hardware. Generation holds the model, so it stays in this process.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from tqdm.auto import tqdm

from secsteer.experiments.executors.judging import JudgeJob, judge
from secsteer.experiments.executors.work import Job, generate_unit, judge_job, load, make_factory
from secsteer.experiments.plan import Unit
from secsteer.experiments.store import RunStore

log = logging.getLogger(__name__)
Write = Callable[[str, list[dict[str, Any]]], None]
Note = Callable[[dict[str, Any]], None]
_pool: tuple[tuple[Any, ...], ProcessPoolExecutor] | None = None   # (workers, SECSTEER_* env), pool


def choose_overlap(device: str, cpus: int, torch_threads: int, judge_workers: int = 1) -> tuple[bool, str]:
    """Whether to judge beside generation, and why in words (for the log and the run record)."""
    if device != "cpu":
        return True, f"generation runs on {device}: judging overlaps it on the CPU"
    spare = cpus - torch_threads
    # Measured (docs/performance.md): on 2 cores with torch on both, overlap was 1.1-1.2x slower than judging
    # in turn, since a judging process with no core of its own only takes turns with generation.
    if spare >= judge_workers:
        return True, f"torch uses {torch_threads} of {cpus} CPUs: judging overlaps on the {spare} left"
    return False, f"generation on the CPU, torch uses {torch_threads} of {cpus} CPUs: none left, judged in turn"


def available_cpus() -> int:
    """CPUs this process may run on (affinity and cpusets included, where the OS says)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def generation_device(model: Any, backend: Any = None, device: str = "auto") -> str:
    """Where units generate: a torch device type, "remote" (NDIF), or "cpu" for an engine without parameters.
    model None: where `device` will load it (the model loads only once a unit needs generating)."""
    if backend is not None and getattr(backend, "remote", False) is True:
        return "remote"
    if model is None:
        if backend is not None and backend.name == "llamacpp":
            return "cpu"
        import torch

        from secsteer.model.load import resolve_device

        return torch.device(resolve_device(device)).type
    from secsteer.backends.base import input_device

    try:
        return input_device(model).type
    except (AttributeError, StopIteration, TypeError):       # llama.cpp's engine: no torch parameters
        return "cpu"


def _drain(pending: deque[tuple[Unit, Future[list[dict[str, Any]]]]], write: Write, bar: Any,
           stopping: bool = False) -> None:
    """Write every pending unit once judged; when stopping, a unit that fails to judge reruns on resume."""
    while pending:
        done, future = pending.popleft()
        try:
            write(done.id, future.result(timeout=300 if stopping else None))
        except Exception:                                  # noqa: BLE001
            if not stopping:
                raise
            log.warning("unit %s could not be judged; it reruns on resume", done.id)
        bar.update(1)


class LocalExecutor:
    """overlap: True judges in `judge_workers` processes while generation goes on, False in turn, None (the
    default) lets `choose_overlap` decide from where the model generates and the CPUs torch leaves free."""

    name = "local"

    def __init__(self, overlap: bool | None = None, judge_workers: int = 1) -> None:
        if judge_workers < 1:
            raise ValueError(f"judge_workers must be >= 1, got {judge_workers}")
        self.overlap, self.judge_workers = overlap, judge_workers
        self.chosen: dict[str, Any] | None = None     # what the last run did, and why

    def run(self, job: Job, todo: Sequence[Unit], write: Write, show_progress: bool = True,
            note: Note | None = None) -> None:
        """note: called once with the choice made (overlapped or not, and why) before any unit is written."""
        import torch

        device = generation_device(job.model, job.backend, job.device)
        if self.overlap is None:
            overlap, why = choose_overlap(device, available_cpus(), torch.get_num_threads(), self.judge_workers)
        else:
            overlap, why = self.overlap, "--overlap" if self.overlap else "--no-overlap"
        log.info("local executor: %s (%s)", "judging overlapped with generation" if overlap else "judging in turn",
                 why)
        self.chosen = {"executor": "local", "overlap": overlap, "reason": why, "device": device}
        if note is not None:
            note(self.chosen)
        generated = judge_jobs(job, todo)
        bar = tqdm(total=len(todo), disable=not show_progress, desc="units")
        if not overlap:
            for unit, judge_job in zip(todo, generated):
                write(unit.id, judge(judge_job))
                bar.update(1)
        else:
            pool = judge_pool(self.judge_workers)
            pending: deque[tuple[Unit, Future[list[dict[str, Any]]]]] = deque()
            try:
                for unit, judge_job in zip(todo, generated):       # generating unit k+1 while unit k is judged
                    pending.append((unit, pool.submit(judge, judge_job)))
                    while len(pending) > self.judge_workers:
                        done, future = pending.popleft()
                        write(done.id, future.result())
                        bar.update(1)
            except BaseException:     # stopped while generating (Ctrl-C, an error): keep what is being judged
                log.warning("stopping: writing the %d unit(s) already generated once judged", len(pending))
                _drain(pending, write, bar, stopping=True)
                raise
            _drain(pending, write, bar)
        bar.close()


def judge_jobs(job: Job, todo: Sequence[Unit]) -> Iterator[JudgeJob]:
    """Each unit's JudgeJob in order: from completions generated earlier (--generate-only) where the run
    has them, else generated now. The model loads only when some unit still needs generating."""
    kept = RunStore(job.out).generated()
    model, tokenizer, factory = job.model, job.tokenizer, None
    for unit in todo:
        if unit.id in kept:
            yield judge_job(job.spec, unit, job.scenarios, kept[unit.id]["completions"], kept[unit.id]["steered"])
            continue
        if model is None:
            model, tokenizer = load(job.spec, job.backend, device=job.device)
        if factory is None:
            factory = make_factory(job, model, tokenizer, job.out / "cache")
        yield generate_unit(job.spec, unit, job.scenarios, model, tokenizer, factory, job.backend)


def judge_pool(workers: int) -> ProcessPoolExecutor:
    """A pool kept for the life of the process: a sweep after a sweep (tests, notebooks) skips the start-up.

    Spawned, not forked: forking a process that runs torch's thread pool can deadlock the child. Workers keep
    the environment they were spawned with, so a changed SECSTEER_* variable (another cache, hence another
    sandbox environment) gets a new pool instead of judging with the old one."""
    global _pool
    key = (workers, tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("SECSTEER_"))))
    if _pool is not None and (_pool[0] != key or getattr(_pool[1], "_broken", False)):
        _pool[1].shutdown(wait=False, cancel_futures=True)
        _pool = None
    if _pool is None:
        _pool = (key, ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")))
    return _pool[1]


@atexit.register
def _close_pool() -> None:
    if _pool is not None:
        _pool[1].shutdown(wait=True, cancel_futures=True)

"""Run units in this process: sequentially, or with judging in a process pool while the next unit generates.

Both write units in plan order, so the store is the same line for line (but for unit times) either way, and a
killed run resumes from it. Overlap pays where judging waits (sandboxed tests, semgrep and gcc start-up) or
where there are spare cores; generation holds the model, so it stays in this process.
"""

from __future__ import annotations

import atexit
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from tqdm.auto import tqdm

from secsteer.experiments.executors.judging import JudgeJob, judge
from secsteer.experiments.executors.work import Job, generate_unit, judge_job, load, make_factory
from secsteer.experiments.plan import Unit
from secsteer.experiments.store import RunStore

Write = Callable[[str, list[dict[str, Any]]], None]
_pool: tuple[int, ProcessPoolExecutor] | None = None


class LocalExecutor:
    """overlap: judge in `judge_workers` processes while generation goes on (the default); else in turn."""

    name = "local"

    def __init__(self, overlap: bool = True, judge_workers: int = 1) -> None:
        if judge_workers < 1:
            raise ValueError(f"judge_workers must be >= 1, got {judge_workers}")
        self.overlap, self.judge_workers = overlap, judge_workers

    def run(self, job: Job, todo: Sequence[Unit], write: Write, show_progress: bool = True) -> None:
        generated = judge_jobs(job, todo)
        bar = tqdm(total=len(todo), disable=not show_progress, desc="units")
        if not self.overlap:
            for unit, judge_job in zip(todo, generated):
                write(unit.id, judge(judge_job))
                bar.update(1)
        else:
            pool = judge_pool(self.judge_workers)
            pending: deque[tuple[Unit, Future[list[dict[str, Any]]]]] = deque()
            for unit, judge_job in zip(todo, generated):       # generating unit k+1 while unit k is judged
                pending.append((unit, pool.submit(judge, judge_job)))
                while len(pending) > self.judge_workers:
                    done, future = pending.popleft()
                    write(done.id, future.result())
                    bar.update(1)
            while pending:
                done, future = pending.popleft()
                write(done.id, future.result())
                bar.update(1)
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

    Spawned, not forked: forking a process that runs torch's thread pool can deadlock the child."""
    global _pool
    if _pool is not None and (_pool[0] != workers or getattr(_pool[1], "_broken", False)):
        _pool[1].shutdown(wait=False, cancel_futures=True)
        _pool = None
    if _pool is None:
        _pool = (workers, ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")))
    return _pool[1]


@atexit.register
def _close_pool() -> None:
    if _pool is not None:
        _pool[1].shutdown(wait=True, cancel_futures=True)

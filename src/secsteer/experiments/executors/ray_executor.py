"""Run units on a Ray cluster: one long-lived actor per worker holds the model; judging runs in CPU tasks.

The driver (the `secsteer sweep` process) plans, ships units to actors, several in flight each, sends each
unit's completions to a judging task, and alone writes the store, one whole unit at a time, as units finish.
An actor that dies (a killed process, a lost node) costs only its unfinished units: they go back to the queue
and run on another actor, and the dead one is replaced. A killed driver loses nothing written; rerunning the
same command resumes from the store, on the same cluster or a new one.

Ray moves arguments between the cluster's processes with pickle, as it always does: run it only on machines
you trust (Ray's own security advice). Nothing secsteer reads from disk is unpickled.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from secsteer.experiments.executors.judging import JudgeJob, judge
from secsteer.experiments.executors.work import Job, generate_unit, load, make_factory
from secsteer.experiments.plan import Unit

log = logging.getLogger(__name__)
Write = Callable[[str, list[dict[str, Any]]], None]
Note = Callable[[dict[str, Any]], None]


class UnitWorker:
    """A Ray actor (wrapped with ray.remote by the driver): loads the model once, then generates units."""

    def __init__(self, job: Job, activations: bytes | None, threads: int | None) -> None:
        import ray
        import torch

        if threads:
            torch.set_num_threads(threads)
        options = {"device": "cuda"} if ray.get_gpu_ids() else {}     # Ray sets CUDA_VISIBLE_DEVICES
        self.job = job
        self.model, self.tokenizer = load(job.spec, job.backend, **options)
        cache = Path(tempfile.mkdtemp(prefix="secsteer-worker-"))
        self.factory = make_factory(job, self.model, self.tokenizer, cache)
        if activations is not None and self.factory is not None:
            self.factory.cache.write_bytes(activations)         # the driver's copy, read once for all workers

    def activations(self) -> bytes | None:
        """The pair set's activations as the cache file's bytes (safetensors), read here if need be."""
        if self.factory is None or not self.job.pairs:
            return None
        self.factory.activations()
        return self.factory.cache.read_bytes()

    def generate(self, unit: Unit) -> JudgeJob:
        return generate_unit(self.job.spec, unit, self.job.scenarios, self.model, self.tokenizer, self.factory,
                             self.job.backend)

    def pid(self) -> int:
        return os.getpid()


@dataclass
class _Slot:
    actor: Any
    load: int = 0
    dead: bool = False


class RayExecutor:
    """address: None starts Ray on this machine, "auto" joins the running cluster, or HOST:PORT.
    workers: model-holding actors (default: one per GPU in the cluster, else one).
    inflight: units queued at each actor, so it never waits for the driver between units."""

    name = "ray"

    def __init__(self, address: str | None = None, workers: int | None = None, inflight: int = 2,
                 threads: int | None = None, max_attempts: int = 3) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f"--workers must be >= 1, got {workers}")
        if inflight < 1 or max_attempts < 1:
            raise ValueError("inflight and max_attempts must be >= 1")
        self.address, self.workers, self.inflight = address, workers, inflight
        self.threads, self.max_attempts = threads, max_attempts
        self.replaced = 0             # actors started to replace dead ones
        self.retried: list[str] = []  # units sent again after their actor died

    def run(self, job: Job, todo: Sequence[Unit], write: Write, show_progress: bool = True,
            note: Note | None = None) -> None:
        """note: called once with the workers chosen (count, resources, threads) before any unit is written."""
        ray = import_ray()
        started = not ray.is_initialized()
        if started:
            ray.init(address=self.address, log_to_driver=show_progress)
        self._ray = ray
        self._slots: list[_Slot] = []
        try:
            self._run(job, todo, write, show_progress, note)
        finally:
            for slot in self._slots:
                ray.kill(slot.actor, no_restart=True)
            if started:
                ray.shutdown()

    def _run(self, job: Job, todo: Sequence[Unit], write: Write, show_progress: bool, note: Note | None) -> None:
        ray = self._ray
        count, options, threads = worker_plan(ray.cluster_resources(), self.workers, self.threads)
        log.info("ray: %d worker(s) with %s, %s torch threads each", count, options, threads or "default")
        if note is not None:
            note({"executor": "ray", "workers": count, "resources": options, "threads": threads,
                  "address": self.address})
        self._actor = ray.remote(UnitWorker).options(max_restarts=0, scheduling_strategy="SPREAD", **options)
        shipped = ray.put(replace(job, model=None, tokenizer=None))
        first = self._actor.remote(shipped, None, threads)
        activations = self._activations(job, first, shipped, threads)
        self._start = lambda: self._actor.remote(shipped, activations, threads)   # noqa: E731
        self._slots = [_Slot(first)] + [_Slot(self._start()) for _ in range(count - 1)]
        judge_task = ray.remote(num_cpus=1, max_retries=self.max_attempts)(judge)
        queue: deque[Unit] = deque(todo)
        attempts: dict[str, int] = defaultdict(int)
        generating: dict[Any, tuple[_Slot, Unit]] = {}
        judging: dict[Any, Unit] = {}
        bar = tqdm(total=len(todo), disable=not show_progress, desc="units")
        while queue or generating or judging:
            for slot in self._slots:
                while queue and slot.load < self.inflight:
                    unit = queue.popleft()
                    generating[slot.actor.generate.remote(unit)] = (slot, unit)
                    slot.load += 1
            [ref], _ = ray.wait([*generating, *judging], num_returns=1)
            if ref in judging:
                unit = judging.pop(ref)
                write(unit.id, ray.get(ref))          # a judging error is the sweep's error, as locally
                bar.update(1)
                continue
            slot, unit = generating.pop(ref)
            slot.load -= 1
            try:
                judging[judge_task.remote(ray.get(ref))] = unit
            except LOST_ERRORS as err:
                attempts[unit.id] += 1
                if attempts[unit.id] >= self.max_attempts:
                    raise RuntimeError(f"unit {unit.id} failed on {attempts[unit.id]} workers; last: {err}") from err
                log.warning("worker lost running unit %s (%s); sending it to another", unit.id, type(err).__name__)
                self.retried.append(unit.id)
                queue.appendleft(unit)
                self._replace(slot)
        bar.close()

    def _replace(self, slot: _Slot) -> None:
        if slot.dead:                 # its other units fail one by one; one replacement is enough
            return
        slot.dead = True
        self._ray.kill(slot.actor, no_restart=True)
        self._slots[self._slots.index(slot)] = _Slot(self._start())
        self.replaced += 1

    def _activations(self, job: Job, first: Any, shipped: Any, threads: int | None) -> Any:
        """Activations of the pairs, read once: from the run's cache, else by the first worker and cached.

        Workers get them as bytes, so none needs the driver's disk and none reads them again."""
        ray = self._ray
        if not job.needs_vectors or job.fixed is not None:
            return None
        path = make_factory(job, None, None, job.out / "cache").cache      # type: ignore[union-attr]
        if not path.exists():
            for attempt in range(1, self.max_attempts + 1):
                try:
                    data = ray.get(first.activations.remote())
                    break
                except LOST_ERRORS:
                    if attempt == self.max_attempts:
                        raise
                    first = self._actor.remote(shipped, None, threads)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        return ray.put(path.read_bytes())


def worker_plan(resources: dict[str, float], workers: int | None, threads: int | None
                ) -> tuple[int, dict[str, Any], int | None]:
    """(workers, actor resources, torch threads): a GPU each when the cluster has GPUs; else CPUs, one left
    for judging so that judging tasks always find a CPU beside the workers."""
    gpus = int(resources.get("GPU", 0))
    if gpus:
        return workers or gpus, {"num_gpus": 1, "num_cpus": 1}, threads
    cpus = resources.get("CPU", 1.0)
    count = workers or 1
    spare = 1.0 if cpus >= 2 else cpus / 2
    share = (cpus - spare) / count
    share = math.floor(share) if share >= 1 else round(share, 4)     # Ray: above 1, whole CPUs only
    if share <= 0:
        raise ValueError(f"{count} workers do not fit on {cpus:g} CPUs with one left for judging")
    return count, {"num_cpus": share}, threads or max(1, int(share))


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ImportError("--executor ray needs Ray: pip install 'secsteer[ray]'") from None
    return ray


def _lost_errors() -> tuple[type[BaseException], ...]:
    try:
        from ray import exceptions as e
    except ImportError:
        return ()
    return (e.RayActorError, e.ActorUnavailableError, e.WorkerCrashedError, e.NodeDiedError, e.ObjectLostError)


LOST_ERRORS = _lost_errors()

"""The batching scheduler: one worker thread that gathers requests arriving together into one batch.

The worker waits for a first job, then collects more for `collect_ms` (or until `max_batch` rows), and
runs them as one batched generation. Jobs that arrive while a batch runs join it at the next decoding step
when the engine can (`joins_running_batch`, up to `max_batch` live rows), else wait for the next one. After
every decoding step each row's text is updated and its delta sent to the request that owns it; a row
that ended (end of text, stop string, max_tokens, client gone) is marked done and the engine frees it.
Engines without per-row steering (llama.cpp: one control vector per context) get batches of rows with
equal steering only, one steering after another, in arrival order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from secsteer.serve.engine import Engine, Row
from secsteer.serve.text import TextState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """What a request receives: a text delta, and at the end its finish reason."""
    index: int                       # which choice (0 .. n-1)
    text: str
    finish_reason: str | None = None  # "stop", "length", "error" or None while running
    completion_tokens: int = 0
    error: str | None = None


@dataclass(eq=False)
class Job:
    """One row of one request, with where its events go (`emit` must be safe to call from any thread)."""
    row: Row
    index: int
    emit: Callable[[Event], None]
    text: TextState
    cancelled: bool = False          # set by the request's side when its client goes away
    finished: bool = False

    def finish(self, reason: str, delta: str = "", error: str | None = None) -> None:
        self.row.done = self.finished = True
        self.emit(Event(self.index, delta, reason, len(self.row.tokens), error))


@dataclass
class Stats:
    batches: int = 0
    rows: int = 0
    max_batch: int = 0                # most rows decoded in one step
    rows_cancelled: int = 0
    rows_joined: int = 0              # rows that joined a batch already running
    generated_tokens: int = 0
    active_rows: int = 0
    queued_rows: int = 0
    batch_sizes: dict[int, int] = field(default_factory=dict)


class Scheduler:
    def __init__(self, engine: Engine, max_batch: int = 8, collect_ms: float = 10.0) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be >= 1, got {max_batch}")
        self.engine = engine
        self.max_batch = max_batch
        self.collect_s = collect_ms / 1000
        self.stats = Stats()
        self._pending: deque[Job] = deque()
        self._cond = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="secsteer-batcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Finish queued and running jobs, then end the worker."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout)

    @property
    def accepting(self) -> bool:
        return not self._stopping

    def submit(self, jobs: list[Job]) -> None:
        with self._cond:
            if self._stopping:
                raise RuntimeError("the server is shutting down")
            self._pending.extend(jobs)
            self.stats.queued_rows = len(self._pending)
            self._cond.notify_all()

    def _loop(self) -> None:
        while True:
            batch = self._take_batch()
            if batch is None:
                return
            if batch:
                self._run(batch)

    def _take_batch(self) -> list[Job] | None:
        """The next batch; None once stopping with nothing left."""
        with self._cond:
            while not self._pending:
                if self._stopping:
                    return None
                self._cond.wait()
            deadline = time.monotonic() + self.collect_s
            while len(self._pending) < self.max_batch and not self._stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return self._take(self.max_batch, None)

    def _take(self, room: int, like: Job | None) -> list[Job]:
        """Up to `room` pending jobs that may share a batch (with `like`, when given); drops cancelled ones.
        Jobs joining a running batch (`like`) never overtake one left waiting, so a request whose steering
        differs from the running batch's is served next, not starved by a stream of joiners."""
        with self._cond:
            taken: list[Job] = []
            rest: deque[Job] = deque()
            blocked = False
            for job in self._pending:
                if job.cancelled:
                    self.stats.rows_cancelled += 1
                    job.finish("cancelled")
                elif not blocked and len(taken) < room and self._fits(like or (taken[0] if taken else None), job):
                    taken.append(job)
                else:
                    rest.append(job)
                    blocked = like is not None
            self._pending = rest
            self.stats.queued_rows = len(rest)
            return taken

    def _fits(self, like: Job | None, job: Job) -> bool:
        return self.engine.per_row_steering or like is None or like.row.steering_key == job.row.steering_key

    def _run(self, batch: list[Job]) -> None:
        stats = self.stats
        stats.batches += 1
        stats.rows += len(batch)
        stats.batch_sizes[len(batch)] = stats.batch_sizes.get(len(batch), 0) + 1
        rows = [job.row for job in batch]
        try:
            for _ in self.engine.run(rows):
                live = 0
                for job in batch:
                    if not job.finished:
                        self._after_step(job)
                        live += 1
                stats.max_batch = max(stats.max_batch, live)
                stats.active_rows = sum(not job.finished for job in batch)
                if self.engine.joins_running_batch and stats.active_rows < self.max_batch:
                    joining = self._take(self.max_batch - stats.active_rows, batch[0])
                    batch.extend(joining)
                    rows.extend(job.row for job in joining)      # the engine prefills them at its next step
                    stats.rows += len(joining)
                    stats.rows_joined += len(joining)
                    stats.active_rows += len(joining)
        except Exception as err:      # a failed batch answers its requests with an error; the server lives on
            log.exception("batch of %d rows failed", len(batch))
            for job in batch:
                if not job.finished:
                    job.finish("error", error=f"{type(err).__name__}: {err}")
        finally:
            stats.active_rows = 0
            for job in batch:
                if not job.finished:          # the engine ended early: say so rather than hang the request
                    job.finish("error", error="the engine stopped before this row finished")

    def _after_step(self, job: Job) -> None:
        row = job.row
        self.stats.generated_tokens += 1
        if job.cancelled:
            self.stats.rows_cancelled += 1
            job.finish("cancelled")
            return
        ended = row.tokens[-1] in self.engine.eos_ids
        full = len(row.tokens) >= row.max_tokens
        tokens = row.tokens[:-1] if ended else row.tokens
        delta, stopped = job.text.update(tokens, final=ended or full)
        if ended or stopped or full:
            job.finish("length" if full and not (ended or stopped) else "stop", delta)
        elif delta:
            job.emit(Event(job.index, delta))

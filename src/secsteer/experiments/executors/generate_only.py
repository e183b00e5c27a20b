"""Generate now, judge later: each unit's completions go to RUN/generated.jsonl, and nothing is judged.

For a GPU machine without the analyzers, the C toolchain or the sandbox's environment: copy the run folder
back and rerun the same command without --generate-only where those are; the local executor then judges the
stored completions and loads no model for them. Units already generated are skipped, so a killed run resumes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tqdm.auto import tqdm

from secsteer.experiments.executors.work import Job, generate_unit, load, make_factory
from secsteer.experiments.plan import Unit
from secsteer.experiments.store import RunStore


class GenerateOnlyExecutor:
    name = "generate-only"

    def run(self, job: Job, todo: Sequence[Unit], write: Callable[[str, list[dict[str, Any]]], None],
            show_progress: bool = True) -> None:
        store = RunStore(job.out)
        have = store.generated()
        rest = [u for u in todo if u.id not in have]
        if not rest:
            return
        model, tokenizer = job.model, job.tokenizer
        if model is None:
            model, tokenizer = load(job.spec, job.backend, device=job.device)
        factory = make_factory(job, model, tokenizer, job.out / "cache")
        for unit in tqdm(rest, disable=not show_progress, desc="units (generate only)"):
            made = generate_unit(job.spec, unit, job.scenarios, model, tokenizer, factory, job.backend)
            store.write_generated(unit.id, list(made.completions), list(made.steered))

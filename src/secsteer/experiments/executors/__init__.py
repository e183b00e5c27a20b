"""Where a sweep's units run. The runner plans units and owns the store; an executor generates and judges.

  local       this process generates; a process pool judges unit k while unit k+1 generates (default)
  sequential  this process generates and judges each unit in turn (what sweeps did before executors)
  ray         a Ray cluster: one model-holding actor per worker, judging in CPU tasks (ray_executor.py)
  generate-only  generate into RUN/generated.jsonl and judge nothing; a later local run judges it

Nothing is imported here eagerly: a judging process imports judging.py alone, without torch.
"""

from __future__ import annotations

from typing import Any

EXECUTORS = ("local", "sequential", "ray", "generate-only")

__all__ = ["EXECUTORS", "get_executor"]


def get_executor(executor: Any = None, **options: Any) -> Any:
    """An executor object from a name (None: local, overlapped); an executor object passes through."""
    if executor is None or executor in ("local", "sequential"):
        from secsteer.experiments.executors.local import LocalExecutor

        return LocalExecutor(overlap=executor != "sequential", **options)
    if executor == "generate-only":
        from secsteer.experiments.executors.generate_only import GenerateOnlyExecutor

        return GenerateOnlyExecutor(**options)
    if executor == "ray":
        from secsteer.experiments.executors.ray_executor import RayExecutor

        return RayExecutor(**options)
    if isinstance(executor, str):
        raise ValueError(f"unknown executor {executor!r}; choose one of {list(EXECUTORS)}")
    return executor

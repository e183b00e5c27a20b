"""Append-only results store of a run directory; survives kill -9 at any point.

Files:
  run.json       the spec (and its digest) the directory belongs to, plus the environment, and how each
                 session ran it ("executions": executor, overlapped or not, why); samples never depend on it
  samples.jsonl  one line per judged completion, written a whole batch ("unit") at a time
  units.jsonl    one line per finished unit, written only after its samples are on disk
  cells.jsonl    one summary per finished cell
A unit counts only once its line is in units.jsonl; sample lines of an unfinished unit (a kill between
the two writes) are ignored by the reader and the unit is redone. A torn last line (a kill during a
write) is ignored by the reader and cut off before the next append, so no record is glued onto it.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
log = logging.getLogger(__name__)


class SpecMismatchError(ValueError):
    """The directory holds results of a different spec."""


def repair_tail(path: Path) -> None:
    """Cut an unterminated last line (a write cut short by a kill) back to the last newline."""
    if not path.exists():
        return
    with open(path, "rb+") as f:
        size = f.seek(0, os.SEEK_END)
        if size == 0:
            return
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return
        keep = 0
        for start in range(size, 0, -65536):  # scan back for the last newline
            f.seek(max(0, start - 65536))
            chunk = f.read(start - max(0, start - 65536))
            if b"\n" in chunk:
                keep = max(0, start - 65536) + chunk.rindex(b"\n") + 1
                break
        f.truncate(keep)
        f.flush()
        os.fsync(f.fileno())
    log.warning("%s: cut a torn last line (%d bytes, from a killed write) before appending", path, size - keep)


def _append(path: Path, records: Iterable[dict[str, Any]]) -> None:
    text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in records)
    if not text:
        return
    repair_tail(path)
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n"):
                return                      # torn final write of a killed run
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def environment() -> dict[str, str]:
    import importlib.metadata as md

    env = {"python": platform.python_version(), "machine": platform.machine()}
    for package in ("secsteer", "torch", "transformers", "bandit", "semgrep"):
        try:
            env[package] = md.version(package)
        except md.PackageNotFoundError:
            env[package] = "absent"
    return env


class RunStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.samples_path = self.root / "samples.jsonl"
        self.units_path = self.root / "units.jsonl"
        self.cells_path = self.root / "cells.jsonl"
        self.run_path = self.root / "run.json"
        self.generated_path = self.root / "generated.jsonl"     # completions not judged yet (--generate-only)

    def open(self, spec_json: dict[str, Any], digest: str, restart: bool = False,
             extend: Callable[[dict[str, Any]], list[str]] | None = None) -> bool:
        """Claim the directory for this spec. Returns True when resuming earlier work.

        extend: given the stored spec, the keys that keep it from growing into this one; with none, a run of another
        digest is taken over: its units stay, run.json records the new spec and the digests it grew from."""
        self.root.mkdir(parents=True, exist_ok=True)
        if self.run_path.exists() and not restart:
            existing = json.loads(self.run_path.read_text(encoding="utf-8"))
            if existing.get("spec_digest") != digest and extend is not None:
                problems = extend(existing.get("spec", {}))
                if problems:
                    raise SpecMismatchError(f"{self.root}: cannot extend: its spec differs in {', '.join(problems)}")
                grown = {**existing, "spec": spec_json, "spec_digest": digest,
                         "extended_from": [*existing.get("extended_from", []), existing.get("spec_digest")]}
                self._write_record(grown)
                return True
            if existing.get("spec_digest") != digest:
                raise SpecMismatchError(
                    f"{self.root} holds results of another spec (digest {existing.get('spec_digest')}, "
                    f"this one {digest}); use a new --out directory, or --restart to discard those results"
                )
            return True
        for path in (self.samples_path, self.units_path, self.cells_path, self.generated_path):
            path.unlink(missing_ok=True)
        self._write_record({"schema_version": SCHEMA_VERSION, "spec_digest": digest, "spec": spec_json,
                            "env": environment(), "created": time.strftime("%Y-%m-%dT%H:%M:%S")})
        return False

    def _write_record(self, record: dict[str, Any]) -> None:
        tmp = self.run_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, indent=2, sort_keys=True), encoding="utf-8")
        tmp.replace(self.run_path)

    def run_record(self) -> dict[str, Any]:
        if not self.run_path.exists():
            raise FileNotFoundError(f"{self.root} is not a run directory (no run.json)")
        record = json.loads(self.run_path.read_text(encoding="utf-8"))
        if record.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"{self.run_path}: schema version {record.get('schema_version')} is not supported")
        return record

    def note_execution(self, how: dict[str, Any]) -> None:
        """Add how this session runs the units (executor, overlap, why) to run.json's "executions"."""
        record = self.run_record()
        record["executions"] = [*record.get("executions", []), {**how, "started": time.strftime("%Y-%m-%dT%H:%M:%S")}]
        self._write_record(record)

    def done_units(self) -> set[str]:
        return {r["unit"] for r in read_jsonl(self.units_path)}

    def write_unit(self, unit: str, samples: list[dict[str, Any]]) -> None:
        _append(self.samples_path, [{**s, "unit": unit} for s in samples])
        _append(self.units_path, [{"unit": unit, "n": len(samples), "time": time.time()}])

    def write_generated(self, unit: str, completions: list[str], steered: list[float]) -> None:
        _append(self.generated_path, [{"unit": unit, "completions": completions, "steered": steered}])

    def generated(self) -> dict[str, dict[str, Any]]:
        """Generated-but-unjudged completions by unit id (the first record of a unit wins)."""
        out: dict[str, dict[str, Any]] = {}
        for r in read_jsonl(self.generated_path):
            out.setdefault(r["unit"], r)
        return out

    def samples(self) -> list[dict[str, Any]]:
        """Samples of finished units only, each (unit, row) once."""
        done = self.done_units()
        seen: set[tuple[str, int]] = set()
        out = []
        for s in read_jsonl(self.samples_path):
            key = (s["unit"], s["row"])
            if s["unit"] in done and key not in seen:
                seen.add(key)
                out.append(s)
        return out

    def done_cells(self) -> set[str]:
        return {r["cell"] for r in read_jsonl(self.cells_path)}

    def write_cells(self, summaries: list[dict[str, Any]]) -> None:
        _append(self.cells_path, summaries)

    def cells(self) -> list[dict[str, Any]]:
        latest: dict[str, dict[str, Any]] = {}
        for r in read_jsonl(self.cells_path):
            latest.setdefault(r["cell"], r)
        return list(latest.values())

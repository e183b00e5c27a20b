"""Named scenario sets: fixed lists of scenario ids from one source, split into a tuning and a report half.

A set lives in `secsteer/data/builtin/scenario_sets/<name>.toml`:

    description = "..."
    source = "seccodeplt"          # the scenario source the ids come from
    tune = ["seccodeplt/12", ...]  # choose methods and settings on these
    report = ["seccodeplt/40", ...] # report on these, once

Spec: `set:NAME[#tune|#report][:PATH]`, PATH being the source's data (e.g. the SecCodePLT folder);
builtin sets need none. Without `#half` the set is both halves.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from secsteer.data.scenario import Scenario

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["SETS_ROOT", "ScenarioSet", "list_sets", "load_set", "select_set"]

SETS_ROOT = Path(__file__).resolve().parent / "builtin" / "scenario_sets"
HALVES = ("tune", "report")


@dataclass(frozen=True)
class ScenarioSet:
    name: str
    description: str
    source: str
    tune: tuple[str, ...]
    report: tuple[str, ...]

    def ids(self, half: str | None = None) -> tuple[str, ...]:
        if half is None:
            return self.tune + self.report
        if half not in HALVES:
            raise ValueError(f"set {self.name}: unknown half {half!r}; use #tune or #report")
        return self.tune if half == "tune" else self.report


def list_sets(root: Path = SETS_ROOT) -> list[str]:
    return sorted(p.stem for p in root.glob("*.toml"))


def load_set(name: str, root: Path = SETS_ROOT) -> ScenarioSet:
    path = root / f"{name}.toml"
    if not path.is_file():
        raise FileNotFoundError(f"no scenario set {name!r}; known sets: {', '.join(list_sets(root)) or 'none'}")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    missing = [k for k in ("description", "source", "tune", "report") if k not in data]
    if missing:
        raise ValueError(f"{path}: missing key(s) {missing}")
    tune, report = tuple(data["tune"]), tuple(data["report"])
    overlap = set(tune) & set(report)
    if overlap:
        raise ValueError(f"{path}: ids in both halves: {sorted(overlap)}")
    return ScenarioSet(name, str(data["description"]).strip(), str(data["source"]), tune, report)


def select_set(scenarios: list[Scenario], chosen: ScenarioSet, half: str | None) -> list[Scenario]:
    """The set's scenarios, in the set's order; every id must exist in the source."""
    by_id = {s.id: s for s in scenarios}
    ids = chosen.ids(half)
    absent = [i for i in ids if i not in by_id]
    if absent:
        raise ValueError(f"set {chosen.name}: {len(absent)} id(s) not in the source, e.g. {absent[:3]}; "
                         "is PATH the right dataset?")
    return [by_id[i] for i in ids]

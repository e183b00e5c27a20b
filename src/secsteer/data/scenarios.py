"""Scenario sources: load and filter `Scenario` records (the record itself: `secsteer.data.scenario`).

Loaders: `load_scenarios("builtin")`, `"dir:PATH"` (scenario folders in the built-in layout),
`"safecoder:PATH"`, `"sven:PATH"`, `"seccodeplt:PATH"`, `"cyberseceval:PATH[#autocomplete|#instruct]"`,
`"humaneval[:PATH]"` and `"set:NAME[:PATH]"` (a named scenario set, docs/scenarios.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from secsteer.data import scenario_sets
from secsteer.data.cwe import canonical_cwe
from secsteer.data.scenario import (
    BRACE_LANGUAGES,
    DEFAULT_STOP,
    Scenario,
    canonical_language,
    extract_code_block,
    open_brace_depth,
)
from secsteer.data.scenario_sources import builtin, cyberseceval, humaneval, safecoder, seccodeplt

__all__ = [
    "BRACE_LANGUAGES",
    "DEFAULT_STOP",
    "Scenario",
    "canonical_language",
    "extract_code_block",
    "filter_scenarios",
    "load_scenarios",
    "open_brace_depth",
]


def filter_scenarios(
    scenarios: Iterable[Scenario], cwes: Sequence[str] | None = None, languages: Sequence[str] | None = None
) -> list[Scenario]:
    """The scenarios of any of `cwes` (any spelling) and any of `languages`; None keeps all."""
    wanted_cwes = {canonical_cwe(c) for c in cwes} if cwes else None
    wanted_languages = {canonical_language(x) for x in languages} if languages else None
    return [
        s for s in scenarios
        if (wanted_cwes is None or s.cwe in wanted_cwes)
        and (wanted_languages is None or s.language in wanted_languages)
    ]


def load_scenarios(
    spec: str, *, cwes: Sequence[str] | None = None, languages: Sequence[str] | None = None
) -> list[Scenario]:
    """Scenarios from one source spec (module docstring), filtered by CWE and language."""
    kind, _, rest = spec.partition(":")
    after_colon, loader = LOADERS.get(kind, ("", None))
    if loader is None or (after_colon == "needed" and not rest) or (after_colon == "none" and rest):
        raise ValueError(
            f"unknown scenario source {spec!r}: use 'builtin', 'dir:PATH', 'set:NAME[#tune|#report][:PATH]', "
            "'humaneval', 'safecoder:PATH', 'sven:PATH', 'seccodeplt:PATH' or "
            "'cyberseceval:PATH[#autocomplete|#instruct]'"
        )
    found = loader(rest)
    return filter_scenarios(found, cwes, languages)


def is_scenario_source(spec: str) -> bool:
    """Whether load_scenarios knows the spec's kind (a pair source may be one: seccodeplt:PATH; jsonl:PATH is not)."""
    return spec.partition(":")[0] in LOADERS


def whole_source(spec: str) -> str:
    """The same source without a set's half: `set:NAME#report:PATH` -> `set:NAME:PATH`; others unchanged."""
    kind, _, rest = spec.partition(":")
    if kind != "set":
        return spec
    name_half, sep, path = rest.partition(":")
    return f"set:{name_half.partition('#')[0]}{sep}{path}"


def _load_set(rest: str) -> list[Scenario]:
    name_half, _, path = rest.partition(":")
    name, _, half = name_half.partition("#")
    chosen = scenario_sets.load_set(name)
    chosen.ids(half or None)                      # an unknown half fails before any data is read
    source = chosen.source if chosen.source == "builtin" else f"{chosen.source}:{path}"
    if chosen.source != "builtin" and not path:
        raise ValueError(f"set {name} is drawn from {chosen.source}: give its data, set:{name_half}:PATH")
    return scenario_sets.select_set(load_scenarios(source), chosen, half or None)


def _load_cyberseceval(rest: str) -> list[Scenario]:
    path, _, variant = rest.partition("#")
    return cyberseceval.load_cyberseceval(Path(path), variant or "autocomplete")


# kind: (what follows the colon: needed, none or optional; the loader of that text)
LOADERS: dict[str, tuple[str, Callable[[str], list[Scenario]]]] = {
    "set": ("needed", _load_set),
    "builtin": ("none", lambda _: builtin.load_builtin()),
    "dir": ("needed", lambda rest: builtin.load_dir(Path(rest))),
    "humaneval": ("optional", lambda rest: humaneval.load_humaneval(Path(rest) if rest else None)),
    "safecoder": ("needed", lambda rest: safecoder.load_safecoder(Path(rest))),
    "sven": ("needed", lambda rest: safecoder.load_safecoder(Path(rest), source="sven")),
    "seccodeplt": ("needed", lambda rest: seccodeplt.load_seccodeplt(Path(rest))),
    "cyberseceval": ("needed", _load_cyberseceval),
}

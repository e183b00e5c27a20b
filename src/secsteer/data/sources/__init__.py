"""One entry point for every pair source: `load_pairs("sven:/path/to/sven", cwes=["CWE-89"])`.

Specs: `builtin` (the corpus shipped with secsteer), `builtin:PATH` (a folder in the same layout),
`sven:PATH`, `secllmholmes:PATH`, `safecoder:PATH`, `seccodeplt:PATH`, `jsonl:PATH` (a bare path ending in
`.jsonl` also works). PATH is the upstream root; see each adapter's module docstring for what `split`
selects there and what `meta` holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from secsteer.data.cwe import canonical_cwe, cwe_number
from secsteer.data.dedupe import dedupe_pairs
from secsteer.data.pairs import ContrastPair
from secsteer.data.sources import builtin, jsonl, safecoder, seccodeplt, secllmholmes, sven

__all__ = [
    "SOURCES",
    "SourceSummary",
    "describe_source",
    "load_many",
    "load_pairs",
    "parse_spec",
    "select_pairs",
]

Loader = Callable[[Path], list[ContrastPair]]

SOURCES: dict[str, Loader] = {
    "builtin": builtin.load,
    "sven": sven.load,
    "secllmholmes": secllmholmes.load,
    "safecoder": safecoder.load,
    "seccodeplt": seccodeplt.load,
    "jsonl": jsonl.load,
}


@dataclass(frozen=True)
class SourceSummary:
    spec: str
    total: int  # pairs before de-duplication
    after_dedupe: int  # pairs left by dedupe_pairs
    by_cwe: dict[str, int]
    by_language: dict[str, int]
    by_split: dict[str, int]  # "-" counts pairs whose source has no splits


def parse_spec(spec: str) -> tuple[str, Path | None]:
    """Split "name:PATH" into the source name and path; "builtin" alone has no path."""
    name, sep, rest = spec.partition(":")
    if name in SOURCES and (sep or name == "builtin"):
        if sep and not rest:
            raise ValueError(f"source spec {spec!r} has an empty path; write '{name}:/path/to/{name}'.")
        return name, Path(rest).expanduser() if sep else None
    if spec.endswith(".jsonl"):
        return "jsonl", Path(spec).expanduser()
    known = ", ".join(f"{n}:PATH" for n in SOURCES if n != "builtin")
    raise ValueError(f"unknown source spec {spec!r}; use 'builtin' or one of {known}.")


def _load_raw(spec: str) -> list[ContrastPair]:
    name, path = parse_spec(spec)
    if path is None:
        return builtin.load()
    if not path.exists():
        raise FileNotFoundError(f"{path} (from source spec {spec!r}) does not exist; check the path.")
    return SOURCES[name](path)


def select_pairs(
    pairs: Sequence[ContrastPair],
    what: str,
    *,
    cwes: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
    split: str | None = None,
) -> list[ContrastPair]:
    """Keep pairs matching every given filter; an empty result is a ValueError naming the filters."""
    wanted_cwes = {canonical_cwe(c) for c in cwes} if cwes else None
    wanted_languages = {lang.lower() for lang in languages} if languages else None
    chosen = [
        p
        for p in pairs
        if (wanted_cwes is None or p.cwe in wanted_cwes)
        and (wanted_languages is None or p.language in wanted_languages)
        and (split is None or p.meta.get("split") == split)
    ]
    if not chosen:
        filters = (
            f"cwes={sorted(wanted_cwes) if wanted_cwes else None}, languages={languages}, split={split!r}"
        )
        available = (
            f"CWEs {sorted({p.cwe for p in pairs}, key=cwe_number)}, languages {sorted({p.language for p in pairs})}, "
            f"splits {sorted({str(p.meta.get('split', '-')) for p in pairs})}"
        )
        raise ValueError(f"no pairs in {what} match the filters {filters}; it has {available}.")
    return chosen


def load_pairs(
    spec: str,
    *,
    cwes: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
    split: str | None = None,
    dedupe: bool = True,
) -> list[ContrastPair]:
    """Load a source, keep the pairs matching the filters, and (by default) de-duplicate them.

    De-duplication runs on the selected pairs, so a split stays complete on its own; use `check_held_out`
    to catch the same code across splits or sources.
    """
    pairs = select_pairs(_load_raw(spec), repr(spec), cwes=cwes, languages=languages, split=split)
    return dedupe_pairs(pairs) if dedupe else pairs


def load_many(
    specs: Sequence[str],
    *,
    cwes: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
    split: str | None = None,
    dedupe: bool = True,
) -> list[ContrastPair]:
    """Several sources as one list; de-duplication also drops the same code arriving from two sources."""
    if not specs:
        raise ValueError("load_many needs at least one source spec, e.g. ['builtin'].")
    pairs: list[ContrastPair] = []
    for spec in specs:
        pairs.extend(load_pairs(spec, cwes=cwes, languages=languages, split=split, dedupe=False))
    ids = Counter(p.id for p in pairs)
    repeated = sorted(i for i, n in ids.items() if n > 1)
    if repeated:
        raise ValueError(
            f"pair ids {repeated[:5]} occur more than once across {list(specs)}; list each source once."
        )
    return dedupe_pairs(pairs) if dedupe else pairs


def describe_source(spec: str) -> SourceSummary:
    """Counts per CWE, language and split for one source, before and after de-duplication."""
    pairs = _load_raw(spec)
    by_cwe = Counter(p.cwe for p in pairs)
    return SourceSummary(
        spec=spec,
        total=len(pairs),
        after_dedupe=len(dedupe_pairs(pairs)),
        by_cwe={cwe: by_cwe[cwe] for cwe in sorted(by_cwe, key=cwe_number)},
        by_language=dict(sorted(Counter(p.language for p in pairs).items())),
        by_split=dict(sorted(Counter(str(p.meta.get("split", "-")) for p in pairs).items())),
    )

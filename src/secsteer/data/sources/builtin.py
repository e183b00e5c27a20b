"""The built-in corpus: original secure/insecure pairs shipped as plain files inside the package.

Layout (also accepted for any folder given as `builtin:PATH`):

    <root>/<language>/<CWE-N>/<short_name>/insecure.<ext>
                                           secure.<ext>
                                           description.txt   (optional: the flaw and the fix)

Ids are `builtin/<CWE-N>/<short_name>`; short names are unique within a CWE across languages.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from secsteer.data.cwe import canonical_cwe
from secsteer.data.pairs import ContrastPair
from secsteer.data.sources._common import language_from_filename, not_a_layout, read_text

__all__ = ["builtin_root", "load"]

_EXPECTED = "<language>/<CWE-N>/<name>/{insecure,secure}.<ext> folders (the built-in corpus layout)"


def builtin_root() -> Path:
    """The folder of the corpus that ships with secsteer."""
    return Path(str(resources.files("secsteer.data").joinpath("builtin", "pairs")))


def load(path: Path | None = None) -> list[ContrastPair]:
    root = builtin_root() if path is None else path
    pair_dirs = sorted(p.parent for p in root.glob("*/*/*/insecure.*"))
    if not pair_dirs:
        raise not_a_layout(root, "built-in corpus", _EXPECTED)
    pairs = [_pair(folder, root) for folder in pair_dirs]
    seen: dict[str, Path] = {}
    for pair, folder in zip(pairs, pair_dirs, strict=True):
        if pair.id in seen:
            raise ValueError(
                f"{folder} and {seen[pair.id]} both give id {pair.id!r}; rename one of the folders."
            )
        seen[pair.id] = folder
    return pairs


def _pair(folder: Path, root: Path) -> ContrastPair:
    insecure = next(folder.glob("insecure.*"))
    secure = folder / f"secure{insecure.suffix}"
    if not secure.is_file():
        raise ValueError(f"{insecure} has no {secure.name} beside it; each pair folder needs both sides.")
    language = folder.parent.parent.name
    if language_from_filename(insecure.name, str(insecure)) != language:
        raise ValueError(f"{insecure}: the extension does not match the language folder {language!r}.")
    cwe = canonical_cwe(folder.parent.name)
    if cwe != folder.parent.name:
        raise ValueError(f"{folder.parent}: name the folder {cwe!r}, the canonical form.")
    description_file = folder / "description.txt"
    return ContrastPair(
        id=f"builtin/{cwe}/{folder.name}",
        cwe=cwe,
        language=language,
        secure=read_text(secure),
        insecure=read_text(insecure),
        source="builtin",
        description=read_text(description_file).strip() if description_file.is_file() else None,
        meta={"path": folder.relative_to(root).as_posix()},
    )

"""The built-in scenarios: package data under `secsteer/data/builtin/scenarios/<CWE-N>/<name>/`.

Each folder holds `scenario.toml` (cwe, language, instruction, entry_point, stop, optional suffix),
`prompt.<ext>`, optional `test_functional.<ext>` / `test_security.<ext>`, and the reference
completions `reference_secure.<ext>` / `reference_insecure.<ext>` that prove the tests can fail.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from secsteer.data.scenario import DEFAULT_STOP, Scenario, canonical_language
from secsteer.data.scenario_sources._common import cwe_at

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

BUILTIN_ROOT = Path(__file__).resolve().parents[1] / "builtin" / "scenarios"
EXTENSIONS = {"python": "py", "c": "c"}
# A brace-language prompt ends inside the function; the suffix closes it (see Scenario.assemble).
DEFAULT_SUFFIX = {"python": "", "c": "\n}\n"}
_KEYS = {"cwe", "language", "instruction", "entry_point", "stop", "suffix"}
_REQUIRED = ("cwe", "language", "instruction", "entry_point")


def load_builtin(root: Path = BUILTIN_ROOT) -> list[Scenario]:
    """Every scenario folder under `root` (two levels: CWE, then name), sorted by id."""
    if not root.is_dir():
        raise FileNotFoundError(f"built-in scenario folder {root} not found; reinstall secsteer")
    folders = sorted(p.parent for p in root.glob("*/*/scenario.toml"))
    return [load_scenario_dir(folder) for folder in folders]


def load_scenario_dir(folder: Path) -> Scenario:
    """One scenario folder; errors name the file and what is expected."""
    config = _read_config(folder / "scenario.toml")
    language = canonical_language(str(config["language"]))
    ext = EXTENSIONS.get(language)
    if ext is None:
        raise ValueError(f"{folder / 'scenario.toml'}: language {language!r} is not one of {sorted(EXTENSIONS)}")
    cwe = cwe_at(str(config["cwe"]), str(folder / "scenario.toml"))
    if folder.parent.name != cwe:
        raise ValueError(f"{folder / 'scenario.toml'}: cwe {cwe} does not match its folder {folder.parent.name}")
    stop = config.get("stop", list(DEFAULT_STOP.get(language, ())))
    if not isinstance(stop, list) or not all(isinstance(s, str) and s for s in stop):
        raise ValueError(f"{folder / 'scenario.toml'}: stop must be a list of non-empty strings")
    return Scenario(
        id=f"builtin/{cwe}/{folder.name}",
        cwe=cwe,
        language=language,
        prompt=_read(folder / f"prompt.{ext}", required=True) or "",
        instruction=str(config["instruction"]).strip(),
        suffix=str(config.get("suffix", DEFAULT_SUFFIX[language])),
        entry_point=str(config["entry_point"]),
        stop=tuple(stop),
        functional_test=_read(folder / f"test_functional.{ext}"),
        security_test=_read(folder / f"test_security.{ext}"),
        source="builtin",
        meta={
            "path": str(folder),
            "reference_secure": _read(folder / f"reference_secure.{ext}"),
            "reference_insecure": _read(folder / f"reference_insecure.{ext}"),
        },
    )


def _read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: every scenario folder needs a scenario.toml")
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{path}: not valid TOML ({err})") from err
    unknown = set(config) - _KEYS
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {sorted(unknown)}; valid keys: {sorted(_KEYS)}")
    missing = [k for k in _REQUIRED if k not in config]
    if missing:
        raise ValueError(f"{path}: missing key(s) {missing}")
    return config


def _read(path: Path, required: bool = False) -> str | None:
    if not path.is_file():
        if required:
            raise FileNotFoundError(f"{path} not found: the scenario needs its prompt file")
        return None
    return path.read_text(encoding="utf-8")

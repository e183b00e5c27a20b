"""Scenario folders: the built-in ones (package data under `secsteer/data/builtin/scenarios/<CWE-N>/<name>/`)
and a user's own in the same layout (`dir:PATH`).

Each folder holds `scenario.toml` (cwe, language, instruction, entry_point, optional stop, suffix,
requires), `prompt.<ext>`, and tests in one of three forms: `test_functional.<ext>` /
`test_security.<ext>` in the scenario's language; for C, `test_functional.py` / `test_security.py`
that run the compiled program `./solution` with argv and stdin; or one pytest file `test_solution.py`
whose tests carry the markers `functionality` and `security`. Optional reference completions
`reference_secure.<ext>` / `reference_insecure.<ext>` prove the tests can fail.
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
_KEYS = {"cwe", "language", "instruction", "entry_point", "stop", "suffix", "requires"}
PYTEST_FILE = "test_solution.py"
_REQUIRED = ("cwe", "language", "instruction", "entry_point")


def load_builtin(root: Path = BUILTIN_ROOT) -> list[Scenario]:
    """Every scenario folder under `root` (two levels: CWE, then name), sorted by id."""
    if not root.is_dir():
        raise FileNotFoundError(f"built-in scenario folder {root} not found; reinstall secsteer")
    folders = sorted(p.parent for p in root.glob("*/*/scenario.toml"))
    return [load_scenario_dir(folder) for folder in folders]


def load_dir(path: Path) -> list[Scenario]:
    """A user's scenarios: `path` is a root of `<CWE-N>/<name>/` folders, one CWE folder, or one scenario."""
    if not path.is_dir():
        raise FileNotFoundError(
            f"{path} is not a folder: expected scenario folders in the built-in layout "
            "(PATH/<CWE-N>/<name>/scenario.toml, see docs/scenarios.md); for SafeCoder/SVEN's sec_eval "
            "layout (<group>/cwe-XXX/N-LANG/info.json) use safecoder:PATH"
        )
    for pattern in ("scenario.toml", "*/scenario.toml", "*/*/scenario.toml"):
        found = sorted(p.parent for p in path.glob(pattern))
        if found:
            # the same id whichever level PATH names: dir/<the folder above the CWE folders>/<CWE>/<name>
            return [load_scenario_dir(folder.resolve(), source="dir",
                                      id_prefix=f"dir/{folder.resolve().parent.parent.name}") for folder in found]
    raise ValueError(f"{path}: no scenario.toml found in it, its sub-folders or theirs (PATH/<CWE-N>/<name>/)")


def load_scenario_dir(folder: Path, source: str = "builtin", id_prefix: str = "builtin") -> Scenario:
    """One scenario folder; errors name the file and what is expected."""
    config = _read_config(folder / "scenario.toml")
    language = canonical_language(str(config["language"]))
    ext = EXTENSIONS.get(language)
    if ext is None:
        raise ValueError(f"{folder / 'scenario.toml'}: language {language!r} is not one of {sorted(EXTENSIONS)}")
    cwe = cwe_at(str(config["cwe"]), str(folder / "scenario.toml"))
    if source == "builtin" and folder.parent.name != cwe:
        raise ValueError(f"{folder / 'scenario.toml'}: cwe {cwe} does not match its folder {folder.parent.name}")
    stop = config.get("stop", list(DEFAULT_STOP.get(language, ())))
    if not isinstance(stop, list) or not all(isinstance(s, str) and s for s in stop):
        raise ValueError(f"{folder / 'scenario.toml'}: stop must be a list of non-empty strings")
    requires = config.get("requires", [])
    if not isinstance(requires, list) or not all(isinstance(r, str) and r for r in requires):
        raise ValueError(f"{folder / 'scenario.toml'}: requires must be a list of package names")
    functional, security, test_language, style = _tests(folder, ext, language)
    return Scenario(
        id=f"{id_prefix}/{cwe}/{folder.name}",
        cwe=cwe,
        language=language,
        prompt=_read(folder / f"prompt.{ext}", required=True) or "",
        instruction=str(config["instruction"]).strip(),
        suffix=str(config.get("suffix", DEFAULT_SUFFIX[language])),
        entry_point=str(config["entry_point"]),
        stop=tuple(stop),
        functional_test=functional,
        security_test=security,
        source=source,
        test_language=test_language,
        test_style=style,
        requires=tuple(requires),
        meta={
            "path": str(folder),
            "reference_secure": _read(folder / f"reference_secure.{ext}"),
            "reference_insecure": _read(folder / f"reference_insecure.{ext}"),
        },
    )


def _tests(folder: Path, ext: str, language: str) -> tuple[str | None, str | None, str | None, str]:
    """(functional, security, test language or None, style) from whichever test files the folder holds."""
    pytest_file = _read(folder / PYTEST_FILE)
    if pytest_file is not None:
        return pytest_file, pytest_file, "python" if language != "python" else None, "pytest"
    functional, security = _read(folder / f"test_functional.{ext}"), _read(folder / f"test_security.{ext}")
    if language != "python" and functional is None and security is None:
        functional, security = _read(folder / "test_functional.py"), _read(folder / "test_security.py")
        if functional is not None or security is not None:
            return functional, security, "python", "script"
    return functional, security, None, "script"


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

"""SafeCoder / SVEN `sec_eval` scenarios: `<root>/<group>/cwe-XXX/N-LANG/`.

Each scenario folder holds `file_context.*` and `func_context.*` (their concatenation is the prompt)
and `info.json` (language, cwe, description, the CodeQL query upstream judges with). The prompt
ends inside the function to finish. There are no tests: these scenarios are judged statically.
"""

from __future__ import annotations

import logging
from pathlib import Path

from secsteer.data.scenario import (
    BRACE_LANGUAGES,
    DEFAULT_STOP,
    Scenario,
    canonical_language,
    open_brace_depth,
)
from secsteer.data.scenario_sources._common import cwe_at, read_json, require_keys

log = logging.getLogger(__name__)


def load_safecoder(root: Path) -> list[Scenario]:
    """All scenarios under `root` (the `sec_eval` folder or one group inside it), sorted by id."""
    if not root.is_dir():
        raise FileNotFoundError(
            f"{root} is not a folder: expected SafeCoder's data_eval/sec_eval "
            "(<root>/<group>/cwe-XXX/N-LANG/info.json)"
        )
    infos = sorted(root.glob("**/info.json"))
    if not infos:
        raise ValueError(f"{root}: no */cwe-XXX/N-LANG/info.json found; is this SafeCoder's sec_eval folder?")
    return [_load_one(info, root) for info in infos]


def _load_one(info_path: Path, root: Path) -> Scenario:
    folder = info_path.parent
    info = require_keys(read_json(info_path, "a SafeCoder info.json"), ("language", "cwe"), str(info_path))
    language = canonical_language(str(info["language"]))
    # The folder name is what upstream groups results by; info.json disagrees once (a CWE-22 scenario
    # labelled CWE-116), so the folder wins and the label is kept in meta.
    folder_cwe = cwe_at(folder.parent.name, str(folder.parent))
    info_cwe = cwe_at(str(info["cwe"]), str(info_path))
    if info_cwe != folder_cwe:
        log.warning("%s says %s but sits in %s; using %s", info_path, info_cwe, folder.parent.name, folder_cwe)
    prompt = _context(folder, "file_context") + _context(folder, "func_context")
    description = info.get("description_generated") or info.get("description")
    return Scenario(
        id=f"safecoder/{folder.relative_to(root).as_posix()}",
        cwe=folder_cwe,
        language=language,
        prompt=prompt,
        instruction=str(description) if description else None,
        suffix=_closing_suffix(prompt, language),
        entry_point=None,
        stop=DEFAULT_STOP.get(language, ()),
        source="safecoder",
        meta={
            "path": str(folder),
            "info_cwe": info_cwe,
            "description": info.get("description"),
            "check_ql": info.get("check_ql"),
            "upstream_language": info["language"],
        },
    )


def _context(folder: Path, stem: str) -> str:
    matches = sorted(folder.glob(f"{stem}.*"))
    if len(matches) != 1:
        raise FileNotFoundError(f"{folder}: expected exactly one {stem}.<ext> file, found {len(matches)}")
    return matches[0].read_text(encoding="utf-8")


def _closing_suffix(prompt: str, language: str) -> str:
    """A brace-language prompt ends inside a function: the suffix closes it (Scenario.assemble)."""
    if language not in BRACE_LANGUAGES:
        return ""
    return "\n}\n" if open_brace_depth(prompt) > 0 else ""

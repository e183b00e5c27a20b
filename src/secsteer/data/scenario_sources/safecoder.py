"""SafeCoder / SVEN `sec_eval` scenarios: `<root>/<group>/cwe-XXX/N-LANG/`.

Each scenario folder holds `file_context.*` and `func_context.*` (their concatenation is the prompt)
and `info.json` (language, cwe, description, the CodeQL query upstream judges with). The prompt
ends inside the function to finish. There are no tests: these scenarios are judged statically.

Ids are `<source>/<group>/cwe-XXX/N-LANG` whatever folder the loader was pointed at (the sec_eval
root, one group or one CWE folder), so two CWE folders never give the same id. A SVEN checkout (a
path with a folder named `sven`, or `sven:PATH`) is labelled `sven`. Descriptions lose their LaTeX
markup (``` ``…'' ```, `$>$`) before they become a chat instruction; those that hint at security
("securely", "escaped", ...) are marked `meta["hints_security"]`.
"""

from __future__ import annotations

import logging
import re
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


_HINTS = re.compile(r"secur|safe|escap|saniti|restrict|validat|trusted|malicious|attack|vulnerab|inject", re.I)
_LATEX = ((re.compile(r"``(.*?)''"), r'"\1"'), (re.compile(r"\$\s*([<>=]=?|\\[lg]eq?)\s*\$"), r"\1"),
          (re.compile(r"\$([^$]*)\$"), r"\1"), (re.compile(r"\\([_%&#$])"), r"\1"),
          (re.compile(r"\\(?:texttt|textit|textbf|emph)\{([^}]*)\}"), r"\1"))
_LATEX_WORDS = {r"\leq": "<=", r"\le": "<=", r"\geq": ">=", r"\ge": ">="}


def load_safecoder(root: Path, source: str | None = None) -> list[Scenario]:
    """All scenarios under `root` (sec_eval, one group or one CWE folder), sorted by id.

    `source` is "safecoder" or "sven"; None guesses from the path (a folder named `sven*` means SVEN).
    """
    if not root.is_dir():
        raise FileNotFoundError(
            f"{root} is not a folder: expected SafeCoder's data_eval/sec_eval or SVEN's data_eval "
            "(<root>/<group>/cwe-XXX/N-LANG/info.json); for your own scenarios in the built-in layout "
            "(<root>/<CWE-N>/<name>/scenario.toml) use dir:PATH"
        )
    infos = sorted(root.glob("**/info.json"))
    if not infos:
        raise ValueError(
            f"{root}: no <group>/cwe-XXX/N-LANG/info.json found; is this SafeCoder's sec_eval or SVEN's "
            "data_eval folder? (your own scenarios in the built-in layout: dir:PATH)"
        )
    label = source or guess_source(root)
    return sorted((_load_one(info, label) for info in infos), key=lambda s: s.id)


def guess_source(path: Path) -> str:
    """"sven" when the path lies in a SVEN checkout (a folder named sven*), else "safecoder"."""
    names = [p.name.lower() for p in [path.resolve(), *path.resolve().parents]]
    return "sven" if any(n.startswith("sven") for n in names) else "safecoder"


def clean_description(text: str) -> str:
    """SVEN/SafeCoder descriptions without LaTeX markup: ``x'' -> "x", $>$ -> >, \\_ -> _."""
    for pattern, replacement in _LATEX:
        text = pattern.sub(replacement, text)
    for word, symbol in _LATEX_WORDS.items():
        text = text.replace(word, symbol)
    return " ".join(text.split())


def _load_one(info_path: Path, source: str) -> Scenario:
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
    raw = info.get("description_generated") or info.get("description")
    description = clean_description(str(raw)) if raw else None
    return Scenario(
        # group/cwe/scenario whatever folder the loader was given: ids stay unique and keep the CWE
        id=f"{source}/{folder.parent.parent.name}/{folder.parent.name}/{folder.name}",
        cwe=folder_cwe,
        language=language,
        prompt=prompt,
        instruction=description or None,
        suffix=_closing_suffix(prompt, language),
        entry_point=None,
        stop=DEFAULT_STOP.get(language, ()),
        source=source,
        meta={
            "path": str(folder),
            "hints_security": bool(description and _HINTS.search(description)),
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

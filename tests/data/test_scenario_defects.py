"""Scenario-source defects found on an unseen set: ids, SVEN labels, LaTeX in instructions, messages, preview."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from secsteer.cli.main import main
from secsteer.data.scenario_sources.safecoder import clean_description
from secsteer.data.scenarios import load_scenarios

SOURCES = Path(__file__).resolve().parents[2] / "src" / "secsteer" / "data" / "scenario_sources"


def write_sec_eval(root: Path, description: str = "run a query") -> Path:
    """A SafeCoder/SVEN-layout tree: <root>/trained/cwe-089/0-py and cwe-078/0-py."""
    for cwe in ("089", "078"):
        folder = root / "trained" / f"cwe-{cwe}" / "0-py"
        folder.mkdir(parents=True)
        (folder / "info.json").write_text(json.dumps({"language": "py", "cwe": f"CWE-{cwe}",
                                                      "description": description}))
        (folder / "file_context.py").write_text("import os\n")
        (folder / "func_context.py").write_text("def f(x):\n")
    return root


def test_single_cwe_folders_give_distinct_ids_that_keep_the_cwe(tmp_path) -> None:
    root = write_sec_eval(tmp_path / "sec_eval")
    sql = load_scenarios(f"safecoder:{root / 'trained' / 'cwe-089'}")
    shell = load_scenarios(f"safecoder:{root / 'trained' / 'cwe-078'}")
    assert [s.id for s in sql] == ["safecoder/trained/cwe-089/0-py"]
    assert [s.id for s in shell] == ["safecoder/trained/cwe-078/0-py"]
    whole = load_scenarios(f"safecoder:{root}")
    assert {s.id for s in whole} == {sql[0].id, shell[0].id}     # the same ids from the root


def test_a_sven_checkout_is_labelled_sven(tmp_path) -> None:
    root = write_sec_eval(tmp_path / "sven" / "data_eval")
    found = load_scenarios(f"safecoder:{root}")
    assert {s.source for s in found} == {"sven"} and all(s.id.startswith("sven/") for s in found)
    other = write_sec_eval(tmp_path / "elsewhere")
    assert {s.source for s in load_scenarios(f"sven:{other}")} == {"sven"}
    assert {s.source for s in load_scenarios(f"safecoder:{other}")} == {"safecoder"}


def test_latex_markup_is_cleaned_before_it_becomes_an_instruction(tmp_path) -> None:
    assert clean_description(r"return ``ok'' if n $>$ 3 and m $\leq$ 2 in file\_name") == \
        'return "ok" if n > 3 and m <= 2 in file_name'
    root = write_sec_eval(tmp_path / "x", description=r"check that ``size'' $<$ limit")
    scenario = load_scenarios(f"safecoder:{root}")[0]
    assert scenario.instruction == 'check that "size" < limit'
    assert scenario.chat_prompt().startswith('check that "size" < limit\n')


def test_descriptions_that_hint_at_security_are_marked(tmp_path) -> None:
    hinted = load_scenarios(f"safecoder:{write_sec_eval(tmp_path / 'a', 'securely hash a password')}")
    plain = load_scenarios(f"safecoder:{write_sec_eval(tmp_path / 'b', 'hash a password')}")
    assert all(s.meta["hints_security"] for s in hinted)
    assert not any(s.meta["hints_security"] for s in plain)


@pytest.mark.parametrize("spec", ["safecoder:{}", "dir:{}"])
def test_path_not_found_names_both_layouts(tmp_path, spec: str) -> None:
    with pytest.raises(FileNotFoundError) as err:
        load_scenarios(spec.format(tmp_path / "missing"))
    assert "cwe-XXX/N-LANG/info.json" in str(err.value) and "<CWE-N>/<name>/scenario.toml" in str(err.value)


def test_data_scenarios_previews_a_source(tmp_path, capsys) -> None:
    root = write_sec_eval(tmp_path / "sec_eval")
    assert main(["data", "scenarios", f"safecoder:{root}", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "2 scenarios, 0 with a security test" in out and "CWE-89" in out and "CWE-78" in out
    assert "== safecoder/trained/cwe-078/0-py" in out and "def f(x):" in out
    assert main(["data", "scenarios", "builtin", "--cwe", "CWE-125", "--limit", "1"]) == 0
    assert "3 scenarios, 3 with a security test" in capsys.readouterr().out
    assert main(["data", "scenarios", str(tmp_path)]) == 2        # not a spec: one line, exit 2


def test_the_sources_import_the_record_not_the_registry() -> None:
    for path in SOURCES.glob("*.py"):
        imported = {node.module for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.ImportFrom)}
        assert "secsteer.data.scenarios" not in imported, path.name
    # each source imports on its own in a fresh interpreter, before the registry
    code = "import secsteer.data.scenario_sources.safecoder, secsteer.data.scenario_sources.builtin"
    subprocess.run([sys.executable, "-c", code], check=True, env={"PYTHONPATH": str(SOURCES.parents[2])})


def test_named_sets_have_disjoint_halves_and_load_by_half(shared_datasets) -> None:
    from secsteer.data import scenario_sets

    for name in scenario_sets.list_sets():
        chosen = scenario_sets.load_set(name)
        assert chosen.tune and chosen.report and not set(chosen.tune) & set(chosen.report)
        path = shared_datasets / chosen.source if chosen.source != "builtin" else None
        spec = f"set:{name}#tune" + (f":{path}" if path else "")
        assert [s.id for s in load_scenarios(spec)] == list(chosen.tune)
        whole = load_scenarios(f"set:{name}" + (f":{path}" if path else ""))
        assert [s.id for s in whole] == list(chosen.tune + chosen.report)
        assert all(s.security_test for s in whole)       # headroom is measured by executed tests
        for scenario in whole:                             # and those tests can fail and pass
            if "reference_secure" in scenario.meta:
                from secsteer.evaluation.testrun import run_test

                program = scenario.prompt + scenario.meta["reference_secure"] + scenario.suffix
                assert run_test(scenario, program, "security").passed is True, scenario.id
                program = scenario.prompt + scenario.meta["reference_insecure"] + scenario.suffix
                assert run_test(scenario, program, "security").passed is False, scenario.id


def test_set_errors_are_clear() -> None:
    with pytest.raises(FileNotFoundError, match="known sets"):
        load_scenarios("set:no-such-set")
    with pytest.raises(ValueError, match="give its data"):
        load_scenarios("set:seccodeplt-xss")
    with pytest.raises(ValueError, match="unknown half"):
        load_scenarios("set:seccodeplt-xss#half:/nowhere")

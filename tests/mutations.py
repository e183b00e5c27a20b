"""Mutation check: break each guarantee on purpose, one line at a time, and make sure a test notices.

    python tests/mutations.py            # every mutant; prints a table, exits 1 if any survives
    python tests/mutations.py -k sandbox # only mutants whose name contains "sandbox"
    python tests/mutations.py --list     # the mutants and the tests expected to catch each

Each mutant names a file, an exact piece of its text (the anchor, which must occur exactly once), the
replacement, and the tests expected to fail. The mutant is applied to a copy of src/ in a temp dir,
and those tests run against that copy (PYTHONPATH puts it first), so the working tree is never touched,
not even on Ctrl-C. An anchor that is no longer in the source (a refactor moved it) is reported as
"ANCHOR NOT FOUND": a failure of this script, to be fixed by updating the mutant, never a silent pass.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = "src/secsteer/"


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str                 # relative to src/secsteer/
    old: str                  # exact text, found exactly once
    new: str
    tests: tuple[str, ...]    # pytest node ids (or files) expected to fail


T_ISO = "tests/evaluation/test_sandbox_isolation.py"
T_GUARD = "tests/experiments/test_guarantees.py"
T_VALID = "tests/experiments/test_validate_plan.py"
T_SWEEP = "tests/experiments/test_sweep.py"
T_E2E = "tests/experiments/test_cli_end_to_end.py"
T_MODEL = "tests/foundation/test_model_errors.py"
T_POS = "tests/foundation/test_positions_and_norms.py"

MUTANTS = [
    # sandbox
    Mutant("sandbox: no uid switch, capabilities kept", "evaluation/_sandbox_init.py",
           "        _drop_privileges(cfg)\n", "        pass\n",
           (f"{T_ISO}::test_code_runs_as_a_non_root_uid_without_capabilities",)),
    Mutant("sandbox: host mounts left writable", "evaluation/_sandbox_init.py",
           "    _everything_read_only()\n", "    pass\n",
           (f"{T_ISO}::test_nothing_lands_in_any_world_writable_directory_of_the_host",)),
    Mutant("sandbox: disk limit per directory, not total", "evaluation/sandbox.py",
           "host.mount_tmpfs(self._disk, disk_mb, self._slot.uid)",
           "host.mount_tmpfs(self._disk, 3 * disk_mb, self._slot.uid)",
           (f"{T_ISO}::test_disk_limit_is_over_the_total_of_every_scratch_dir",)),
    Mutant("sandbox: runs unisolated without being told", "evaluation/sandbox.py",
           'if mode == "plain" and os.environ.get(UNISOLATED_ENV) != "1":', "if False:",
           (f"{T_ISO}::test_plain_mode_refuses_to_run_code_unless_told_to",)),
    # run store and resume
    Mutant("store: torn last line not repaired", "experiments/store.py",
           "    repair_tail(path)\n", "",
           ("tests/experiments/test_store_torn.py",)),
    Mutant("store: samples of unfinished units read", "experiments/store.py",
           'if s["unit"] in done and key not in seen:', "if key not in seen:",
           (f"{T_GUARD}::test_resume_runs_only_unfinished_units_and_ignores_their_stray_samples",)),
    Mutant("runner: resume redoes finished units", "experiments/runner.py",
           "todo = [u for u in units if u.id not in done]", "todo = list(units)",
           (f"{T_GUARD}::test_resume_runs_only_unfinished_units_and_ignores_their_stray_samples",)),
    # specs and plans
    Mutant("spec: key types not checked", "experiments/spec.py",
           'raise ValueError(f"{origin}: {key} must be {rule.want}, got {shown!r}")', "pass",
           ("tests/experiments/test_spec_types.py",)),
    Mutant("runner: plan not validated before the store opens", "experiments/runner.py",
           "validate_plan(spec, scenarios, model, load_pairs=select_pairs, load_vector=load_checked_vector)",
           "None",
           (T_VALID,)),
    Mutant("runner: sweeps skip check_held_out", "experiments/runner.py",
           "check_held_out(pairs, [s.prompt for s in scenarios])     # never evaluate on what built the vector",
           "pass",
           (f"{T_VALID}::test_pairs_that_contain_a_scenario_are_refused_by_the_sweep",)),
    # vectors and models
    Mutant("vector: NaN layer_norms accepted", "vectors/vector.py",
           "bad = {k: v for k, v in self.layer_norms.items() if not is_finite_number(v) or v < 0}", "bad = {}",
           ("tests/foundation/test_vector_checks.py",)),
    Mutant("vector: missing layer_norms entry accepted", "vectors/vector.py",
           "if layer not in self.meta.layer_norms:", "if False:",
           ("tests/foundation/test_vector_checks.py",)),
    Mutant("model: unreachable hub tried anyway (retries)", "model/load.py",
           "reachable, why = _hub_reachable()", 'reachable, why = True, ""',
           (f"{T_MODEL}::test_unknown_hub_id_in_process",)),
    Mutant("model: pickled checkpoints loaded", "model/load.py",
           'if "gguf_file" not in common:', "if False:",
           (f"{T_MODEL}::test_a_pickled_checkpoint_is_refused_in_one_line",)),
    Mutant("model: transformers errors as tracebacks", "model/load.py",
           "except (OSError, ValueError, ImportError) as err:", "except ImportError as err:",
           (f"{T_MODEL}::test_a_broken_checkpoint_is_one_line",)),
    Mutant("cli: sandbox errors as tracebacks", "cli/main.py",
           "if not isinstance(err, SandboxError):", "if True:",
           (f"{T_VALID}::test_a_sandbox_error_anywhere_is_one_line_exit_2",)),
    Mutant("data validate: an empty file is valid", "cli/data.py",
           "if not read_pairs_jsonl(args.file):", "if False:",
           ("tests/data/test_cli_validate_empty.py",)),
    # metrics, judging, reports
    Mutant("summary: security over all samples", "experiments/summarize.py",
           '"security": ("secure", "judged"),', '"security": ("secure", "n"),',
           (f"{T_GUARD}::test_security_counts_only_valid_judged_samples",)),
    Mutant("summary: unjudged samples counted as judged", "experiments/summarize.py",
           'c["judged"] += bool(s["valid"] and s["secure"] is not None)', 'c["judged"] += bool(s["valid"])',
           (f"{T_GUARD}::test_security_counts_only_valid_judged_samples",)),
    Mutant("summary: validity over judged samples", "experiments/summarize.py",
           '"validity": ("valid", "n"),', '"validity": ("valid", "judged"),',
           (f"{T_SWEEP}::test_sweep_finishes_with_one_summary_per_cell",
            f"{T_E2E}::test_build_then_eval_writes_the_json_fields")),
    Mutant("coverage: a test that cannot fail still counts as covered", "evaluation/coverage.py",
           'return sample.get("security_test") is not None and sample.get("scenario") not in blind_tests',
           'return sample.get("security_test") is not None',
           ("tests/evaluation/test_coverage_report.py::"
            "test_a_security_test_that_cannot_fail_does_not_make_its_samples_covered",)),
    Mutant("coverage: a weak CWE (80-90% recall) claimed as judged", "evaluation/coverage.py",
           "    if entry.caught / entry.bad < RECALL_MIN:\n", "    if False:\n",
           ("tests/evaluation/test_coverage.py::test_status_thresholds",)),
    Mutant("judge: every analyzer's findings dropped", "evaluation/judge.py",
           "found[i].extend(findings)", "pass",
           ("tests/evaluation/test_judge_default_analyzers.py",)),
    Mutant("judge: bandit left out of the defaults", "evaluation/judge.py",
           "return default_analyzers(language)",
           'return [a for a in default_analyzers(language) if a.name != "bandit"]',
           ("tests/evaluation/test_judge_default_analyzers.py",)),
    Mutant("validity: Python names never bound go unchecked", "evaluation/validity.py",
           "        if start <= at < end and name not in given:\n", "        if False:\n",
           ("tests/evaluation/test_gcc.py::test_python_undefined_module_name_is_invalid_and_named",
            "tests/evaluation/test_judge.py::test_a_completion_using_an_unbound_name_is_invalid_not_insecure")),
    Mutant("distill: the student reads the hinted prompt", "vectors/distill.py",
           "        examples.append(Example(pair.id, student, teacher))\n",
           "        examples.append(Example(pair.id, teacher, teacher))\n",
           ("tests/methods/test_distill.py::test_the_objective_compares_teacher_and_student_on_the_same_completion_tokens",)),
    Mutant("distill: the learned vector is never kept", "vectors/distill.py",
           "            best, chosen, bad = {k: u.detach().clone() for k, u in units.items()}, row, 0\n",
           "            chosen, bad = row, 0\n",
           ("tests/methods/test_distill.py::test_training_lowers_the_kl_on_held_out_tasks_and_gives_an_absolute_scale_vector",)),
    Mutant("distill: the retention KL never reaches the loss", "vectors/distill.py",
           "                kept_loss.backward()\n",
           "                kept_loss.detach()\n",
           ("tests/methods/test_distill.py::test_retention_keeps_the_steered_model_closer_to_the_unsteered_one_on_other_tasks",)),
    Mutant("distill: a vector no epoch improved is returned (zero)", "vectors/distill.py",
           "    if chosen is history[0]:", "    if False:",
           ("tests/methods/test_distill.py::test_a_vector_no_epoch_improved_is_refused_not_returned_as_zero",)),
    Mutant("distill: a leaking retention draw is found only after training", "experiments/vectors.py",
           "        if config.retain:           # before training", "        if False:           # before training",
           ("tests/methods/test_distill.py::test_a_leaking_retention_draw_is_refused_before_any_training",)),
    Mutant("distill: a cached vector's retention tasks go unchecked", "experiments/vectors.py",
           "        if not ids:\n            return\n",
           "        return\n",
           ("tests/methods/test_distill.py::test_a_sweep_refuses_a_vector_whose_retention_tasks_are_evaluated",)),
    Mutant("condition: the prompt's decision is made again at every generated step", "steering/probe_gate.py",
           "            if first_call:\n                decide(", "            if True:\n                decide(",
           ("tests/methods/test_condition.py::test_the_prompt_decides_once_and_the_decision_holds_for_the_whole_completion",)),
    Mutant("condition: fit on the pairs' terse tasks, not the prompts a sweep evaluates", "vectors/hint_view.py",
           "posed.get((p.source, str(p.meta.get(\"task_id\")))) or task_of(p)", "task_of(p)",
           ("tests/methods/test_condition.py::test_task_prompts_use_the_scenario_of_the_same_task_where_the_source_poses_one",)),
    Mutant("condition: evaluated scenarios are drawn as prompts to leave alone", "vectors/hint_view.py",
           "    if leave_out:\n", "    if False:\n",
           ("tests/methods/test_condition.py::test_evaluated_scenarios_are_never_drawn_as_prompts_to_leave_alone",)),
    Mutant("shipped: a shipped vector is used whatever pairs it was trained on", "vectors/shipped.py",
           "if (meta.pairs_hash == pairs_hash and ", "if (",
           ("tests/methods/test_shipped.py::test_find_shipped_compares_pairs_and_retention_tasks_and_refuses_a_damaged_file",)),
    Mutant("shipped: a shipped vector is used under another dtype", "vectors/shipped.py",
           " or entry.get(\"dtype\") != dtype:", ":",
           ("tests/methods/test_shipped.py::test_any_difference_in_the_inputs_trains_instead",)),
    Mutant("extend: a run grows into a spec with other shared settings", "experiments/spec.py",
           "            if was != now and not grows:\n", "            if False:\n",
           ("tests/experiments/test_extend.py::test_only_growing_grid_lists_extend_a_run",)),
    Mutant("extend: finished units no cell of the grown plan owns are kept", "experiments/runner.py",
           "    if stray:\n        raise SpecMismatchError", "    if False:\n        raise SpecMismatchError",
           ("tests/experiments/test_extend.py::test_a_finished_unit_the_grown_plan_lacks_refuses_the_extension",)),
    Mutant("pool: a pooled run claims the first run's sample count", "report/load.py",
           '"samples": sum(r.spec["samples"] for r in runs)', '"samples": first.spec["samples"]',
           ("tests/experiments/test_report_pooled.py::test_runs_with_other_sample_counts_and_controls_pool_their_common_cells",)),
    Mutant("pool: runs with other sample counts or controls are refused", "report/load.py",
           'POOLABLE = ("seed", "samples", "controls")', 'POOLABLE = ("seed",)',
           ("tests/experiments/test_report_pooled.py::test_runs_with_other_sample_counts_and_controls_pool_their_common_cells",)),
    Mutant("report: a functional benchmark shows a security column", "report/tables.py",
           "    if not security:\n        return [\"validity\", \"functional\"], [\"functional\"]\n", "",
           ("tests/evaluation/test_coverage_report.py::test_a_functional_benchmark_reports_tests_passed_not_security",)),
    Mutant("bootstrap: conditions resampled apart (unpaired)", "evaluation/metrics.py",
           "diffs = _pooled_diff(counts[draws].sum(axis=1))",
           "diffs = _pooled_diff(np.concatenate([counts[draws][..., :2], counts[rng.integers(0, len(keys), "
           "size=draws.shape)][..., 2:]], axis=-1).sum(axis=1))",
           (f"{T_GUARD}::test_the_bootstrap_keeps_each_scenarios_two_conditions_together",)),
    Mutant("compare: significant only when positive", "report/compare.py",
           '"significant": bool(lo > 0 or hi < 0)', '"significant": bool(lo > 0)',
           (f"{T_GUARD}::test_significant_in_both_directions_and_not_when_the_interval_holds_zero",)),
    Mutant("report: interval printed wrong", "report/tables.py",
           "{100 * r['lo']:.0f}, {100 * r['hi']:.0f}]", "{100 * r['lo']:.0f}, {100 * r['lo']:.0f}]",
           (f"{T_E2E}::test_report_renders_markdown_html_and_plots",)),
    # steering and activations
    Mutant("steering: prompt positions also steer cached steps", "steering/hooks.py",
           "return (state.start == 0) == (positions is Positions.PROMPT)",
           "return positions is Positions.PROMPT or state.start > 0",
           (f"{T_POS}::test_prompt_positions_leave_cached_steps_unsteered",
            "tests/foundation/test_steering.py::test_prompt_positions_steer_only_the_prompt_pass")),
    Mutant("activations: token norms counted over padding", "activations/read.py",
           "norm_mask = (mask.bool() & ~first).float()", "norm_mask = (~first).float()",
           (f"{T_POS}::test_token_norm_counts_real_tokens_only",)),
    Mutant("sweep: routed mode ignores its scales", "experiments/methods.py",
           "factory.bank(key, rows_cwes=row_cwes), list(row_cwes), layers, scales,",
           "factory.bank(key, rows_cwes=row_cwes), list(row_cwes), layers, [0.0] * len(scales),",
           (f"{T_SWEEP}::test_every_steering_mode_runs_in_a_sweep",)),
    Mutant("sweep: contrastive routed units train the unused pooled fallback", "experiments/methods.py",
           "bank = factory.bank(key, rows_cwes=row_cwes)", "bank = factory.bank(key)",
           ("tests/methods/test_bank.py::test_contrastive_routed_units_ask_for_the_fallback_only_for_their_rows",)),
    Mutant("imports: generation imports a name from steering (the import cycle)", "generation/generate.py",
           "from secsteer.steering import apply as steering_apply",
           "from secsteer.steering.apply import steering_context  # noqa\nfrom secsteer.steering import apply as steering_apply",
           ("tests/foundation/test_imports.py",)),
    Mutant("executors: the kept judge pool ignores a changed SECSTEER_* environment", "experiments/executors/local.py",
           'key = (workers, tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("SECSTEER_"))))',
           "key = (workers, ())",
           ("tests/experiments/test_overlap.py::test_the_kept_judge_pool_follows_a_changed_secsteer_environment",)),
    Mutant("judge: SecCodePLT's CWE-79 safety cases accept any returned string", "data/scenario_sources/seccodeplt.py",
           "    return all(out[mark] <= safe[mark] for mark in attack)", "    return True",
           ("tests/data/test_seccodeplt_html.py",)),
    Mutant("judge: SecCodePLT's CWE-79 outputs compared as exact strings again", "data/scenario_sources/seccodeplt.py",
           'html = cwe == "CWE-79"', "html = False",
           ("tests/data/test_seccodeplt_html.py",)),
    Mutant("runner: also_drop_pairs_of ignores the pair sources", "experiments/runner.py",
           "sources = whole + sorted({src for src in spec.pairs if src not in whole and is_scenario_source(src)})",
           "sources = whole",
           ("tests/methods/test_decode_sweep.py::test_also_drop_pairs_of_finds_ids_of_the_pair_source_when_the_scenarios_are_elsewhere",)),
    Mutant("rejudge: writes over an existing run", "experiments/rejudge.py",
           "    if new.run_path.exists():", "    if False:",
           ("tests/experiments/test_rejudge.py",)),
]


def apply(mutant: Mutant, src_copy: Path) -> str | None:
    """Apply the mutant to the copy; returns a problem ("anchor not found") or None."""
    path = src_copy / "secsteer" / mutant.file
    if not path.is_file():
        return f"ANCHOR NOT FOUND: no file {PKG}{mutant.file}"
    text = path.read_text(encoding="utf-8")
    count = text.count(mutant.old)
    if count != 1:
        return f"ANCHOR NOT FOUND: {mutant.old[:50]!r} occurs {count} times in {PKG}{mutant.file}"
    path.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")
    return None


def run_tests(tests: tuple[str, ...], src_copy: Path, timeout_s: int) -> tuple[bool, str]:
    """(tests failed, last output line) for the tests run against the (mutated) copy."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src_copy), str(ROOT)]), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "not slow", *tests]
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return True, f"timed out after {timeout_s} s (counts as caught)"
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    summary = lines[-1] if lines else done.stderr.strip()[-200:]
    # exit 1: tests failed (caught); 0: all passed (survived); 5: nothing collected; others: errors
    if done.returncode in (2, 3, 4, 5):
        return False, f"pytest could not run the tests (exit {done.returncode}): {summary}"
    return done.returncode != 0, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-k", default="", help="only mutants whose name contains this text")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per mutant's test run")
    parser.add_argument("--no-baseline", action="store_true", help="skip running the tests on the unmutated source")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if args.k.lower() in m.name.lower()]
    if args.list:
        for m in chosen:
            print(f"{m.name}\n    {PKG}{m.file}: {m.old!r} -> {m.new!r}\n    caught by: {', '.join(m.tests)}")
        return 0
    rows = []
    if not args.no_baseline:  # a test that fails without any mutant would "catch" every mutant
        start = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="secsteer-mutant-") as tmp:
            src_copy = Path(tmp) / "src"
            shutil.copytree(ROOT / "src", src_copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
            failed, detail = run_tests(tuple(sorted({t for m in chosen for t in m.tests})), src_copy, args.timeout * 3)
        print(f"{'baseline':>16}  unmutated source  ({time.monotonic() - start:.0f} s)  {detail}", flush=True)
        if failed or "passed" not in detail:
            print("the tests do not pass on the unmutated source; fix that first")
            return 1
    for m in chosen:
        start = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="secsteer-mutant-") as tmp:
            src_copy = Path(tmp) / "src"
            shutil.copytree(ROOT / "src", src_copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
            problem = apply(m, src_copy)
            if problem:
                status, detail = "ANCHOR NOT FOUND", problem
            else:
                caught, detail = run_tests(m.tests, src_copy, args.timeout)
                status = "caught" if caught else "SURVIVED"
        rows.append((m.name, status, time.monotonic() - start, detail))
        print(f"{status:>16}  {m.name}  ({rows[-1][2]:.0f} s)  {detail}", flush=True)
    width = max([len(r[0]) for r in rows] + [6])
    print(f"\n| {'mutant':<{width}} | result           | seconds |")
    print(f"|{'-' * (width + 2)}|------------------|---------|")
    for name, status, seconds, _ in rows:
        print(f"| {name:<{width}} | {status:<16} | {seconds:7.0f} |")
    bad = [r for r in rows if r[1] != "caught"]
    print(f"\n{len(rows) - len(bad)} of {len(rows)} mutants caught" + (f"; {len(bad)} not: see above" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

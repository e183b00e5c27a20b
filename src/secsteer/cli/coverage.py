"""secsteer coverage: the judge's recall and false alarms per CWE and language of a scenario set."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "coverage", help="how well the judge sees each CWE of a scenario set (recall, false alarms, intervals)")
    parser.add_argument("--scenarios", action="append", required=True,
                        help="builtin, safecoder:PATH, seccodeplt:PATH, ... (repeatable): the CWEs and languages to measure")
    parser.add_argument("--references", action="append", default=[],
                        help="extra pair sources of labelled code (sven:PATH, safecoder:PATH, seccodeplt:PATH, jsonl:PATH); "
                        "the built-in references and the scenario set's own datasets are always used")
    parser.add_argument("--all-references", action="store_true",
                        help="also measure every CWE and language the built-in references hold (e.g. C CWE-125)")
    parser.add_argument("--analyzers", default=None, help="comma-separated analyzers (default: every available one)")
    parser.add_argument("--no-cache", action="store_true", help="measure again even if a cached result exists")
    parser.add_argument("--tests", action="store_true",
                        help="also run each scenario's security test on its insecure and secure reference "
                        "(in the sandbox; needs --allow-code-execution): the tests' own recall and false alarms")
    parser.add_argument("--max-per-cwe", type=int, default=40,
                        help="with --tests: at most this many scenarios per CWE and language, by id (0: all)")
    parser.add_argument("--allow-code-execution", action="store_true",
                        help="allow --tests to run the references' code in the sandbox")
    parser.add_argument("--json", type=Path, default=None, help="write the coverage as JSON here")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from secsteer.data.scenarios import load_scenarios
    from secsteer.evaluation.coverage import coverage_for, coverage_table, reference_sources

    if args.tests and not args.allow_code_execution:
        raise ValueError("--tests runs the scenarios' reference code in the sandbox; pass --allow-code-execution")
    if args.max_per_cwe < 0:
        raise ValueError(f"--max-per-cwe must be 0 (all) or more, not {args.max_per_cwe}")
    scenarios = [s for spec in args.scenarios for s in load_scenarios(spec)]
    if not scenarios:
        raise ValueError(f"no scenarios in {args.scenarios}")
    keys = {(s.cwe, s.language) for s in scenarios}
    if args.all_references:
        from secsteer.evaluation.coverage import builtin_references

        keys |= {(r.cwe, r.language) for r in builtin_references()}
    sources = list(dict.fromkeys([*reference_sources(args.scenarios), *args.references]))
    names = [n.strip() for n in args.analyzers.split(",") if n.strip()] if args.analyzers else None
    coverage = coverage_for(keys, sources, names, use_cache=not args.no_cache, show_progress=True)
    print(f"references: built-in{''.join(', ' + s for s in sources)}; analyzers: {', '.join(coverage.analyzers)}")
    print(coverage_table(coverage, keys))
    result = coverage.to_json()
    if args.tests:
        result["tests"] = _tests(scenarios, args.max_per_cwe)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


def _tests(scenarios: list, cap: int) -> list[dict]:
    from secsteer.evaluation.tested_coverage import check_references, checks_table, with_reference_pair

    chosen = with_reference_pair(scenarios, cap)
    print(f"\nExecuted security tests on the references of {len(chosen)} of {len(scenarios)} scenarios "
          "(the others have no security test or no reference pair):")
    if not chosen:
        return []
    checks = check_references(chosen, show_progress=True)
    print(checks_table(checks))
    return [c.to_json() for c in checks]

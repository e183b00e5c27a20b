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
    parser.add_argument("--json", type=Path, default=None, help="write the coverage as JSON here")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from secsteer.data.scenarios import load_scenarios
    from secsteer.evaluation.coverage import coverage_for, coverage_table, reference_sources

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
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(coverage.to_json(), indent=1), encoding="utf-8")
        print(f"wrote {args.json}")
    return 0

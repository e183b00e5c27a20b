"""secsteer rejudge: judge a run's stored completions again with today's judge, into a new run directory."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("rejudge", help="judge a finished run's completions again (after a judge change), "
                                                 "into a new run directory, without the model")
    parser.add_argument("run_dir", help="the run directory whose completions to judge")
    parser.add_argument("--out", required=True, help="new run directory (must not hold a run)")
    parser.add_argument("--allow-code-execution", action="store_true",
                        help="run scenario tests on the stored model-written code (inside the sandbox)")
    parser.add_argument("--no-report", action="store_true", help="do not write the report at the end")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from secsteer.experiments.rejudge import changed_verdicts, rejudge
    from secsteer.experiments.spec import spec_from_dict
    from secsteer.experiments.store import RunStore

    spec = spec_from_dict(RunStore(args.run_dir).run_record()["spec"], args.run_dir)
    if spec.run_tests and not args.allow_code_execution:
        raise ValueError(f"{args.run_dir} ran scenario tests on model-written code; pass --allow-code-execution")
    store = rejudge(args.run_dir, args.out)
    print(f"{len(store.cells())} cells judged again in {args.out}")
    for change, n in changed_verdicts(args.run_dir, args.out).items():
        print(f"  secure {change}: {n}")
    if not args.no_report:
        from secsteer.report.report import build_report

        paths = build_report(args.out)
        print(f"report: {paths['markdown']} and {paths['html']}")
    return 0

"""secsteer report: Markdown + HTML + PNG plots from a run directory."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("report", help="write report.md, report.html and plots for a run directory")
    parser.add_argument("run_dir", nargs="+",
                        help="a run directory; several runs of one spec under different seeds are pooled")
    parser.add_argument("--out", help="output directory (default RUN_DIR/report; required when pooling)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from secsteer.report.report import build_report

    paths = build_report(args.run_dir, args.out)
    for name, path in paths.items():
        print(f"{name:>12}: {path}")
    return 0

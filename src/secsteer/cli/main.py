"""The `secsteer` command: thin wiring, one module per command, heavy imports inside run()."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# Each module defines register(subparsers) and sets `run` on its parser(s).
COMMANDS = ("info", "data", "build", "train", "generate", "eval", "sweep", "rejudge", "report", "humaneval", "detect", "probe", "inspect", "interop", "serve", "demo", "coverage", "sandbox_env")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="secsteer", description=__doc__)
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"secsteer.cli.{name}").register(commands)
    return parser


def setup_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose)
    try:
        return int(args.run(args) or 0)
    except (ValueError, FileNotFoundError) as err:     # user errors: one clear line, no traceback
        print(f"secsteer {args.command}: error: {err}", file=sys.stderr)
        return 2
    except RuntimeError as err:
        from secsteer.evaluation.sandbox import SandboxError

        if not isinstance(err, SandboxError):
            raise
        print(f"secsteer {args.command}: error: {err}", file=sys.stderr)   # e.g. a sandbox that cannot isolate
        return 2


def entry() -> None:
    raise SystemExit(main())

"""secsteer humaneval: pass@1 on HumanEval (a fixed first-K subset or all 164), baseline vs steered."""

from __future__ import annotations

import argparse

from secsteer.cli import eval as eval_command


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("humaneval", help="HumanEval pass@1, baseline and steered (runs model code)")
    eval_command.add_arguments(parser)
    for option in ("--scenarios", "--cwe", "--language", "--any-cwe"):      # fixed to HumanEval here
        parser._option_string_actions[option].help = argparse.SUPPRESS
    parser.set_defaults(run=run, scenarios=["humaneval"], temperature=0.0, samples=1, max_new_tokens=384)


def run(args: argparse.Namespace) -> int:
    if not args.allow_code_execution:
        raise ValueError("HumanEval runs model-written code (in the sandbox): pass --allow-code-execution")
    args.scenarios = ["humaneval"]
    return eval_command.run(args)

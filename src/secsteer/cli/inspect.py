"""secsteer inspect: which next tokens a vector raises and lowers, measured on real code."""

from __future__ import annotations

import argparse
import json

from secsteer.cli.common import add_model_args, load_from_args


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "inspect", help="measure which next tokens a steering vector makes more or less likely")
    add_model_args(parser)
    parser.add_argument("vector", help="a .safetensors steering vector")
    parser.add_argument("--scenarios", action="append", default=None,
                        help="whose prompts to read: builtin, safecoder:PATH, ... (repeatable; default builtin)")
    parser.add_argument("--cwe", action="append", default=None, help="keep scenarios of this CWE (repeatable)")
    parser.add_argument("--language", action="append", default=None)
    parser.add_argument("--layers", default=None, help="comma-separated layers (default: all in the vector)")
    parser.add_argument("--scale", type=float, default=0.25, help="scale × layer norm (default: %(default)s)")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from secsteer.data.scenarios import load_scenarios
    from secsteer.vectors.effects import TokenEffects, token_change
    from secsteer.vectors.vector import SteeringVector

    vector = SteeringVector.load(args.vector)
    texts = [s.prompt for spec in (args.scenarios or ["builtin"])
             for s in load_scenarios(spec, cwes=args.cwe, languages=args.language) if s.prompt.strip()]
    if not texts:
        raise ValueError("no scenario with a code prompt matches; check --scenarios, --cwe and --language")
    model, tokenizer = load_from_args(args)
    change, positions = token_change(model, tokenizer, vector, texts, args.layers, args.scale)
    effects = TokenEffects.top(change, tokenizer, positions, args.top)
    if args.json:
        print(json.dumps({"raised": effects.raised, "lowered": effects.lowered, "positions": effects.positions,
                          "texts": len(texts), "scale": args.scale}, indent=1))
    else:
        print(f"{len(texts)} prompts, scale {args.scale:g} × norm\n{effects.as_text()}")
    return 0

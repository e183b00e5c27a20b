"""secsteer detect: ask the model whether each side of each pair contains its CWE, baseline and steered."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from secsteer.cli.build import add_pair_args
from secsteer.cli.common import add_model_args, add_steering_args, load_from_args, steering_from_args


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("detect", help="vulnerability detection by prompting: baseline vs steered")
    add_model_args(parser)
    add_pair_args(parser)
    add_steering_args(parser)
    parser.add_argument("--shots", type=int, default=0, choices=[0, 2],
                        help="worked examples before the question (one vulnerable, one patched, from other pairs)")
    parser.add_argument("--definitions", type=Path, default=None,
                        help="JSON object of CWE definitions to quote in the question "
                             "(e.g. secllmholmes/datasets/mitre-cwe-definitions.json)")
    parser.add_argument("--mode", default="both", choices=["score", "generate", "both"],
                        help="score: next-token P(Yes) vs P(No); generate: parse a generated reply (default: both)")
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--prompt-mode", default="auto", choices=["auto", "completion", "chat"])
    parser.add_argument("--limit", type=int, default=None, help="use at most N pairs (a seeded draw)")
    parser.add_argument("--keep-duplicates", action="store_true",
                        help="keep variants identical to their original up to whitespace (robustness studies)")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap draws over pairs for intervals")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="write every metric and answer to this file")
    parser.set_defaults(run=run)


def selected_pairs(args: argparse.Namespace) -> list[Any]:
    from secsteer.data.sources import load_many
    from secsteer.data.splits import sample_pairs

    pairs = load_many(args.pairs or ["builtin"], cwes=args.cwe, languages=args.language, split=args.split,
                      dedupe=not getattr(args, "keep_duplicates", False))
    if args.limit:
        pairs = sample_pairs(pairs, min(args.limit, len(pairs)), args.seed)
    return pairs


def run(args: argparse.Namespace) -> int:
    from secsteer.detection.metrics import jsonable
    from secsteer.detection.prompts import PromptConfig, load_definitions
    from secsteer.detection.run import MODES, DetectConfig, format_table, run_detection
    from secsteer.detection.task import examples_from_pairs

    examples = examples_from_pairs(selected_pairs(args))
    definitions = load_definitions(args.definitions) if args.definitions else None
    config = DetectConfig(
        modes=MODES if args.mode == "both" else (args.mode,),
        prompt=PromptConfig(shots=args.shots, mode=args.prompt_mode),
        max_new_tokens=args.max_new_tokens, batch_size=args.batch_size, n_resamples=args.resamples, seed=args.seed,
    )
    model, tokenizer = load_from_args(args)
    steering = steering_from_args(args)
    results = run_detection(model, tokenizer, examples, config, definitions, show_progress=True)
    if steering is not None:
        results += run_detection(model, tokenizer, examples, config, definitions, steering, show_progress=True)
    print(f"{len(examples)} examples from {len({e.group for e in examples})} pairs; "
          f"{args.shots}-shot{', with CWE definitions' if definitions else ''}; intervals are 95%")
    print(format_table(results))
    if args.json:
        record = {
            "model": args.model, "pairs": args.pairs or ["builtin"], "cwe": args.cwe, "split": args.split,
            "limit": args.limit, "shots": args.shots, "definitions": str(args.definitions or ""),
            "max_new_tokens": args.max_new_tokens, "seed": args.seed, "results": jsonable(results),
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.json.with_name(args.json.name + ".tmp")
        tmp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        tmp.replace(args.json)
        print(f"wrote {args.json}")
    return 0

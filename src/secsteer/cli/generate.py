"""secsteer generate: baseline and steered completions of a prompt, side by side."""

from __future__ import annotations

import argparse
from pathlib import Path

from secsteer.cli.common import (
    add_model_and_backend_args,
    add_steering_args,
    load_from_args,
    steering_from_args,
)


def add_decoding_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("decoding")
    group.add_argument("--decoding", default="plain", choices=["plain", "contrastive"],
                       help="contrastive: logits = base + alpha·(plus − minus), where plus and minus are rows steered "
                            "with +vector and -vector at --scale, over the tokens the base finds plausible "
                            "(default: %(default)s)")
    group.add_argument("--alpha", type=float, default=1.0, help="contrastive strength (default: %(default)s)")
    group.add_argument("--beta", type=float, default=0.0,
                       help="contrastive plausibility floor: keep tokens with p >= beta·max p (default: top-p only)")


def contrastive_from_args(args: argparse.Namespace):  # -> Contrastive | None
    from secsteer.generation.contrastive import Contrastive

    if args.decoding == "plain":
        return None
    if not args.vector:
        raise ValueError("--decoding contrastive needs --vector (the direction of the +v and -v rows)")
    return Contrastive(alpha=args.alpha, beta=args.beta)


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("generate", help="complete prompts, baseline and steered side by side")
    add_model_and_backend_args(parser)
    add_steering_args(parser)
    add_decoding_args(parser)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--prompt", action="append", help="a code prefix to complete (repeatable)")
    source.add_argument("--prompt-file", type=Path, help="a file whose whole text is one prompt")
    parser.add_argument("--instruction", default=None, help="task text for chat models")
    parser.add_argument("--language", default="python")
    parser.add_argument("--prompt-mode", default="auto", choices=["auto", "completion", "chat"])
    parser.add_argument("--max-new-tokens", type=int, default=96)
    parser.add_argument("--temperature", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from secsteer.backends import backend_from_args
    from secsteer.generation.generate import GenerationConfig
    from secsteer.generation.prompts import build_prompt, default_stops, uses_chat

    backend = backend_from_args(args)
    contrastive = contrastive_from_args(args)
    if contrastive is not None and backend.name != "hooks":
        raise ValueError("--decoding contrastive runs on the hook engine only; use --backend hooks")
    codes = args.prompt or [args.prompt_file.read_text(encoding="utf-8")]
    model, tokenizer = load_from_args(args, backend)
    steering = steering_from_args(args)
    prompts = [build_prompt(tokenizer, c, args.instruction, args.language, args.prompt_mode) for c in codes]
    config = GenerationConfig(max_new_tokens=args.max_new_tokens, temperature=args.temperature, seed=args.seed,
                              stop=default_stops(uses_chat(tokenizer, args.prompt_mode)))
    baseline = backend.generate(model, tokenizer, prompts, config)
    steered: list[str] | None
    if contrastive is not None:
        from secsteer.generation.generate import generate

        steered = generate(model, tokenizer, prompts, config, steering=steering, contrastive=contrastive)
    else:
        steered = backend.generate(model, tokenizer, prompts, config, steering=steering) if steering else None
    for i, code in enumerate(codes):
        print(f"=== prompt {i + 1} ===\n{code}")
        print(f"--- baseline ---\n{code}{baseline[i]}")
        if steered is not None:
            how = f"contrastive, alpha {contrastive.alpha:g}, " if contrastive is not None else ""
            print(f"--- steered ({how}{describe(steering)}) ---\n{code}{steered[i]}")
    return 0


def describe(steering) -> str:
    layers = ",".join(map(str, steering.layers or steering.vector.layers))
    unit = "× layer norm" if steering.relative else "× vector"
    return f"layers {layers}, scale {steering.scale:g} {unit}, positions {steering.positions}"

"""secsteer info: what the model is, how deep, how wide."""

from __future__ import annotations

import argparse
import json

from secsteer.cli.common import add_model_args, load_from_args


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("info", help="show a model's architecture, layers and hidden size")
    add_model_args(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from secsteer.model.layers import BLOCK_PATHS, decoder_blocks

    model, tokenizer = load_from_args(args)
    blocks = decoder_blocks(model)
    modules = dict(model.named_modules())
    path = next((p for p in BLOCK_PATHS if modules.get(p) is blocks), "(found by depth)")
    info = {
        "model": args.model,
        "architecture": type(model).__name__,
        "layers": len(blocks),
        "blocks_path": path,
        "hidden_size": model.config.hidden_size if hasattr(model.config, "hidden_size") else model.config.n_embd,
        "parameters": model.num_parameters(),
        "dtype": str(next(model.parameters()).dtype).replace("torch.", ""),
        "vocab_size": len(tokenizer),
        "chat_template": bool(getattr(tokenizer, "chat_template", None)),
    }
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            print(f"{key:>14}: {value}")
    return 0

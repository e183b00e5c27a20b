"""secsteer build: contrast pairs -> steering vector file."""

from __future__ import annotations

import argparse

from secsteer.cli.common import add_model_and_backend_args, load_from_args
from secsteer.vectors.views import VIEWS


def add_pair_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pairs", action="append", default=None,
                        help="pair source: builtin, sven:PATH, secllmholmes:PATH, safecoder:PATH, seccodeplt:PATH, "
                             "jsonl:PATH (repeat for several; default builtin)")
    parser.add_argument("--cwe", action="append", default=None, help="keep only this CWE (repeatable)")
    parser.add_argument("--language", action="append", default=None, help="keep only this language (repeatable)")
    parser.add_argument("--split", default=None, help="dataset split, e.g. train or val")


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("build", help="build a steering vector from secure/insecure pairs")
    add_model_and_backend_args(parser)
    add_pair_args(parser)
    parser.add_argument("--method", default="mean_diff", help="mean_diff or pca (default: %(default)s)")
    parser.add_argument("--pooling", default="mean", choices=["mean", "last"],
                        help="mean over tokens, or the last token (with --focus diff: the last changed token, "
                             "the end of the call the fix changed) (default: %(default)s)")
    parser.add_argument("--view", default="code", choices=list(VIEWS),
                        help="review: read the model answering 'does this code contain CWE-X?' about each side, "
                             "not reading the bare code; hint:generic|cwe|policy: read each pair's task asked with "
                             "and without a security hint (use --pooling last) (default: %(default)s)")
    parser.add_argument("--focus", default="all", choices=["all", "diff"],
                        help="diff: pool only the lines that differ between the two sides (default: %(default)s)")
    parser.add_argument("--context-lines", type=int, default=0, help="with --focus diff: lines around each change")
    parser.add_argument("--layers", default=None, help="layers to build (default: all)")
    parser.add_argument("--limit", type=int, default=None, help="use at most N pairs (a seeded draw)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--out", required=True, help="output .safetensors file")
    parser.set_defaults(run=run)


def selected_pairs(args: argparse.Namespace) -> list:
    from secsteer.data.sources import load_many

    specs = args.pairs or ["builtin"]
    return load_many(specs, cwes=args.cwe, languages=args.language, split=args.split)


def run(args: argparse.Namespace) -> int:
    from secsteer.backends import backend_from_args
    from secsteer.data.splits import sample_pairs
    from secsteer.vectors.build import build_vector

    backend = backend_from_args(args)
    pairs = selected_pairs(args)
    if args.limit:
        pairs = sample_pairs(pairs, args.limit, args.seed)
    model, tokenizer = load_from_args(args, backend)
    filters = {"cwe": args.cwe, "language": args.language, "split": args.split, "limit": args.limit,
               "focus": args.focus if args.focus != "all" else None,
               "view": args.view if args.view != "code" else None,
               "seed": args.seed if args.limit else None}
    vector = build_vector(
        model, tokenizer, pairs, method=args.method, layers=args.layers, pooling=args.pooling,
        batch_size=args.batch_size, focus=args.focus, context_lines=args.context_lines, view=args.view,
        source=",".join(args.pairs or ["builtin"]),
        filters={k: v for k, v in filters.items() if v is not None}, show_progress=True, read=backend.read,
    )
    path = vector.save(args.out)
    print(f"wrote {path}: {vector.meta.method} over {len(vector.layers)} layers from {len(pairs)} pairs "
          f"({', '.join(vector.meta.extra['cwes'])}); pairs hash {vector.meta.pairs_hash}")
    return 0

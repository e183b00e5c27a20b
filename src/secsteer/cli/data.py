"""secsteer data: list, show, validate and export contrast-pair sources."""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path

from secsteer.data.pairs import ContrastPair
from secsteer.data.sources import SourceSummary, describe_source, load_pairs
from secsteer.data.sources.jsonl import read_pairs_jsonl, validate_pairs_jsonl, write_pairs_jsonl

# Folder names under a datasets root (the upstream layouts) and the source that reads each.
DATASET_FOLDERS = {
    "sven": "sven",
    "secllmholmes": "secllmholmes",
    "safecoder": "safecoder",
    "seccodeplt": "seccodeplt",
}


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("data", help="list, show, validate and export contrast-pair sources")
    sub = parser.add_subparsers(dest="data_command", required=True)

    listing = sub.add_parser("list", help="known sources with counts per CWE, language and split")
    listing.add_argument(
        "--root",
        type=Path,
        default=None,
        help="a datasets folder holding sven/, secllmholmes/, safecoder/, seccodeplt/",
    )
    listing.set_defaults(run=run_list)

    show = sub.add_parser("show", help="print pairs of a source with a unified diff")
    show.add_argument(
        "source", help="builtin, sven:PATH, secllmholmes:PATH, safecoder:PATH, seccodeplt:PATH, jsonl:PATH"
    )
    add_filter_args(show)
    show.add_argument("--limit", type=int, default=5, help="pairs to print (default: %(default)s)")
    show.set_defaults(run=run_show)

    validate = sub.add_parser("validate", help="check a pairs .jsonl file; exit 1 with file:line messages")
    validate.add_argument("file", type=Path)
    validate.set_defaults(run=run_validate)

    export = sub.add_parser("export", help="write a source's pairs as .jsonl (docs/pairs-format.md)")
    export.add_argument("source")
    add_filter_args(export)
    export.add_argument("--out", type=Path, required=True, help="the .jsonl file to write")
    export.set_defaults(run=run_export)


def add_filter_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cwe", action="append", default=None, help="keep this CWE (repeatable), e.g. CWE-89 or sqli"
    )
    parser.add_argument("--language", action="append", default=None, help="keep this language (repeatable)")
    parser.add_argument("--split", default=None, help="keep this split (train, val, hand-crafted, ...)")
    parser.add_argument("--no-dedupe", action="store_true", help="keep duplicate and identical-sides pairs")


def _load(args: argparse.Namespace) -> list[ContrastPair]:
    return load_pairs(
        args.source, cwes=args.cwe, languages=args.language, split=args.split, dedupe=not args.no_dedupe
    )


def format_summary(summary: SourceSummary) -> str:
    counts = lambda d: ", ".join(f"{k} {v}" for k, v in d.items())  # noqa: E731
    return (
        f"{summary.spec}: {summary.total} pairs ({summary.after_dedupe} after de-duplication)\n"
        f"  CWEs:      {counts(summary.by_cwe)}\n"
        f"  languages: {counts(summary.by_language)}\n"
        f"  splits:    {counts(summary.by_split)}"
    )


def run_list(args: argparse.Namespace) -> int:
    specs = ["builtin"]
    if args.root is not None:
        if not args.root.is_dir():
            raise FileNotFoundError(
                f"{args.root} is not a folder; give --root the folder that holds the datasets."
            )
        specs += [
            f"{name}:{args.root / folder}"
            for name, folder in DATASET_FOLDERS.items()
            if (args.root / folder).is_dir()
        ]
    for spec in specs:
        print(format_summary(describe_source(spec)))
    return 0


def format_pair(pair: ContrastPair) -> str:
    header = f"== {pair.id}  [{pair.cwe}, {pair.language}, {pair.source}]"
    lines = [header]
    if pair.description:
        lines.append(f"   {pair.description.splitlines()[0][:200]}")
    diff = difflib.unified_diff(
        pair.insecure.splitlines(), pair.secure.splitlines(), "insecure", "secure", lineterm="", n=2
    )
    lines.extend(diff)
    return "\n".join(lines)


def run_show(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise ValueError(f"--limit must be at least 1, got {args.limit}.")
    pairs = _load(args)
    for pair in pairs[: args.limit]:
        print(format_pair(pair))
        print()
    print(f"({min(args.limit, len(pairs))} of {len(pairs)} pairs shown)")
    return 0


def run_validate(args: argparse.Namespace) -> int:
    errors = validate_pairs_jsonl(args.file)
    for error in errors:
        print(error)
    if errors:
        print(f"{args.file}: {len(errors)} problem(s)")
        return 1
    if not read_pairs_jsonl(args.file):     # build refuses an empty pair set, so validate does too
        print(f"{args.file}: no pairs (the file is empty); not valid")
        return 1
    print(f"{args.file}: valid")
    return 0


def run_export(args: argparse.Namespace) -> int:
    count = write_pairs_jsonl(_load(args), args.out)
    print(f"wrote {count} pairs to {args.out}")
    return 0

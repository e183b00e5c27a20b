"""secsteer sweep: run a sweep spec (TOML) or a preset into a resumable run directory."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("sweep", help="run a sweep over layers, scales, pair counts and methods")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("spec", nargs="?", help="a sweep spec TOML file")
    source.add_argument("--preset", help="a built-in spec: strength, layers, sample-efficiency, ...")
    parser.add_argument("--out", required=True, help="run directory (created; rerun the same command to resume)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a spec key with a TOML value, e.g. --set samples=3 --set 'scales=[0.5]'")
    parser.add_argument("--restart", action="store_true", help="discard results already in --out and start over")
    parser.add_argument("--extend", action="store_true",
                        help="--out holds a run whose spec lists fewer controls, layer sets, methods, pair "
                             "counts or draw seeds: keep its finished units and run only the new cells")
    parser.add_argument("--allow-code-execution", action="store_true",
                        help="run scenario tests on model-written code (inside the sandbox)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: all cores)")
    parser.add_argument("--device", default="auto",
                        help="where the model runs: auto (cuda when available, else cpu), cpu, cuda:0, ...")
    parser.add_argument("--no-report", action="store_true", help="do not write the report at the end")
    from secsteer.backends import add_backend_args

    add_backend_args(parser)
    add_executor_args(parser)
    parser.add_argument("--list-presets", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(run=run)


def add_executor_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("executor")
    group.add_argument("--executor", choices=["local", "ray"], default="local",
                       help="local: this machine (default); ray: a Ray cluster, one model per worker")
    turn = group.add_mutually_exclusive_group()
    turn.add_argument("--overlap", action="store_true",
                      help="local: judge unit k in a process while unit k+1 generates (default: when generation "
                           "runs on a GPU or torch leaves a CPU free)")
    turn.add_argument("--no-overlap", action="store_true",
                      help="local: judge each unit before generating the next (one process)")
    group.add_argument("--generate-only", action="store_true",
                       help="generate into OUT/generated.jsonl and judge nothing (e.g. on a GPU machine); the "
                            "same command without this flag judges them later, without loading the model")
    group.add_argument("--address", default=None,
                       help="ray: 'auto' joins the running cluster (ray start --head), or HOST:PORT; "
                            "unset starts Ray on this machine")
    group.add_argument("--workers", type=int, default=None,
                       help="ray: model-holding workers (default: one per GPU, else one)")


def executor_from_args(args: argparse.Namespace):
    from secsteer.experiments.executors import get_executor

    if getattr(args, "generate_only", False):
        if args.executor == "ray" or args.no_overlap or getattr(args, "overlap", False):
            raise ValueError("--generate-only runs here, alone: drop --executor ray, --overlap and --no-overlap")
        return get_executor("generate-only")
    if args.executor == "ray":
        if args.no_overlap or getattr(args, "overlap", False):
            raise ValueError("--overlap and --no-overlap are for the local executor; Ray always judges beside "
                             "generation")
        return get_executor("ray", address=args.address, workers=args.workers, threads=args.threads)
    if args.address or args.workers:
        raise ValueError("--address and --workers need --executor ray")
    if args.no_overlap:
        return get_executor("sequential")
    return get_executor("overlap" if getattr(args, "overlap", False) else "local")


def parse_overrides(items: list[str]) -> dict:
    from secsteer.experiments.spec import tomllib

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--set takes KEY=VALUE, got {item!r}")
        try:
            out[key.strip()] = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            out[key.strip()] = value        # a bare string
    return out


def run(args: argparse.Namespace) -> int:
    from secsteer.experiments.runner import run_sweep
    from secsteer.experiments.spec import load_preset, load_spec

    if args.threads and args.executor != "ray":
        import torch

        torch.set_num_threads(args.threads)
    executor = executor_from_args(args)
    overrides = parse_overrides(args.set)
    if args.allow_code_execution:
        overrides["run_tests"] = True
    spec = load_preset(args.preset, **overrides) if args.preset else load_spec(args.spec, **overrides)
    if spec.run_tests and not args.allow_code_execution:
        raise ValueError("this spec runs model-written code (run_tests = true); pass --allow-code-execution")
    from secsteer.backends import backend_from_args

    chosen = args.backend or args.remote           # otherwise the spec's `engine` key decides
    store = run_sweep(spec, args.out, restart=args.restart, backend=backend_from_args(args) if chosen else None,
                      executor=executor, device=args.device, extend=args.extend)
    if executor.name == "generate-only":
        print(generated_message(store, args.out))
        return 0
    print(f"{len(store.cells())} cells finished in {args.out}")
    if not args.no_report:
        from secsteer.report.report import build_report

        paths = build_report(args.out)
        print(f"report: {paths['markdown']} and {paths['html']}")
    return 0


def generated_message(store, out: str) -> str:
    return (f"{len(store.generated())} units generated into {store.generated_path}, none judged: rerun the same "
            f"command without --generate-only (copying {out} along) where the analyzers and the sandbox are")

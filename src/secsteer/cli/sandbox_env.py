"""secsteer sandbox-env: build or show the pinned package folder that sandboxed tests may import."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("sandbox-env", help="build/show the pinned packages sandboxed tests may import")
    sub = parser.add_subparsers(dest="env_command", required=True)
    build = sub.add_parser("build", help="download the pinned wheels once (needs PyPI); later runs are offline")
    build.add_argument("--force", action="store_true", help="rebuild even if the folder exists")
    build.set_defaults(run=run_build)
    show = sub.add_parser("show", help="where the folder is, whether it is built, and the pins")
    show.set_defaults(run=run_show)


def run_build(args: argparse.Namespace) -> int:
    from secsteer.evaluation import sandbox_env

    print(f"building {sandbox_env.env_dir()} ...")
    folder = sandbox_env.build(force=args.force, show_output=True)
    print(f"ready: {folder}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from secsteer.evaluation import sandbox_env

    ready = sandbox_env.ready_dir()
    print(f"folder: {sandbox_env.env_dir()} ({'built' if ready else 'not built: secsteer sandbox-env build'})")
    print(f"python: {sandbox_env.sandbox_python_version()} (the sandbox's python3)")
    print("pins:   " + ", ".join(f"{n}=={v}" for n, v in sandbox_env.PINNED))
    return 0

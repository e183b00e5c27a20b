"""secsteer export / import: steering vectors to and from llama.cpp / repeng control vectors (GGUF)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser(
        "export", help="write a steering vector as a llama.cpp control vector (GGUF)",
        description="direction.N in the file is added by llama.cpp to the output of block N, at every position. "
                    "Block 0 cannot be expressed and is left out.",
    )
    export.add_argument("vector", type=Path, help="a secsteer .safetensors vector")
    export.add_argument("out", type=Path, help="the .gguf file to write")
    export.add_argument("--format", choices=["gguf"], default="gguf")
    export.add_argument("--scale", type=float, default=1.0,
                        help="baked into the file; llama.cpp's strength multiplies it (default: %(default)s)")
    export.add_argument("--absolute", action="store_true",
                        help="bake in scale × the stored vector instead of scale × the layer's typical norm")
    export.add_argument("--layers", default=None, help="comma-separated blocks to write (default: all but 0)")
    export.set_defaults(run=run_export)

    imp = commands.add_parser("import", help="read a llama.cpp / repeng control vector (GGUF) into secsteer")
    imp.add_argument("gguf", type=Path, help="the .gguf control vector")
    imp.add_argument("--out", type=Path, required=True, help="the .safetensors vector to write")
    imp.add_argument("--model", default=None,
                     help="the model it is for (hub id, directory, .gguf or bundled:NAME); records its depth")
    imp.set_defaults(run=run_import)


def run_export(args: argparse.Namespace) -> int:
    from secsteer.backends.gguf_vectors import export_gguf, export_layers
    from secsteer.vectors.vector import SteeringVector

    vector = SteeringVector.load(args.vector)
    layers = export_layers(vector, args.layers)
    export_gguf(vector, args.out, scale=args.scale, relative=not args.absolute, layers=layers)
    unit = "× stored vector" if args.absolute else "× layer norm"
    print(f"wrote {args.out}: blocks {','.join(map(str, layers))}, scale {args.scale:g} {unit}; "
          f"llama.cpp: --control-vector-scaled {args.out} 1.0 adds exactly this at every position")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from secsteer.backends.gguf_vectors import import_gguf, import_gguf_for_model

    vector = import_gguf_for_model(args.gguf, args.model) if args.model else import_gguf(args.gguf)
    vector.save(args.out)
    print(f"wrote {args.out}: blocks {','.join(map(str, vector.layers))} for a {vector.meta.num_layers}-layer "
          f"model; steer with --absolute --scale S to match llama.cpp at strength S")
    return 0

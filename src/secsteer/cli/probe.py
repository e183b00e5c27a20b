"""secsteer probe: per-layer linear probes (vulnerable vs patched), grouped CV, plots, optional vector."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from secsteer.cli.build import add_pair_args
from secsteer.cli.common import add_model_args, load_from_args


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("probe", help="linear probes per layer: can hidden states tell vulnerable code?")
    add_model_args(parser)
    add_pair_args(parser)
    parser.add_argument("--layers", default=None, help="layers to probe (default: all)")
    parser.add_argument("--pooling", default="mean", choices=["mean", "last"])
    parser.add_argument("--folds", type=int, default=5, help="grouped cross-validation folds (by pair)")
    parser.add_argument("--c", type=float, default=1.0, help="inverse L2 strength of the logistic regression")
    parser.add_argument("--limit", type=int, default=None, help="use at most N pairs (a seeded draw)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap draws over pairs for intervals")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="folder for probes.json, weights and plots")
    parser.add_argument("--save-vector", type=Path, default=None,
                        help="also save the probe direction (toward secure) as a steering vector file")
    parser.add_argument("--layer", default=None, help="layer(s) of the saved vector (default: the best by AUROC)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from secsteer.cli.detect import selected_pairs
    from secsteer.detection.linear import probe_vector
    from secsteer.detection.metrics import jsonable
    from secsteer.detection.plots import plot_layers, plot_roc
    from secsteer.detection.run import run_probes
    from secsteer.detection.task import examples_from_pairs
    from secsteer.model.layers import num_layers, resolve_layers

    pairs = selected_pairs(args)
    examples = examples_from_pairs(pairs)
    model, tokenizer = load_from_args(args)
    probes = run_probes(model, tokenizer, examples, args.layers, args.pooling, args.batch_size, args.folds,
                        args.c, args.resamples, args.seed, show_progress=True)
    results = probes.results
    meta = {"model": args.model, "pairs": args.pairs or ["builtin"], "cwe": args.cwe, "split": args.split,
            "pooling": args.pooling, "limit": args.limit, "seed": args.seed}
    report, weights = results.save(args.out, meta)
    if probes.transfer is not None:
        (args.out / "transfer.json").write_text(json.dumps(jsonable(probes.transfer), indent=1) + "\n")
    layers_png = plot_layers(results, args.out / "layers.png")
    roc_png = plot_roc(results, args.out / "roc.png")
    print(f"{len(examples)} examples from {len(set(results.groups))} pairs, {results.n_splits}-fold grouped CV; "
          "out-of-fold scores with 95% intervals")
    print(f"{'layer':>5}  {'accuracy':<20}  AUROC")
    for layer, r in sorted(results.layers.items()):
        print(f"{layer:>5}  {r.accuracy.value:.3f} [{r.accuracy.low:.3f},{r.accuracy.high:.3f}]  "
              f"{r.auroc.value:.3f} [{r.auroc.low:.3f},{r.auroc.high:.3f}]")
    best = results.best_layer()
    print(f"best layer by AUROC: {best}")
    if probes.transfer is not None:
        for t in probes.transfer[best]:
            print(f"  leave out {t.held_out}: accuracy {t.accuracy.value:.2f}, AUROC {t.auroc.value:.2f} (n={t.auroc.n})")
    print(f"wrote {report}, {weights}, {layers_png}, {roc_png}")
    if args.save_vector:
        chosen = resolve_layers(args.layer, num_layers(model)) if args.layer else [best]
        vector = probe_vector(model, {k: r.probe for k, r in results.layers.items()}, probes.layer_norms, pairs,
                              chosen, source=",".join(args.pairs or ["builtin"]), pooling=args.pooling)
        print(f"wrote {vector.save(args.save_vector)}: probe direction toward secure at layer(s) {chosen}")
    return 0

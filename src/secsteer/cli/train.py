"""secsteer train: learn a steering vector by gradient on contrast pairs (the model frozen).

Default: the BiPO-style preference loss (vectors/train.py). With --distill-hint, the pairs give only their
tasks and the vector is fit to make the unhinted model predict what the hinted one does (vectors/distill.py).
"""

from __future__ import annotations

import argparse

from secsteer.cli.build import add_pair_args
from secsteer.cli.common import add_model_args, load_from_args
from secsteer.generation.hints import HINTS


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "train", help="learn an optimized steering vector (BiPO-style preference loss + KL on unchanged tokens)")
    add_model_args(parser)
    add_pair_args(parser)
    parser.add_argument("--layers", required=True, help="layers to learn a direction for, e.g. 12 or 10,14")
    parser.add_argument("--limit", type=int, default=None, help="use at most N pairs (a seeded draw)")
    parser.add_argument("--scale", type=float, default=0.5,
                        help="relative steering strength during training, ± (default: %(default)s)")
    parser.add_argument("--beta", type=float, default=0.5, help="preference temperature (default: %(default)s)")
    parser.add_argument("--kl-weight", type=float, default=1.0,
                        help="weight of the KL term on unchanged tokens (default: %(default)s)")
    parser.add_argument("--lr", type=float, default=0.05, help="Adam learning rate (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=4, help="pairs per step (default: %(default)s)")
    parser.add_argument("--max-tokens", type=int, default=320,
                        help="tokens per side, the window ending just after the last change (default: %(default)s)")
    parser.add_argument("--max-steps", type=int, default=0, help="stop after N steps (0: epochs decide)")
    parser.add_argument("--val-fraction", type=float, default=0.1)
    parser.add_argument("--eval-every", type=int, default=16, help="steps between validations and checkpoints")
    parser.add_argument("--patience", type=int, default=3, help="validations without improvement before stopping")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shuffle-labels", action="store_true",
                        help="control: swap the sides of a seeded half of the pairs before training")
    parser.add_argument("--autocast", action="store_true",
                        help="bf16 autocast (for GPUs; on this project's CPU it was 6x slower than fp32)")
    parser.add_argument("--checkpoint", default=None,
                        help="checkpoint folder; rerunning the same command resumes there (default: OUT.ckpt)")
    parser.add_argument("--distill-hint", choices=HINTS, default=None,
                        help="instead: distil this prompt hint into the vector (the pairs pose the tasks; no labels "
                             "are used); its magnitude is learned: use it with --absolute --scale 1")
    parser.add_argument("--new-tokens", type=int, default=128,
                        help="--distill-hint: length of the hinted model's completions (default: %(default)s)")
    parser.add_argument("--retain", type=float, default=0.0,
                        help="--distill-hint: weight of the retention KL on other CWEs' tasks (default: none)")
    parser.add_argument("--retain-pairs", default="",
                        help="--distill-hint --retain: the pair source whose tasks of other CWEs are kept unchanged")
    parser.add_argument("--retain-tasks", type=int, default=32,
                        help="--retain: how many of those tasks, a seeded draw (default: %(default)s)")
    parser.add_argument("--out", required=True, help="output .safetensors file")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from secsteer.cli.build import selected_pairs
    from secsteer.data.splits import sample_pairs
    from secsteer.vectors.train import TrainConfig, train_vector

    pairs = selected_pairs(args)
    if args.limit:
        pairs = sample_pairs(pairs, args.limit, args.seed)
    try:
        layers = tuple(int(x) for x in args.layers.split(",") if x.strip())
    except ValueError:
        raise ValueError(f"--layers must be comma-separated integers, got {args.layers!r}") from None
    if args.distill_hint:
        return distill(args, pairs, layers)
    config = TrainConfig(
        layers=layers, scale=args.scale, beta=args.beta, kl_weight=args.kl_weight, lr=args.lr,
        epochs=args.epochs, batch_size=args.batch_size, max_tokens=args.max_tokens, max_steps=args.max_steps,
        val_fraction=args.val_fraction, eval_every=args.eval_every, patience=args.patience, seed=args.seed,
        shuffle_labels=args.shuffle_labels, autocast=args.autocast,
    )
    model, tokenizer = load_from_args(args)
    filters = {"cwe": args.cwe, "language": args.language, "split": args.split, "limit": args.limit,
               "seed": args.seed if args.limit else None}
    checkpoint = args.checkpoint or f"{args.out}.ckpt"
    result = train_vector(model, tokenizer, pairs, config, checkpoint_dir=checkpoint,
                          source=",".join(args.pairs or ["builtin"]),
                          filters={k: v for k, v in filters.items() if v is not None}, show_progress=True)
    path = result.vector.save(args.out)
    extra = result.vector.meta.extra
    print(f"wrote {path}: {result.vector.meta.method}{' (shuffled labels)' if args.shuffle_labels else ''} "
          f"at layers {result.vector.layers} from {len(pairs)} pairs ({extra['n_train']} trained, "
          f"{len(extra['val_pairs'])} validation); {extra['steps']} steps in {extra['seconds']:.0f} s, "
          f"best validation loss {extra['best_val_loss']:.4f} at step {extra['best_step']}; "
          f"use it at --scale {args.scale}")
    return 0


def distill(args: argparse.Namespace, pairs: list, layers: tuple[int, ...]) -> int:
    from secsteer.vectors.distill import DistillConfig, distill_vector

    if args.shuffle_labels:
        raise ValueError("--shuffle-labels has no meaning with --distill-hint (no labels are used); "
                         "compare with a random vector (eval --controls)")
    config = DistillConfig(layers=layers, hint=args.distill_hint, epochs=args.epochs, lr=args.lr,
                           batch_size=args.batch_size, max_new_tokens=args.new_tokens,
                           val_fraction=max(args.val_fraction, 0.2), patience=args.patience, seed=args.seed,
                           autocast=args.autocast, retain=args.retain, retain_pairs=args.retain_pairs,
                           retain_tasks=args.retain_tasks)
    model, tokenizer = load_from_args(args)
    vector = distill_vector(model, tokenizer, pairs, config, source=",".join(args.pairs or ["builtin"]),
                            filters={k: v for k, v in {"cwe": args.cwe, "language": args.language,
                                                       "split": args.split}.items() if v is not None},
                            show_progress=True)
    path = vector.save(args.out)
    extra = vector.meta.extra
    print(f"wrote {path}: distilled hint {args.distill_hint!r} at layers {vector.layers} from {len(pairs)} tasks "
          f"({extra['n_train']} trained, {len(extra['val_pairs'])} validation) in {extra['seconds']:.0f} s; "
          f"validation KL {extra['start_val_kl']:.4f} unsteered -> {extra['best_val_kl']:.4f}"
          + (f", {len(extra['retain_pairs'])} retention tasks' KL {extra['best_val_retain_kl']:.4f}"
             if "retain_pairs" in extra else "") + "; use it with --absolute --scale 1")
    return 0

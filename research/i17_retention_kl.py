"""Issue 17: does the retention term find a better direction, or only a smaller vector?

For each distilled vector and scale given, prints two KLs (nats per completion token, top-64 coarsened, as in
training): on the hinted CWE-79 validation tasks, KL(hinted || unhinted + s·v), what the vector is for; and on
the retention tasks (the unsteered model's own greedy completions of 32 SecCodePLT tasks of other CWEs, the
draw of the first vector that has them), KL(unsteered || unsteered + s·v), what it should leave alone. A better
direction reaches a lower retention KL at the same validation KL.

    python research/i17_retention_kl.py runs/xss/1p5b-distilled-tune/cache/distilled-*.safetensors:0.5,1 \
        runs/xss/1p5b-retain-tune/cache/distilled-*.safetensors:1
"""

from __future__ import annotations

import dataclasses
import sys

import torch

from secsteer.data.sources import load_pairs
from secsteer.model.load import load_model
from secsteer.vectors.distill import (
    batch_kl,
    distill_config,
    retention_examples,
    split_tasks,
    teacher_examples,
)
from secsteer.vectors.train import Scorer, TrainConfig, reference
from secsteer.vectors.vector import SteeringVector

SOURCE = "seccodeplt:../shared/datasets/seccodeplt"


def mean_kl(scorer: Scorer, vector: SteeringVector, layers: list[int], tasks: list, refs: dict) -> float:
    with torch.no_grad():
        return sum(float(batch_kl(scorer, vector, layers, tasks[i : i + 2], refs)) * len(tasks[i : i + 2])
                   for i in range(0, len(tasks), 2)) / len(tasks)


def main(args: list[str]) -> None:
    runs = [(SteeringVector.load(a.rsplit(":", 1)[0]), [float(x) for x in a.rsplit(":", 1)[1].split(",")])
            for a in args]
    first = runs[0][0].meta.extra
    kept_by = next(v.meta.extra for v, _ in runs if "retain_pairs" in v.meta.extra)
    layers = [int(k) for k in first["relative_norms"]]
    model, tok = load_model("bundled:qwen2.5-coder-1.5b-instruct", dtype="bfloat16")
    options = {k: v for k, v in kept_by["train"].items() if k not in ("layers", "hint", "seed")}
    config = distill_config(options, layers=tuple(layers), hint=kept_by["train"]["hint"], seed=kept_by["train"]["seed"])
    val_ids = set(first["val_pairs"])
    assert all(set(v.meta.extra["val_pairs"]) == val_ids for v, _ in runs), "the vectors validate on other tasks"
    val_pairs = [p for p in load_pairs(SOURCE, cwes=["CWE-79"]) if p.id in val_ids]
    hinted = teacher_examples(model, tok, val_pairs, dataclasses.replace(config, retain=0.0, retain_pairs=""))
    trained = [p for p in load_pairs(SOURCE, cwes=["CWE-79"])]
    kept = retention_examples(model, tok, trained, config)
    assert sorted(e.pair_id for e in kept) == kept_by["retain_pairs"], "another retention draw"
    scorer = Scorer(model, False, skip=min(layers))
    read = TrainConfig(layers=tuple(layers), batch_size=2, kl_top_k=config.top_k)
    refs = reference(scorer, hinted, layers, read)[0] | reference(scorer, kept, layers, read)[0]
    kept_val = split_tasks(kept, config)[1]      # the retention vector never trained on these
    print("| vector | scale | validation KL (hinted CWE-79 tasks) | retention KL, all 32 | retention KL, "
          f"{len(kept_val)} held out |")
    print("|---|---|---|---|---|")
    for (vector, scales), arg in zip(runs, args):
        for s in scales:
            scaled = vector.scaled(s)
            print(f"| {arg.rsplit(':', 1)[0]} | {s:g} | {mean_kl(scorer, scaled, layers, hinted, refs):.4f} | "
                  f"{mean_kl(scorer, scaled, layers, kept, refs):.4f} | "
                  f"{mean_kl(scorer, scaled, layers, kept_val, refs):.4f} |")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Issue 17 diagnosis without sampling: does a sweep's routed vector bank raise each held-out task's secure
reference over its insecure one, more than its shuffled-label control does?

For every scenario of the spec (or of the scenario sources given), the secure and the insecure reference
body are teacher-forced after the scenario's prompt, and their summed log-likelihoods compared
(margin = log p(secure) - log p(insecure)) under the plain model, the spec's method routed by the task's
CWE, and the shuffled-label control of the same training, at each of the spec's scales. The vectors come
from the sweep's own cache (trained vectors are trained there if missing), so this reads exactly the
vectors the sweep generated with. Sampling noise is gone: each task gives one paired number per cell.

    PYTHONPATH=src python research/i17_margins.py research/i17-1p5b-trained-report.toml \
        runs/hr/1p5b-trained-tune/cache \
        'set:seccodeplt-headroom#tune:../shared/datasets/seccodeplt' \
        'set:seccodeplt-headroom#report:../shared/datasets/seccodeplt' --json runs/hr/margins-1p5b.json
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from i17_likelihood import score  # research/, beside this script: (sum of log p, tokens masked)

from secsteer.experiments.grid import VectorKey
from secsteer.experiments.runner import select_pairs, select_scenarios
from secsteer.experiments.spec import load_spec
from secsteer.experiments.vectors import VectorFactory
from secsteer.generation.contrastive import plausible_mask
from secsteer.generation.prompts import scenario_prompt, uses_chat
from secsteer.model.load import load_model
from secsteer.steering.routing import steer_routed


def logits_of(model, ids: torch.Tensor) -> torch.Tensor:
    with torch.inference_mode():
        return model(input_ids=ids).logits[0].float()


def paired_interval(x: np.ndarray, seed: int = 0, n: int = 4000) -> tuple[float, float, float]:
    """Mean and a 95% bootstrap interval over tasks."""
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), (n, len(x)))].mean(1)
    return float(x.mean()), float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("spec")
    ap.add_argument("cache", help="the sweep's vector cache folder (RUN/cache)")
    ap.add_argument("scenarios", nargs="*", help="scenario sources (default: the spec's)")
    ap.add_argument("--scales", type=float, nargs="+", help="relative scales (default: the spec's)")
    ap.add_argument("--as-run-before-fix", action="store_true",
                    help="build pairs as sweeps did before 2026-12-06, when also_drop_pairs_of missed a set's "
                         "other half: reuses those runs' cached vectors")
    ap.add_argument("--contrastive", type=float, metavar="ALPHA",
                    help="also score contrastive decoding with the trained bank: base + ALPHA(plus - minus), masked")
    ap.add_argument("--beta", type=float, default=0.0, help="plausibility: 0 = the spec's top-p set, else p >= beta max p")
    ap.add_argument("--json")
    args = ap.parse_args()
    spec = load_spec(args.spec)
    if args.scenarios:
        spec = replace(spec, scenarios=list(args.scenarios))
    if args.as_run_before_fix:
        spec = replace(spec, also_drop_pairs_of=())
    if args.scales:
        spec = replace(spec, scales=tuple(args.scales))
    model, tok = load_model(spec.model, dtype=spec.dtype)
    scenarios = [s for s in select_scenarios(spec) if s.meta.get("reference_secure") and s.meta.get("reference_insecure")]
    pairs = select_pairs(spec, scenarios)
    layers = sorted({layer for s in spec.layer_sets for layer in s})
    factory = VectorFactory(model, tok, pairs, Path(args.cache), spec.pooling, ",".join(spec.pairs),
                            batch_size=spec.batch_size, focus=spec.focus, train=spec.train, train_layers=layers,
                            view=spec.view)
    method = spec.methods[0]
    cwes = [s.cwe for s in scenarios]
    banks = {"trained": factory.bank(VectorKey(method, spec.n_pairs[0], spec.draw_seeds[0]), rows_cwes=cwes),
             "shuffled": factory.bank(VectorKey(method, spec.n_pairs[0], spec.draw_seeds[0], "shuffled"), rows_cwes=cwes)}
    chat = uses_chat(tok, "auto")
    rows = []
    for s in scenarios:
        head = tok(scenario_prompt(tok, s, "auto", chat), add_special_tokens=False)["input_ids"]
        row: dict = {"id": s.id, "cwe": s.cwe}
        for side in ("secure", "insecure"):
            body = str(s.meta[f"reference_{side}"]).lstrip("\n") + "\n```"
            ids = torch.tensor([head + tok(body, add_special_tokens=False)["input_ids"]])
            base = logits_of(model, ids)
            row[f"base/{side}"] = score(base, ids, len(head))[0]
            for name, bank in banks.items():
                for scale in spec.scales:
                    with steer_routed(model, bank, [s.cwe], layers, scale, relative=True,
                                      positions=spec.positions):
                        plus = logits_of(model, ids)
                    row[f"{name}@{scale}/{side}"] = score(plus, ids, len(head))[0]
                    if args.contrastive is None or name != "trained":
                        continue
                    # contrastive decoding's distribution (generation/contrastive.py): base + alpha(plus - minus)
                    # over the base's plausible tokens; the plain base under the same mask is its reference
                    with steer_routed(model, bank, [s.cwe], layers, -scale, relative=True,
                                      positions=spec.positions):
                        minus = logits_of(model, ids)
                    keep = plausible_mask(base, spec.top_p, spec.temperature, args.beta)
                    for tag, mixed in ((f"masked-base@{scale}", base),
                                       (f"contrastive@{scale}", base + args.contrastive * (plus - minus))):
                        mixed = mixed.masked_fill(~keep, float("-inf"))
                        row[f"{tag}/{side}"], row[f"{tag}/{side}/masked"] = score(mixed, ids, len(head))
        rows.append(row)
        cells = [k[:-7] for k in row if k.endswith("/secure")]
        drops = {c: (row[c + "/secure/masked"], row[c + "/insecure/masked"]) for c in cells if c + "/secure/masked" in row}
        print(s.id, s.cwe, "  ".join(f"{c} {row[c + '/secure'] - row[c + '/insecure']:+.1f}" for c in cells),
              "  masked tokens (secure, insecure):", drops or "-", flush=True)
    margin = {c: np.array([r[c + "/secure"] - r[c + "/insecure"] for r in rows]) for c in cells}
    print(f"\n{len(rows)} tasks; margin = log p(secure ref) - log p(insecure ref); Δ vs base, 95% bootstrap over tasks")
    summary = {}
    for c in cells:
        d = paired_interval(margin[c] - margin["base"])
        summary[c] = {"margin": float(margin[c].mean()), "delta": d,
                      "tasks_up": int((margin[c] > margin["base"]).sum())}
        print(f"  {c:18s} mean margin {margin[c].mean():+7.2f}   Δ {d[0]:+6.2f} [{d[1]:+.2f}, {d[2]:+.2f}]   "
              f"tasks raised {summary[c]['tasks_up']}/{len(rows)}")
        if c + "/secure/masked" in rows[0]:
            summary[c]["masked"] = [sum(r[c + "/secure/masked"] for r in rows), sum(r[c + "/insecure/masked"] for r in rows)]
            summary[c]["tasks_secure_unmasked"] = sum(r[c + "/secure/masked"] == 0 for r in rows)
            print(f"  {'':18s} masked tokens: secure refs {summary[c]['masked'][0]}, insecure refs "
                  f"{summary[c]['masked'][1]}; secure ref fully plausible on {summary[c]['tasks_secure_unmasked']} tasks")
    for scale in spec.scales:
        d = paired_interval(margin[f"trained@{scale}"] - margin[f"shuffled@{scale}"])
        summary[f"trained-minus-shuffled@{scale}"] = d
        print(f"  trained − shuffled @{scale}: {d[0]:+.2f} [{d[1]:+.2f}, {d[2]:+.2f}]")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "summary": summary}, indent=1))


if __name__ == "__main__":
    main()

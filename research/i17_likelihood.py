"""Issue 17 diagnosis: how far each method moves the model toward the secure reference solution of a task.

For each scenario, the log-likelihood of SecCodePLT's secure reference body and of its insecure one, given
the scenario's prompt, teacher-forced, under: the plain model; the final-layer CWE-79 vector (and its random
and negated controls) added at each scale; contrastive decoding's distribution (base + alpha·(plus − minus)
over the tokens with base p >= beta · max p). A method can only make generation secure if it raises the
secure reference relative to the insecure one (the margin); under contrastive decoding a reference token
outside the plausible set has probability 0 (counted as "masked").

    PYTHONPATH=src python research/i17_likelihood.py research/i17-final-tune.toml seccodeplt/1000 ... seccodeplt/1005

The vector is built as the sweeps build it: the spec's pairs, less every pair of the tuning and report tasks.
"""

from __future__ import annotations

import sys
from dataclasses import replace

import torch

from secsteer.experiments.runner import select_pairs, select_scenarios
from secsteer.experiments.spec import load_spec
from secsteer.generation.prompts import scenario_prompt, uses_chat
from secsteer.model.load import load_model
from secsteer.steering.apply import steer
from secsteer.vectors.build import build_vector
from secsteer.vectors.vector import random_like

SCALES = (0.1, 0.25, 0.5)
CONTRAST = ((0.1, 1.0), (0.3, 1.0), (1.0, 1.0))        # (±v scale, alpha)
BETA = 0.05


def logits_of(model, ids, vector=None, layer=23, scale=0.0):
    with torch.inference_mode():
        if vector is None:
            return model(input_ids=ids).logits[0].float()
        with steer(model, vector, [layer], scale):
            return model(input_ids=ids).logits[0].float()


def score(logits, ids, start):
    """Sum of log p of ids[start:] (teacher-forced), and the count of tokens at -inf (masked)."""
    logp = logits.log_softmax(-1)[start - 1:-1].gather(1, ids[0, start:, None]).squeeze(1)
    finite = torch.isfinite(logp)
    return float(logp[finite].sum()), int((~finite).sum())


def contrastive_logits(base, plus, minus, alpha, beta=BETA):
    probs = base.softmax(-1)
    keep = probs >= beta * probs.max(-1, keepdim=True).values
    return (base + alpha * (plus - minus)).masked_fill(~keep, float("-inf"))


def main(path: str, ids: list[str]) -> None:
    spec = replace(load_spec(path, scenario_ids=ids), dtype="bfloat16")
    model, tok = load_model(spec.model, dtype=spec.dtype)
    scenarios = select_scenarios(spec)
    pairs = select_pairs(spec, scenarios)
    vector = build_vector(model, tok, pairs, layers=[23], pooling="last", focus="diff", source=",".join(spec.pairs))
    controls = {"vector": vector, "random": random_like(vector, 0), "negated": -vector}
    print(f"{len(pairs)} build pairs; {len(scenarios)} scenarios; margin = log p(secure ref) - log p(insecure ref)")
    chat = uses_chat(tok, "auto")
    rows = []
    for s in scenarios:
        prompt = scenario_prompt(tok, s, "auto", chat)
        head = tok(prompt, add_special_tokens=False)["input_ids"]     # body tokenized apart: one boundary for all
        start = len(head)
        result = {}
        for side in ("reference_secure", "reference_insecure"):
            body = str(s.meta[side]).lstrip("\n") + "\n```"
            ids = torch.tensor([head + tok(body, add_special_tokens=False)["input_ids"]])
            base = logits_of(model, ids)
            out = {"base": score(base, ids, start)}
            for name, v in controls.items():
                for sc in SCALES:
                    out[f"{name}@{sc}"] = score(logits_of(model, ids, v, scale=sc), ids, start)
            for sc, alpha in CONTRAST:
                plus, minus = logits_of(model, ids, vector, scale=sc), logits_of(model, ids, vector, scale=-sc)
                out[f"contrastive@{sc}"] = score(contrastive_logits(base, plus, minus, alpha), ids, start)
                out[f"contrastive-negated@{sc}"] = score(contrastive_logits(base, minus, plus, alpha), ids, start)
            result[side] = out
        rows.append((s.id, result))
        print(f"\n{s.id}")
        for key in result["reference_secure"]:
            (sec, sm), (ins, im) = result["reference_secure"][key], result["reference_insecure"][key]
            print(f"  {key:26s} secure {sec:8.1f} (masked {sm})  insecure {ins:8.1f} (masked {im})  "
                  f"margin {sec - ins:+7.1f}", flush=True)
    print("\nmean margin over scenarios (masked tokens left out of the sums)")
    for key in rows[0][1]["reference_secure"]:
        margins = [r["reference_secure"][key][0] - r["reference_insecure"][key][0] for _, r in rows]
        masked = sum(r["reference_secure"][key][1] for _, r in rows)
        print(f"  {key:26s} {sum(margins) / len(margins):+7.1f}   secure-reference tokens masked: {masked}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])

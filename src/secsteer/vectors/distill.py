"""Hint-distilled steering vectors: a vector trained so the unhinted model writes as the hinted one does.

On a set where a security hint in the prompt works (the model escapes HTML when told to) and the
hint's last-token state difference (the instruction vector, hint_view.py) does not carry the effect,
distil the hint instead (context distillation into one vector per layer, the model frozen):

    1. the hinted model writes a completion for each training task (greedy: the teacher's choice);
    2. on those tokens, the teacher's next-token distribution is read with the hint in the prompt;
    3. v is trained so the model *without* the hint, steered by v at every position, predicts the same:
       loss = mean over completion tokens of KL(π(· | hint, prompt) || π_v(· | prompt)).

The KL is the top-k coarsening of vectors/train.py (k tokens plus "the rest"). Unlike the optimized
method, the magnitude is learned too (delta = norm_l · u_l, u starting at zero: the unsteered model), so
the vector is used at absolute scale 1 (`absolute_scales = [1.0]`). Only the tasks' prompts are used, never
their labels; a held-out share of the tasks gives the validation loss for early stopping. Training stops
and resumes only as a whole: the finished vector is the cache.

Retention (SVEN's function-preserving term, `retain > 0`): a vector fit only to the hinted tasks also carries
the hinted model's manner (comments, stubs) onto every prompt. Tasks of other CWEs (`retain_pairs`) add
retain · KL(π(· | prompt) || π_v(· | prompt)) on the unsteered model's own greedy completions of them, so
the vector is pushed to change only what the hint changes on the hinted tasks.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from secsteer._util.memory import release_freed_memory
from secsteer.data.pairs import ContrastPair, pairs_hash
from secsteer.model.load import model_id
from secsteer.steering.apply import steer
from secsteer.vectors.train import (
    Example,
    Reference,
    Scorer,
    Side,
    TrainConfig,
    coarse_kl,
    epoch_plan,
    freeze,
    from_options,
    reference,
    refuse_bad,
)
from secsteer.vectors.vector import SteeringVector, VectorMeta

log = logging.getLogger(__name__)

METHOD = "distilled"


@dataclass(frozen=True)
class DistillConfig:
    layers: tuple[int, ...]
    hint: str = "policy"            # generation/hints.py
    epochs: int = 4
    lr: float = 0.05                # about the most u's norm moves per step (Adam's lr / sqrt(d)), in layer norms
    batch_size: int = 2             # tasks per step
    max_new_tokens: int = 128       # length of the teacher's completion
    top_k: int = 64                 # teacher tokens kept per position
    val_fraction: float = 0.2
    patience: int = 2               # epochs without a better validation loss before stopping
    seed: int = 0
    autocast: bool = False
    retain: float = 0.0             # weight of the retention KL; 0: none
    retain_pairs: str = ""          # a pair source whose tasks of other CWEs are the retention prompts
    retain_tasks: int = 32          # how many of them (a seeded draw)

    def __post_init__(self) -> None:
        if not self.layers:
            raise ValueError("give at least one layer to train")
        checks = {"epochs": self.epochs >= 1, "lr": self.lr > 0, "batch_size": self.batch_size >= 1,
                  "max_new_tokens": self.max_new_tokens >= 1, "top_k": self.top_k >= 1,
                  "val_fraction": 0 < self.val_fraction < 1, "patience": self.patience >= 1,
                  "retain": self.retain >= 0, "retain_tasks": self.retain_tasks >= 2,
                  "retain_pairs": bool(self.retain_pairs) == (self.retain > 0)}
        refuse_bad(self, checks, "distillation")

    def to_json(self) -> dict[str, Any]:
        out = json.loads(json.dumps(dataclasses.asdict(self)))
        if not self.retain:         # as before retention existed, so earlier cached vectors keep their names
            for key in ("retain", "retain_pairs", "retain_tasks"):
                del out[key]
        return out


def distill_config(options: dict[str, Any], **fixed: Any) -> DistillConfig:
    """A DistillConfig from a sweep spec's `train` table; `fixed` settings (layers, hint, seed) win."""
    return from_options(DistillConfig, options, "distillation", **fixed)


def teacher_examples(model: Any, tokenizer: Any, pairs: Sequence[ContrastPair], config: DistillConfig,
                     show_progress: bool = False) -> list[Example]:
    """Per task: the student's side (plain prompt + the teacher's completion) and the teacher's (hinted prompt +
    the same completion tokens), each scoring the completion's tokens. Stored as Example(secure=student,
    insecure=teacher) so train.py's reference pass reads both in one go."""
    from secsteer.vectors.hint_view import hint_texts

    texts = hint_texts(tokenizer, pairs, f"hint:{config.hint}")
    hinted, plain = texts[: len(pairs)], texts[len(pairs):]
    examples = []
    for pair, hint_text, plain_text, cont in zip(pairs, hinted, plain,
                                                 _greedy(model, tokenizer, hinted, config, show_progress)):
        if not cont.numel():
            log.warning("%s: the hinted model wrote nothing; task skipped", pair.id)
            continue
        student, teacher = (_side(tokenizer, text, cont) for text in (plain_text, hint_text))
        examples.append(Example(pair.id, student, teacher))
    if len(examples) < 2:
        raise ValueError("fewer than 2 tasks with a teacher completion: nothing to train and validate on")
    return examples


def retention_tasks(trained: Sequence[ContrastPair], config: DistillConfig) -> list[ContrastPair]:
    """The seeded draw of `retain_tasks` tasks from `retain_pairs`, leaving out the trained CWEs' tasks."""
    from secsteer.vectors.hint_view import other_cwe_tasks

    return other_cwe_tasks(trained, config.retain_pairs, config.retain_tasks, config.seed)


def retention_examples(model: Any, tokenizer: Any, trained: Sequence[ContrastPair], config: DistillConfig,
                       show_progress: bool = False) -> list[Example]:
    """Per retention task: the plain prompt and the unsteered model's own greedy completion, teacher and student
    alike (the reference pass then reads the unsteered model on it). Tasks of the trained CWEs are left out."""
    from secsteer.vectors.hint_view import task_prompts

    chosen = retention_tasks(trained, config)
    prompts = task_prompts(tokenizer, chosen)      # no source: the pairs' own tasks, as the vector was trained
    examples = []
    for pair, prompt, cont in zip(chosen, prompts, _greedy(model, tokenizer, prompts, config, show_progress)):
        if cont.numel():
            side = _side(tokenizer, prompt, cont)
            examples.append(Example(f"retain:{pair.id}", side, side))
    if len(examples) < 2:
        raise ValueError("fewer than 2 retention tasks with a completion: nothing to train and validate on")
    return examples


def _greedy(model: Any, tokenizer: Any, prompts: list[str], config: DistillConfig,
            show_progress: bool) -> list[Tensor]:
    """The model's greedy completion of each prompt as token ids (empty where it wrote nothing)."""
    from secsteer.generation.generate import GenerationConfig, generate

    gen = GenerationConfig(max_new_tokens=config.max_new_tokens, temperature=0.0, seed=config.seed,
                           batch_size=max(1, min(8, len(prompts))))
    return [torch.tensor(tokenizer(c, add_special_tokens=False)["input_ids"], dtype=torch.long)
            for c in generate(model, tokenizer, prompts, gen, show_progress=show_progress)]


def _side(tokenizer: Any, prompt: str, cont: Tensor) -> Side:
    bos = tokenizer.bos_token
    special = not (bos and prompt.startswith(bos))        # as generation encodes it (encode_left)
    head = torch.tensor(tokenizer(prompt, add_special_tokens=special)["input_ids"], dtype=torch.long)
    ids = torch.cat([head, cont])
    scored = torch.arange(head.numel() - 1, ids.numel() - 1)   # position p predicts ids[p + 1], a completion token
    return Side(ids=ids, changed=scored, kl=scored)


def split_tasks(examples: list[Example], config: DistillConfig) -> tuple[list[Example], list[Example]]:
    """(train, validation): a seeded share of the tasks, at least one on each side."""
    order = torch.randperm(len(examples), generator=torch.Generator().manual_seed(config.seed + 104729)).tolist()
    n_val = min(len(examples) - 1, max(1, round(config.val_fraction * len(examples))))
    val = set(order[:n_val])
    return ([e for i, e in enumerate(examples) if i not in val], [e for i, e in enumerate(examples) if i in val])


def batch_kl(scorer: Scorer, vector: SteeringVector, layers: list[int], chunk: Sequence[Example],
             refs: dict[str, tuple[Reference, Reference]]) -> Tensor:
    """Mean over the chunk's completion tokens of KL(teacher || student steered by `vector`)."""
    sides = [e.secure for e in chunk]
    with steer(scorer.model, vector, layers, 1.0, relative=False):
        hidden = scorer.hidden(sides, [refs[e.pair_id][0].entry for e in chunk])
    kls = []
    for row, example in enumerate(chunk):
        teacher = refs[example.pair_id][1]
        logp = scorer.log_probs(hidden, row, example.secure.kl)
        kls.append(coarse_kl(teacher.top_ids, teacher.top_logp, logp))
    return torch.cat(kls).mean()


def distill_vector(model: nn.Module, tokenizer: Any, pairs: Sequence[ContrastPair], config: DistillConfig,
                   source: str = "", filters: dict[str, Any] | None = None,
                   show_progress: bool = False) -> SteeringVector:
    """Train a hint-distilled SteeringVector on the tasks `pairs` pose (their code prefix and description)."""
    n_layers, layers = freeze(model, pairs, config.layers)
    started = time.perf_counter()
    examples = teacher_examples(model, tokenizer, pairs, config, show_progress)
    train, val = split_tasks(examples, config)
    kept = retention_examples(model, tokenizer, pairs, config, show_progress) if config.retain else []
    kept_train, kept_val = split_tasks(kept, config) if kept else ([], [])
    scorer = Scorer(model, config.autocast, skip=min(layers))
    scorer.check(train[0].secure)
    read = TrainConfig(layers=tuple(layers), batch_size=config.batch_size, kl_top_k=config.top_k)
    refs, norms = reference(scorer, examples, layers, read, show_progress)
    if kept:        # the layer norms stay those of the hinted tasks
        refs |= reference(scorer, kept, layers, read, show_progress)[0]
    hidden_size = int(model.get_input_embeddings().weight.shape[1])   # type: ignore[operator]
    meta = VectorMeta(
        model_id=model_id(model), architecture=type(model).__name__, hidden_size=hidden_size, num_layers=n_layers,
        method=METHOD, n_pairs=len(pairs), pairs_hash=pairs_hash(pairs), layer_norms=norms, pooling="trained",
        source=source, filters=filters or {}, extra={"cwes": sorted({p.cwe for p in pairs})},
    )
    units = {layer: nn.Parameter(torch.zeros(hidden_size)) for layer in layers}
    # Adam moves every coordinate by about lr, so u's norm by lr · sqrt(d): scaled, lr is that step's norm
    optimizer = torch.optim.Adam(list(units.values()), lr=config.lr / math.sqrt(hidden_size))

    def as_vector(values: dict[int, Tensor]) -> SteeringVector:
        return SteeringVector({layer: norms[layer] * u for layer, u in values.items()}, meta)

    def mean_kl(tasks: list[Example]) -> float:
        with torch.no_grad():
            vector = as_vector({k: u.detach() for k, u in units.items()})
            losses = [float(batch_kl(scorer, vector, layers, tasks[i : i + config.batch_size], refs)) *
                      len(tasks[i : i + config.batch_size]) for i in range(0, len(tasks), config.batch_size)]
        return sum(losses) / len(tasks)

    def validation(epoch: int) -> dict[str, Any]:
        row = {"epoch": epoch, "val_kl": mean_kl(val)}
        if kept_val:
            row["val_retain_kl"] = mean_kl(kept_val)
        row["val_loss"] = row["val_kl"] + config.retain * row.get("val_retain_kl", 0.0)
        return row

    history = [validation(0)]
    best, chosen, bad = {k: u.detach().clone() for k, u in units.items()}, history[0], 0
    steps = math.ceil(len(train) / config.batch_size)
    bar = tqdm(total=steps * config.epochs, disable=not show_progress, desc="distil")
    for epoch in range(config.epochs):
        order, _ = epoch_plan(len(train), epoch, config.seed)
        for step in range(steps):
            chunk = [train[i] for i in order[step * config.batch_size : (step + 1) * config.batch_size]]
            optimizer.zero_grad()
            loss = batch_kl(scorer, as_vector(dict(units)), layers, chunk, refs)
            loss.backward()     # each part backward on its own: one part's activations held at a time
            if kept_train:      # the retention tasks cycle, batch_size of them a step
                at = (epoch * steps + step) * config.batch_size
                others = [kept_train[(at + i) % len(kept_train)] for i in range(config.batch_size)]
                kept_loss = config.retain * batch_kl(scorer, as_vector(dict(units)), layers, others, refs)
                kept_loss.backward()
                loss = loss.detach() + kept_loss.detach()
            optimizer.step()
            release_freed_memory()      # steps of ever-changing shapes fragment the heap by GBs otherwise
            bar.update(1)
            bar.set_postfix(loss=f"{float(loss.detach()):.3f}", val=f"{chosen['val_loss']:.3f}")
        row = validation(epoch + 1)
        history.append(row)
        log.info("epoch %d: validation %s", epoch + 1, {k: round(v, 4) for k, v in row.items() if k != "epoch"})
        if row["val_loss"] < chosen["val_loss"] - 1e-4:
            best, chosen, bad = {k: u.detach().clone() for k, u in units.items()}, row, 0
        else:
            bad += 1
            if bad >= config.patience:
                break
    bar.close()
    if chosen is history[0]:      # the zero vector won: caching it would steer nothing, silently
        raise ValueError(f"no epoch beat the unsteered model on the validation loss ({history}); "
                         + ("lower retain, " if config.retain else "") + "raise epochs or lr")
    extra = {**meta.extra, "train": {**config.to_json(), "layers": layers}, "val_history": history,
             "best_val_kl": chosen["val_kl"], "start_val_kl": history[0]["val_kl"], "n_train": len(train),
             "val_pairs": sorted(e.pair_id for e in val), "seconds": round(time.perf_counter() - started, 1),
             "relative_norms": {str(k): float(u.norm()) for k, u in best.items()}}
    if kept:
        extra |= {"retain_pairs": sorted(e.pair_id for e in kept), "best_val_retain_kl": chosen["val_retain_kl"],
                  "start_val_retain_kl": history[0]["val_retain_kl"]}
    log.info("distilled vector: validation KL %.4f -> %.4f, relative norms %s", history[0]["val_kl"], chosen["val_kl"],
             extra["relative_norms"])
    return SteeringVector({layer: norms[layer] * u for layer, u in best.items()},
                          dataclasses.replace(meta, extra=extra))

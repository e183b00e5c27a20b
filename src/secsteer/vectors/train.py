"""Optimized steering vectors: learn one direction per layer by gradient, the model frozen (BiPO-style).

For a pair that shares its context (the two sides differ in a few lines), with the vector added at
relative scale +s (secure preferred) or -s (insecure preferred), one direction d = ±1 drawn per pair and
epoch as BiPO does:

    pref  = -log σ(β · d · ([log π_v(secure) - log π(secure)] - [log π_v(insecure) - log π(insecure)]))
    kl    = KL(π(·) || π_v(·)) on unchanged tokens, SVEN's function-preserving term
    loss  = mean(pref) + kl_weight · mean(kl)

log π(side) sums the log-probabilities of the side's changed tokens (vectors/diff.py decides which lines
changed). The vector is applied through steer(), exactly as everywhere else: delta = s · norm_l · v̂_l,
so only the direction is learned and `--scale s` at use reproduces training. The reference model's
log-probabilities are computed once; for the KL term it keeps the top-k tokens at a few unchanged
positions per side (the KL between the distributions coarsened to those k tokens plus "the rest", a lower
bound of the full KL that never needs the full reference vocabulary in memory).

Checkpoints (safetensors + JSON) are written at every validation; a run restarted with the same settings
resumes there and ends where an uninterrupted run would: batch order and directions are functions of
(seed, epoch), never of a random state carried between steps.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from torch import Tensor, nn
from tqdm.auto import tqdm

from secsteer._util.memory import release_freed_memory
from secsteer.activations.read import block_output, spans_to_mask
from secsteer.data.dedupe import normalize_code
from secsteer.data.pairs import ContrastPair, pairs_hash, require_pairs
from secsteer.model.layers import decoder_blocks, num_layers, resolve_layers
from secsteer.model.load import model_id
from secsteer.steering.apply import steer
from secsteer.vectors.diff import changed_spans
from secsteer.vectors.vector import SteeringVector, VectorMeta

log = logging.getLogger(__name__)

METHOD = "optimized"
Config = TypeVar("Config")
STATE_VERSION = 1


@dataclass(frozen=True)
class TrainConfig:
    layers: tuple[int, ...]
    scale: float = 0.5              # relative steering strength during training (±, in layer norms)
    beta: float = 0.5               # preference temperature on summed log-prob ratios
    kl_weight: float = 1.0          # weight of the KL term on unchanged tokens
    lr: float = 0.05                # Adam step; the direction is renormalized, so roughly radians
    epochs: int = 2
    batch_size: int = 4             # pairs per step (two sequences each)
    max_tokens: int = 320           # per side: the window that ends just after the last change
    tail_tokens: int = 24           # unchanged tokens kept after the last change (for the KL term)
    kl_positions: int = 24          # unchanged positions per side that the KL term reads
    kl_top_k: int = 64
    val_fraction: float = 0.1
    eval_every: int = 16            # steps between validations (and checkpoints)
    patience: int = 3               # validations without improvement before stopping
    seed: int = 0
    shuffle_labels: bool = False    # control: swap the sides of a seeded half of the pairs
    autocast: bool = False          # bf16 autocast; measured 6x slower than fp32 on this project's CPU
    max_steps: int = 0              # 0: no limit besides epochs and early stopping

    def __post_init__(self) -> None:
        if not self.layers:
            raise ValueError("give at least one layer to train")
        checks = {"scale": self.scale > 0, "beta": self.beta > 0, "kl_weight": self.kl_weight >= 0,
                  "lr": self.lr > 0, "epochs": self.epochs >= 1, "batch_size": self.batch_size >= 1,
                  "max_tokens": self.max_tokens >= 8, "tail_tokens": self.tail_tokens >= 0,
                  "kl_positions": self.kl_positions >= 0, "kl_top_k": self.kl_top_k >= 1,
                  "val_fraction": 0 < self.val_fraction < 1, "eval_every": self.eval_every >= 1,
                  "patience": self.patience >= 1, "max_steps": self.max_steps >= 0}
        refuse_bad(self, checks, "training")

    def to_json(self) -> dict[str, Any]:
        return json.loads(json.dumps(dataclasses.asdict(self)))


def refuse_bad(config: Any, checks: dict[str, bool], what: str) -> None:
    """One error naming every setting whose check failed."""
    bad = [name for name, ok in checks.items() if not ok]
    if bad:
        raise ValueError(f"invalid {what} settings: {', '.join(f'{b}={getattr(config, b)!r}' for b in bad)}")


def from_options(cls: type[Config], options: dict[str, Any], what: str, **fixed: Any) -> Config:
    """A settings dataclass from a sweep spec's `train` table; `fixed` settings (layers, seed) win."""
    names = {f.name for f in dataclasses.fields(cls)} - set(fixed)     # type: ignore[arg-type]
    unknown = sorted(set(options) - names)
    if unknown:
        raise ValueError(f"unknown {what} settings {unknown}; valid: {sorted(names)}")
    return cls(**{**options, **fixed})


def config_from_options(options: dict[str, Any], **fixed: Any) -> TrainConfig:
    """A TrainConfig from a sweep spec's `train` table; `fixed` settings (layers, seed) may not be overridden."""
    return from_options(TrainConfig, options, "training", **fixed)


@dataclass
class Side:
    """One side of a pair, cut to its window: ids, and the positions whose next token is scored."""
    ids: Tensor                     # (n,) token ids
    changed: Tensor                 # positions p whose target ids[p + 1] lies on a changed line
    kl: Tensor                      # positions p whose target is unchanged, read by the KL term


@dataclass
class Example:
    pair_id: str
    secure: Side
    insecure: Side


@dataclass
class Reference:
    """The unsteered model's numbers for one side."""
    logp: float                     # summed log-prob of the changed tokens
    top_ids: Tensor                 # (kl positions, k)
    top_logp: Tensor                # (kl positions, k) float32
    entry: Tensor | None = None     # (n, d) float32: the input of the lowest steered block, replayed in steps


@dataclass
class TrainResult:
    vector: SteeringVector
    history: list[dict[str, float]] = field(default_factory=list)
    resumed_from: int = 0           # the step a checkpoint resumed at (0: a fresh run)


# ---------------------------------------------------------------------------------------------- preparation

def prepare_examples(tokenizer: Any, pairs: Sequence[ContrastPair], config: TrainConfig) -> list[Example]:
    """Tokenize both sides of each pair and choose the changed and the KL positions of each window."""
    examples = []
    skipped = []
    for pair in pairs:
        if normalize_code(pair.secure) == normalize_code(pair.insecure):   # diff.py would score every token
            skipped.append(pair.id)
            continue
        spans = changed_spans(pair)
        sides = [_side(tokenizer, text, s, config) for text, s in zip((pair.secure, pair.insecure), spans)]
        if sides[0] is None or sides[1] is None:
            skipped.append(pair.id)
            continue
        examples.append(Example(pair.id, sides[0], sides[1]))
    if skipped:
        log.warning("skipped %d pair(s) with no scorable changed token: %s", len(skipped), ", ".join(skipped[:5]))
    if not examples:
        raise ValueError("no pair has a changed token to train on (are the two sides of each pair different?)")
    return examples


def _side(tokenizer: Any, text: str, spans: list[tuple[int, int]], config: TrainConfig) -> Side | None:
    enc = tokenizer(text, return_offsets_mapping=True, add_special_tokens=False)
    ids = torch.tensor(enc["input_ids"], dtype=torch.long)
    offsets = torch.tensor(enc["offset_mapping"], dtype=torch.long)
    if ids.numel() < 2:
        return None
    changed = spans_to_mask(offsets.unsqueeze(0), [spans])[0]
    where = changed.nonzero().flatten()
    where = where[where > 0]                          # the first token has nothing to be predicted from
    if where.numel() == 0:
        return None
    end = min(ids.numel(), int(where[-1]) + 1 + config.tail_tokens)
    start = max(0, end - config.max_tokens)
    window = changed[start:end].clone()
    window[0] = False
    targets = torch.arange(1, end - start)            # token t is predicted at position t - 1
    changed_pos = targets[window[1:]] - 1
    if changed_pos.numel() == 0:
        return None
    unchanged = targets[~window[1:]] - 1
    if unchanged.numel() > config.kl_positions:       # evenly spaced: deterministic and spread out
        pick = torch.linspace(0, unchanged.numel() - 1, config.kl_positions).round().long()
        unchanged = unchanged[pick]
    return Side(ids=ids[start:end], changed=changed_pos, kl=unchanged)


def split_examples(examples: list[Example], pairs: Sequence[ContrastPair], config: TrainConfig
                   ) -> tuple[list[Example], list[Example]]:
    """(train, validation) by the seeded group split of data/splits.py; shuffled labels swap sides first."""
    from secsteer.data.splits import split_pairs

    if config.shuffle_labels:
        generator = torch.Generator().manual_seed(config.seed + 7919)
        flips = torch.randperm(len(examples), generator=generator)[: len(examples) // 2].tolist()
        examples = list(examples)
        for i in flips:
            e = examples[i]
            examples[i] = Example(e.pair_id, e.insecure, e.secure)
    kept = {e.pair_id for e in examples}
    parts = split_pairs([p for p in pairs if p.id in kept], config.val_fraction, config.seed)
    val_ids = {p.id for p in parts["test"]}
    train = [e for e in examples if e.pair_id not in val_ids]
    val = [e for e in examples if e.pair_id in val_ids]
    if not train or not val:
        raise ValueError(f"{len(examples)} usable pair(s) cannot be split into training and validation "
                         f"(val_fraction {config.val_fraction}); give more pairs")
    return train, val


# -------------------------------------------------------------------------------------------- forward passes

class Scorer:
    """Runs the model on padded sides and scores only the positions asked for (the LM head never sees the rest)."""

    def __init__(self, model: Any, autocast: bool, skip: int = 0) -> None:
        self.model = model
        self.skip = skip              # blocks below the lowest steered one: replayed from the reference pass
        self.as_tuple = False         # whether blocks return tuples (transformers 4.x)
        self.base = getattr(model, str(model.base_model_prefix))
        self.head = model.get_output_embeddings()
        if self.head is None:
            raise ValueError(f"{type(model).__name__} has no output embeddings (LM head) to score tokens with")
        self.device = next(model.parameters()).device
        self.takes_positions = "position_ids" in inspect.signature(self.base.forward).parameters
        self.autocast = autocast and self.device.type in ("cpu", "cuda")

    def hidden(self, sides: Sequence[Side], entries: Sequence[Tensor | None] | None = None) -> Tensor:
        """Final hidden states (batch, seq, d) of right-padded sides.

        entries: per side, the input of block `skip` from the reference pass; the frozen blocks below it
        would compute exactly that again, so they are replaced by a lookup (steering sits above them).
        """
        length = max(s.ids.numel() for s in sides)
        if self.skip and entries is not None and all(e is not None for e in entries):
            # in the model's dtype: an fp32 replay into a bf16 model fails at the first linear layer
            replay = torch.zeros(len(sides), length, entries[0].shape[-1],  # type: ignore[union-attr]
                                 dtype=next(self.model.parameters()).dtype)
            for row, entry in enumerate(entries):
                replay[row, : entry.shape[0]] = entry  # type: ignore[union-attr,assignment]
            with replay_lower_blocks(self.model, self.skip, replay.to(self.device), self.as_tuple):
                return self._forward(sides, length)
        return self._forward(sides, length)

    def _forward(self, sides: Sequence[Side], length: int) -> Tensor:
        ids = torch.zeros(len(sides), length, dtype=torch.long)
        mask = torch.zeros(len(sides), length, dtype=torch.long)
        for row, side in enumerate(sides):
            ids[row, : side.ids.numel()] = side.ids
            mask[row, : side.ids.numel()] = 1
        inputs: dict[str, Tensor] = {"input_ids": ids.to(self.device), "attention_mask": mask.to(self.device)}
        if self.takes_positions:
            inputs["position_ids"] = (inputs["attention_mask"].cumsum(-1) - 1).clamp(min=0)
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.autocast):
            return self.base(**inputs, use_cache=False).last_hidden_state

    def log_probs(self, hidden: Tensor, row: int, positions: Tensor) -> Tensor:
        """(len(positions), vocab) float32 log-probabilities of the next token at those positions of a row."""
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.autocast):
            logits = self.head(hidden[row, positions.to(hidden.device)])
        return F.log_softmax(logits.float(), dim=-1)

    def check(self, side: Side) -> None:
        """The base-model-plus-head path must give the model's own logits (some heads scale or cap them)."""
        ids = side.ids[: min(16, side.ids.numel())].unsqueeze(0).to(self.device)
        with torch.no_grad():
            full = self.model(input_ids=ids, use_cache=False).logits[0].float()
            mine = self.head(self.base(input_ids=ids, use_cache=False).last_hidden_state)[0].float()
        if not torch.allclose(full, mine, atol=1e-3, rtol=1e-3):
            raise ValueError(f"{type(self.model).__name__}: its logits are not the LM head of the base model's "
                             "output (a scaled or capped head); optimized training does not support it yet")


class _Replay(nn.Module):
    """Stands in for a frozen lower block: returns the recorded input of the first block that still runs."""

    def __init__(self, hidden: Tensor, as_tuple: bool) -> None:
        super().__init__()
        self.hidden, self.as_tuple = hidden, as_tuple

    def forward(self, *_args: Any, **_kwargs: Any) -> Any:
        return (self.hidden,) if self.as_tuple else self.hidden


@contextmanager
def replay_lower_blocks(model: nn.Module, n: int, hidden: Tensor, as_tuple: bool) -> Iterator[None]:
    """Blocks 0..n-1 skip their computation and hand `hidden` on; the originals are put back on exit."""
    blocks = decoder_blocks(model)
    originals = [blocks[i] for i in range(n)]
    try:
        for i in range(n):
            blocks[i] = _Replay(hidden, as_tuple)
        yield
    finally:
        for i, block in enumerate(originals):
            blocks[i] = block


def target_logp(logp: Tensor, side: Side) -> Tensor:
    """Summed log-prob of the changed tokens, from log_probs at side.changed."""
    return logp.gather(1, side.ids[side.changed + 1].unsqueeze(1).to(logp.device)).sum()


def coarse_kl(ref_ids: Tensor, ref_logp: Tensor, logp: Tensor) -> Tensor:
    """KL(ref || steered) over the ref's top-k tokens plus one bucket for the rest, per position."""
    steered = logp.gather(1, ref_ids.to(logp.device))
    ref = ref_logp.to(logp.device)
    ref_rest = torch.log1p(-ref.exp().sum(-1).clamp(max=1 - 1e-6))
    steered_rest = torch.log1p(-steered.exp().sum(-1).clamp(max=1 - 1e-6))
    return (ref.exp() * (ref - steered)).sum(-1) + ref_rest.exp() * (ref_rest - steered_rest)


@torch.no_grad()
def reference(scorer: Scorer, examples: list[Example], layers: list[int], config: TrainConfig,
              show_progress: bool = False) -> tuple[dict[str, tuple[Reference, Reference]], dict[int, float]]:
    """Unsteered log-probs of every side, and each layer's typical residual norm (position 0 left out)."""
    blocks = decoder_blocks(scorer.model)
    sums = {layer: 0.0 for layer in layers}
    counted = 0
    masks: dict[str, Tensor] = {}

    def norm_hook(layer: int) -> Any:
        def hook(_m: nn.Module, _a: Any, output: Any) -> None:
            norms = block_output(output).float().norm(dim=-1)
            sums[layer] += float((norms * masks["real"]).sum())
        return hook

    entries: list[Tensor] = []

    def entry_hook(_m: nn.Module, _a: Any, output: Any) -> None:
        scorer.as_tuple = isinstance(output, tuple)
        entries.append(block_output(output).float().detach())

    handles = [blocks[layer].register_forward_hook(norm_hook(layer)) for layer in layers]
    if scorer.skip:
        handles.append(blocks[scorer.skip - 1].register_forward_hook(entry_hook))
    out: dict[str, tuple[Reference, Reference]] = {}
    try:
        batches = range(0, len(examples), config.batch_size)
        for start in tqdm(batches, disable=not show_progress, desc="reference"):
            chunk = examples[start : start + config.batch_size]
            sides = [e.secure for e in chunk] + [e.insecure for e in chunk]
            real = torch.zeros(len(sides), max(s.ids.numel() for s in sides))
            for row, side in enumerate(sides):
                real[row, 1 : side.ids.numel()] = 1.0
            masks["real"] = real.to(scorer.device)
            counted += int(real.sum())
            entries.clear()
            hidden = scorer.hidden(sides)
            refs = []
            for row, side in enumerate(sides):
                logp = scorer.log_probs(hidden, row, side.changed)
                total = float(target_logp(logp, side))
                logp = scorer.log_probs(hidden, row, side.kl)
                top = logp.topk(min(config.kl_top_k, logp.shape[-1]), dim=-1)
                entry = entries[0][row, : side.ids.numel()].cpu().clone() if entries else None
                refs.append(Reference(total, top.indices.cpu(), top.values.cpu(), entry))
            for i, example in enumerate(chunk):
                out[example.pair_id] = (refs[i], refs[len(chunk) + i])
            release_freed_memory()
    finally:
        for handle in handles:
            handle.remove()
    return out, {layer: sums[layer] / max(counted, 1) for layer in layers}


# ------------------------------------------------------------------------------------------------- the loss

def batch_loss(scorer: Scorer, vector: SteeringVector, layers: list[int], chunk: Sequence[Example],
               signs: Sequence[float], refs: dict[str, tuple[Reference, Reference]], config: TrainConfig
               ) -> tuple[Tensor, Tensor, Tensor]:
    """(mean preference loss, mean KL, mean preference margin) for pairs steered at sign · scale."""
    sides = [e.secure for e in chunk] + [e.insecure for e in chunk]
    row_scales = [config.scale * s for s in signs] * 2
    entries = [refs[e.pair_id][0].entry for e in chunk] + [refs[e.pair_id][1].entry for e in chunk]
    with steer(scorer.model, vector, layers, row_scales, relative=True):
        hidden = scorer.hidden(sides, entries)
    prefs, kls, margins = [], [], []
    for i, (example, sign) in enumerate(zip(chunk, signs)):
        ratios = []
        for row, side, ref in ((i, example.secure, refs[example.pair_id][0]),
                               (len(chunk) + i, example.insecure, refs[example.pair_id][1])):
            positions = torch.cat([side.changed, side.kl])
            logp = scorer.log_probs(hidden, row, positions)
            n = side.changed.numel()
            ratios.append(target_logp(logp[:n], side) - ref.logp)
            if side.kl.numel():
                kls.append(coarse_kl(ref.top_ids, ref.top_logp, logp[n:]).mean())
        margin = ratios[0] - ratios[1]
        margins.append(margin)
        prefs.append(-F.logsigmoid(config.beta * sign * margin))
    kl = torch.stack(kls).mean() if kls else hidden.new_zeros(()).float()
    return torch.stack(prefs).mean(), kl, torch.stack(margins).mean()


def validation_loss(scorer: Scorer, vector: SteeringVector, layers: list[int], examples: list[Example],
                    refs: dict[str, tuple[Reference, Reference]], config: TrainConfig) -> float:
    """The training loss on held-out pairs, each under +v and under -v (no sampling: the same every call)."""
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(examples), config.batch_size):
            chunk = examples[start : start + config.batch_size]
            for sign in (1.0, -1.0):
                pref, kl, _ = batch_loss(scorer, vector, layers, chunk, [sign] * len(chunk), refs, config)
                total += float(pref + config.kl_weight * kl) * len(chunk)
                count += len(chunk)
    return total / count


# ---------------------------------------------------------------------------------------------- the schedule

def epoch_plan(n: int, epoch: int, seed: int) -> tuple[list[int], list[float]]:
    """(order of training examples, direction per example) of an epoch: a pure function of (seed, epoch)."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    order = torch.randperm(n, generator=generator).tolist()
    signs = (torch.randint(0, 2, (n,), generator=generator) * 2 - 1).float().tolist()
    return order, signs


# ---------------------------------------------------------------------------------------------- checkpoints

class Checkpoint:
    """state.safetensors (direction, Adam moments, best direction) + state.json (step, history, settings)."""

    def __init__(self, folder: Path, identity: dict[str, Any]) -> None:
        self.folder, self.identity = folder, identity

    def load(self) -> tuple[dict[str, Tensor], dict[str, Any]] | None:
        from safetensors import safe_open

        path = self.folder / "state.safetensors"
        if not path.is_file():
            return None
        with safe_open(str(path), framework="pt") as f:
            state = json.loads((f.metadata() or {})["state"])
            tensors = {k: f.get_tensor(k) for k in f.keys()}
        if state.pop("identity", None) != self.identity:
            raise ValueError(f"checkpoint {self.folder} belongs to another run (other settings, pairs or model); "
                             "delete it or pass another checkpoint folder")
        return tensors, state

    def save(self, tensors: dict[str, Tensor], state: dict[str, Any]) -> None:
        """One file replaced atomically holds the tensors and the state, so a kill never mixes two steps."""
        self.folder.mkdir(parents=True, exist_ok=True)
        record = json.dumps({"identity": self.identity, **state})
        tmp = self.folder / "state.safetensors.tmp"
        save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, str(tmp),
                  metadata={"state": record})
        tmp.replace(self.folder / "state.safetensors")
        (self.folder / "state.json").write_text(json.dumps(json.loads(record), indent=1))   # for people to read

    def save_reference(self, refs: dict[str, tuple[Reference, Reference]], norms: dict[int, float],
                       as_tuple: bool) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tensors, logps = {}, {}
        for key, (sec, ins) in refs.items():
            for tag, ref in (("secure", sec), ("insecure", ins)):
                tensors[f"{key}\x00{tag}\x00ids"] = ref.top_ids.contiguous()
                tensors[f"{key}\x00{tag}\x00logp"] = ref.top_logp.contiguous()
                if ref.entry is not None:
                    tensors[f"{key}\x00{tag}\x00entry"] = ref.entry.contiguous()
                logps[f"{key}\x00{tag}"] = ref.logp
        meta = {"identity": json.dumps(self.identity, sort_keys=True), "logp": json.dumps(logps),
                "as_tuple": json.dumps(as_tuple),
                "norms": json.dumps({str(k): v for k, v in norms.items()})}
        save_file(tensors, str(self.folder / "reference.safetensors.tmp"), metadata=meta)
        (self.folder / "reference.safetensors.tmp").replace(self.folder / "reference.safetensors")

    def load_reference(self) -> tuple[dict[str, tuple[Reference, Reference]], dict[int, float], bool] | None:
        from safetensors import safe_open

        path = self.folder / "reference.safetensors"
        if not path.is_file():
            return None
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            if meta.get("identity") != json.dumps(self.identity, sort_keys=True):
                return None
            tensors = {k: f.get_tensor(k) for k in f.keys()}
        logps = json.loads(meta["logp"])
        refs = {}
        for name in logps:
            key, tag = name.split("\x00")
            if tag == "secure":
                pair = [Reference(logps[f"{key}\x00{t}"], tensors[f"{key}\x00{t}\x00ids"],
                                  tensors[f"{key}\x00{t}\x00logp"], tensors.get(f"{key}\x00{t}\x00entry"))
                        for t in ("secure", "insecure")]
                refs[key] = (pair[0], pair[1])
        norms = {int(k): float(v) for k, v in json.loads(meta["norms"]).items()}
        return refs, norms, bool(json.loads(meta.get("as_tuple", "false")))


# ----------------------------------------------------------------------------------------------- training

def train_vector(
    model: nn.Module,
    tokenizer: Any,
    pairs: Sequence[ContrastPair],
    config: TrainConfig,
    checkpoint_dir: str | Path | None = None,
    source: str = "",
    filters: dict[str, Any] | None = None,
    show_progress: bool = False,
    on_step: Callable[[int, dict[str, float]], None] | None = None,
) -> TrainResult:
    """Learn a SteeringVector on `pairs` (a seeded share held out for validation and early stopping).

    checkpoint_dir: where to save progress; a later call with the same settings, pairs and model resumes.
    on_step(step, record) is called after every step (tests use it to interrupt a run).
    """
    n_layers, layers = freeze(model, pairs, config.layers)
    examples = prepare_examples(tokenizer, pairs, config)
    train, val = split_examples(examples, pairs, config)
    scorer = Scorer(model, config.autocast, skip=min(layers))
    scorer.check(train[0].secure)
    hidden_size = int(model.get_input_embeddings().weight.shape[1])   # type: ignore[operator]
    identity = {"version": STATE_VERSION, "model": model_id(model), "pairs": pairs_hash(pairs),
                "config": config.to_json()}
    ckpt = Checkpoint(Path(checkpoint_dir), identity) if checkpoint_dir else None

    cached = ckpt.load_reference() if ckpt else None
    if cached is None:
        wall, cpu = time.perf_counter(), time.process_time()
        refs, norms = reference(scorer, train + val, layers, config, show_progress)
        log.info("reference pass over %d pairs: %.1f s wall, %.1f s CPU", len(train) + len(val),
                 time.perf_counter() - wall, time.process_time() - cpu)
        if ckpt:
            ckpt.save_reference(refs, norms, scorer.as_tuple)
    else:
        refs, norms, scorer.as_tuple = cached
    meta = VectorMeta(
        model_id=model_id(model), architecture=type(model).__name__, hidden_size=hidden_size,
        num_layers=n_layers, method=METHOD, n_pairs=len(pairs), pairs_hash=pairs_hash(pairs),
        layer_norms=norms, pooling="trained", source=source, filters=filters or {},
        extra={"cwes": sorted({p.cwe for p in pairs})},
    )

    generator = torch.Generator().manual_seed(config.seed)
    params = {layer: nn.Parameter(_unit(torch.randn(hidden_size, generator=generator))) for layer in layers}
    optimizer = torch.optim.Adam(list(params.values()), lr=config.lr)
    best = {layer: p.detach().clone() for layer, p in params.items()}
    state: dict[str, Any] = {"step": 0, "best_val": None, "best_step": 0, "bad_evals": 0, "done": False,
                             "history": [], "seconds": 0.0}
    resumed = _resume(ckpt, params, optimizer, best, state) if ckpt else 0

    steps_per_epoch = math.ceil(len(train) / config.batch_size)
    total = steps_per_epoch * config.epochs
    if config.max_steps:
        total = min(total, config.max_steps)

    def as_vector(directions: dict[int, Tensor]) -> SteeringVector:
        return SteeringVector(directions=directions, meta=meta)

    def evaluate_and_save() -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        loss = validation_loss(scorer, as_vector({k: v.detach() for k, v in params.items()}), layers, val,
                               refs, config)
        record = {"step": state["step"], "val_loss": loss, "wall_s": round(time.perf_counter() - wall, 2),
                  "cpu_s": round(time.process_time() - cpu, 2)}
        state["history"].append(record)
        if state["best_val"] is None or loss < state["best_val"] - 1e-4:
            state.update(best_val=loss, best_step=state["step"], bad_evals=0)
            for layer, p in params.items():
                best[layer] = p.detach().clone()
        else:
            state["bad_evals"] += 1
        if state["bad_evals"] >= config.patience or state["step"] >= total:
            state["done"] = True
        if ckpt:
            ckpt.save(_tensors(params, optimizer, best), state)

    if state["best_val"] is None and not state["done"]:
        evaluate_and_save()                    # the random start: early stopping may keep it
    bar = tqdm(total=total, initial=state["step"], disable=not show_progress, desc="train")
    started = time.perf_counter() - state["seconds"]
    running: float | None = None
    while not state["done"] and state["step"] < total:
        step = state["step"]
        wall, cpu = time.perf_counter(), time.process_time()
        epoch, index = divmod(step, steps_per_epoch)
        order, signs = epoch_plan(len(train), epoch, config.seed)
        rows = order[index * config.batch_size : (index + 1) * config.batch_size]
        chunk = [train[i] for i in rows]
        vector = as_vector(dict(params))
        pref, kl, margin = batch_loss(scorer, vector, layers, chunk, [signs[i] for i in rows], refs, config)
        loss = pref + config.kl_weight * kl
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            for p in params.values():
                p.copy_(_unit(p))
        release_freed_memory()
        state["step"] = step + 1
        state["seconds"] = time.perf_counter() - started
        record = {"step": state["step"], "loss": float(loss.detach()), "pref": float(pref.detach()),
                  "kl": float(kl.detach()), "margin": float(margin.detach()),
                  "wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
                  "tokens": sum(e.secure.ids.numel() + e.insecure.ids.numel() for e in chunk)}
        log.info("step %d: loss %.4f (pref %.4f, kl %.4f, margin %+.3f), %d tokens, %.1f s wall, %.1f s CPU",
                 record["step"], record["loss"], record["pref"], record["kl"], record["margin"], record["tokens"],
                 record["wall_s"], record["cpu_s"])
        running = record["loss"] if running is None else 0.9 * running + 0.1 * record["loss"]
        bar.update(1)
        bar.set_postfix(loss=f"{running:.3f}", kl=f"{record['kl']:.3f}",
                        val=f"{state['best_val']:.3f}" if state["best_val"] is not None else "-")
        if state["step"] % config.eval_every == 0 or state["step"] >= total:
            evaluate_and_save()
        if on_step is not None:
            on_step(state["step"], record)
    bar.close()

    history = state["history"]
    extra = {**meta.extra, "train": {**config.to_json(), "layers": layers}, "train_scale": config.scale,
             "steps": state["step"], "best_step": state["best_step"], "best_val_loss": state["best_val"],
             "seconds": round(state["seconds"], 1), "n_train": len(train),
             "val_pairs": sorted(e.pair_id for e in val), "val_history": history}
    vector = SteeringVector(directions={k: v.clone() for k, v in best.items()},
                            meta=dataclasses.replace(meta, extra=extra))
    log.info("trained %s vector: %d steps, best validation loss %.4f at step %d", METHOD, state["step"],
             state["best_val"], state["best_step"])
    return TrainResult(vector=vector, history=history, resumed_from=resumed)


def freeze(model: nn.Module, pairs: Sequence[ContrastPair], layers: Sequence[int]) -> tuple[int, list[int]]:
    """Check the pairs and the layers, and freeze the model (only the vector learns): (depth, layers)."""
    require_pairs(pairs)
    n_layers = num_layers(model)
    chosen = resolve_layers(list(layers), n_layers)
    for p in model.parameters():
        p.requires_grad_(False)
    model.eval()
    return n_layers, chosen


def _unit(v: Tensor) -> Tensor:
    return v / v.norm().clamp(min=1e-12)


def _tensors(params: dict[int, nn.Parameter], optimizer: torch.optim.Optimizer, best: dict[int, Tensor]
             ) -> dict[str, Tensor]:
    out: dict[str, Tensor] = {}
    for layer, p in params.items():
        out[f"param.{layer}"] = p.detach()
        out[f"best.{layer}"] = best[layer]
        moments = optimizer.state.get(p, {})
        for name in ("exp_avg", "exp_avg_sq", "step"):
            if name in moments:
                out[f"adam.{name}.{layer}"] = torch.as_tensor(moments[name]).reshape(-1)
    return out


def _resume(ckpt: Checkpoint, params: dict[int, nn.Parameter], optimizer: torch.optim.Optimizer,
            best: dict[int, Tensor], state: dict[str, Any]) -> int:
    loaded = ckpt.load()
    if loaded is None:
        return 0
    tensors, saved = loaded
    with torch.no_grad():
        for layer, p in params.items():
            p.copy_(tensors[f"param.{layer}"])
            best[layer] = tensors[f"best.{layer}"].clone()
            if f"adam.step.{layer}" in tensors:
                optimizer.state[p] = {
                    "step": tensors[f"adam.step.{layer}"].reshape(()).clone(),
                    "exp_avg": tensors[f"adam.exp_avg.{layer}"].clone(),
                    "exp_avg_sq": tensors[f"adam.exp_avg_sq.{layer}"].clone(),
                }
    state.update({k: v for k, v in saved.items() if k in state})
    log.info("resuming optimized training at step %d from %s", state["step"], ckpt.folder)
    return int(state["step"])


# ---------------------------------------------------------------------------------------------- evaluation

def preference_margins(model: nn.Module, tokenizer: Any, vector: SteeringVector, pairs: Sequence[ContrastPair],
                       scale: float, layers: Sequence[int] | None = None, batch_size: int = 4,
                       autocast: bool = False) -> Tensor:
    """Per pair: how much steering at +scale raises log π(secure) - log π(insecure) on the changed tokens.

    [log π_v(sec) - log π_v(ins)] - [log π(sec) - log π(ins)]; positive means the secure side gained.
    """
    config = TrainConfig(layers=tuple(layers or vector.layers), batch_size=batch_size, scale=scale,
                         kl_positions=0, autocast=autocast)
    examples = prepare_examples(tokenizer, pairs, config)
    chosen = resolve_layers(list(config.layers), num_layers(model))
    scorer = Scorer(model, autocast, skip=min(chosen))
    refs, _ = reference(scorer, examples, chosen, config)
    with torch.no_grad():
        margins = [batch_loss(scorer, vector, chosen, [e], [1.0], refs, config)[2] for e in examples]
    return torch.stack(margins).float()

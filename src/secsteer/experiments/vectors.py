"""Vectors for sweep cells: activations of the pair set read once and cached, subsets by index."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from secsteer.activations.read import Activations
from secsteer.data.pairs import ContrastPair, pairs_hash
from secsteer.data.splits import validation_rows
from secsteer.experiments.grid import FILE_METHOD, VectorKey
from secsteer.vectors.build import read_pairs, vector_from_activations
from secsteer.vectors.vector import SteeringVector, random_like

log = logging.getLogger(__name__)

TRAINED = "optimized"      # vectors/train.py: learned by gradient, not aggregated from activations
DISTILLED = "distilled"    # vectors/distill.py: learned to make the unhinted model write as the hinted one


def shuffled_rows(n: int, seed: int) -> torch.Tensor:
    """(n,) bool: a seeded half of the rows whose sides the shuffled-label control swaps."""
    flip = torch.zeros(n, dtype=torch.bool)
    flip[torch.randperm(n, generator=torch.Generator().manual_seed(seed + 7919))[: n // 2]] = True
    return flip


def relabel(vector: SteeringVector, method: str) -> SteeringVector:
    return dataclasses.replace(vector, meta=dataclasses.replace(vector.meta, method=method))


class VectorFactory:
    def __init__(self, model: Any, tokenizer: Any, pairs: list[ContrastPair], cache_dir: Path,
                 pooling: str = "mean", source: str = "", batch_size: int = 8,
                 fixed: SteeringVector | None = None, focus: str = "all", context_lines: int = 0,
                 read: Any = None, train: dict[str, Any] | None = None, train_layers: Sequence[int] = (),
                 view: str = "code", scenarios: Sequence[Any] = (), condition: tuple[str, int] = ("", 64)) -> None:
        self.read, self.view, self.scenarios = read, view, list(scenarios)
        self.condition_source, self.condition_tasks = condition
        self._conditions: dict[tuple[VectorKey, int], Any] = {}
        self.train_options, self.train_layers = dict(train or {}), tuple(train_layers)
        self.model, self.tokenizer, self.pairs, self.fixed = model, tokenizer, pairs, fixed
        self.focus, self.context_lines = focus, context_lines
        tag = f"{pooling}-{focus}{context_lines if focus == 'diff' else ''}" + ("" if view == "code" else "-" + view.replace(":", "-"))
        self.cache = cache_dir / f"activations-{pairs_hash(pairs)}-{tag}.safetensors"
        self.pooling, self.source, self.batch_size = pooling, source, batch_size
        self._acts: tuple[Activations, Activations] | None = None
        self._built: dict[VectorKey, SteeringVector] = {}

    def activations(self) -> tuple[Activations, Activations]:
        if self._acts is None:
            self._acts = self._load() or self._read()
        return self._acts

    def _read(self) -> tuple[Activations, Activations]:
        secure, insecure = read_pairs(self.model, self.tokenizer, self.pairs, None, self.pooling,  # type: ignore[arg-type]
                                      self.batch_size, show_progress=True, focus=self.focus,  # type: ignore[arg-type]
                                      context_lines=self.context_lines, view=self.view,  # type: ignore[arg-type]
                                      **({"read": self.read} if self.read else {}))
        tensors = {f"secure.{k}": v for k, v in secure.pooled.items()}
        tensors |= {f"insecure.{k}": v for k, v in insecure.pooled.items()}
        meta = {"token_norm": json.dumps(secure.token_norm), "n_tokens": str(secure.n_tokens)}
        self.cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.cache.with_name(self.cache.name + ".tmp")
        save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp), metadata=meta)
        tmp.replace(self.cache)
        return secure, insecure

    def _load(self) -> tuple[Activations, Activations] | None:
        if not self.cache.exists():
            return None
        with safe_open(str(self.cache), framework="pt") as f:
            meta = f.metadata()
            norms = {int(k): float(v) for k, v in json.loads(meta["token_norm"]).items()}
            sides = {}
            for side in ("secure", "insecure"):
                pooled = {int(k.split(".")[1]): f.get_tensor(k) for k in f.keys() if k.startswith(side + ".")}
                sides[side] = Activations(pooled, norms, int(meta["n_tokens"]))
        log.info("reusing cached activations %s", self.cache)
        return sides["secure"], sides["insecure"]

    def subset(self, n_pairs: int | str, seed: int) -> list[int]:
        from secsteer.data.splits import sample_pairs

        if n_pairs == "all":
            return list(range(len(self.pairs)))
        if int(n_pairs) > len(self.pairs):
            raise ValueError(f"n_pairs {n_pairs} exceeds the {len(self.pairs)} pairs selected")
        index = {p.id: i for i, p in enumerate(self.pairs)}
        return [index[p.id] for p in sample_pairs(self.pairs, int(n_pairs), seed)]

    def vector(self, key: VectorKey) -> SteeringVector:
        if key in self._built:
            return self._built[key]
        if key.method == FILE_METHOD and not key.control:
            if self.fixed is None:
                raise ValueError("the spec names no vector file")
            vector = self.fixed
        elif key.control == "shuffled":
            if key.method == FILE_METHOD:
                raise ValueError("a shuffled-label control needs the pairs a vector is built from; build or train "
                                 "it with shuffled labels (secsteer train --shuffle-labels) and give it as a vector")
            rows = self.subset(key.n_pairs, key.draw_seed)
            vector = self._from_rows(rows, key, {"n_pairs": key.n_pairs, "draw_seed": key.draw_seed,
                                                 "focus": self.focus}, shuffle=True)
        elif key.control:
            base = self.vector(VectorKey(key.method, key.n_pairs, key.draw_seed))
            vector = random_like(base, seed=key.draw_seed) if key.control == "random" else -base
        else:
            rows = self.subset(key.n_pairs, key.draw_seed)
            vector = self._from_rows(rows, key, {"n_pairs": key.n_pairs, "draw_seed": key.draw_seed,
                                                 "focus": self.focus})
        self._built[key] = vector
        return vector

    def _from_rows(self, rows: list[int], key: VectorKey, extra: dict[str, Any],
                   shuffle: bool = False) -> SteeringVector:
        """A vector from some of the pairs; shuffle=True swaps the sides of a seeded half (the label control)."""
        if key.method == TRAINED:
            return self._trained([self.pairs[i] for i in rows], key, extra, shuffle)
        if key.method == DISTILLED:
            if shuffle:
                raise ValueError("a distilled vector has no labels to shuffle; use the random control")
            return self._distilled([self.pairs[i] for i in rows], key, extra)
        secure, insecure = self.activations()
        index = torch.tensor(rows)
        flip = shuffled_rows(len(rows), key.draw_seed) if shuffle else torch.zeros(len(rows), dtype=torch.bool)
        pick = lambda a, b: Activations({k: torch.where(flip[:, None], b.pooled[k][index], v[index])  # noqa: E731
                                         for k, v in a.pooled.items()}, a.token_norm, a.n_tokens)
        vector = vector_from_activations(self.model, pick(secure, insecure), pick(insecure, secure),
                                         [self.pairs[i] for i in rows], key.method, self.pooling, self.source, extra)
        return relabel(vector, f"shuffled({key.method})") if shuffle else vector

    def _trained(self, pairs: list[ContrastPair], key: VectorKey, extra: dict[str, Any],
                 shuffle: bool) -> SteeringVector:
        """An optimized vector over every layer of the spec's layer sets; its checkpoint is the cache."""
        from secsteer.vectors.train import config_from_options, train_vector

        if not self.train_layers:
            raise ValueError("optimized vectors need the layers to train (the spec's layer_sets)")
        config = config_from_options(self.train_options, layers=self.train_layers, seed=key.draw_seed,
                                     shuffle_labels=shuffle)
        tag = hashlib.sha256(json.dumps(config.to_json(), sort_keys=True).encode()).hexdigest()[:12]
        folder = self.cache.parent / f"trained-{pairs_hash(pairs)}-{tag}"
        result = train_vector(self.model, self.tokenizer, pairs, config, checkpoint_dir=folder, source=self.source,
                              filters=extra, show_progress=True)
        return relabel(result.vector, f"shuffled({TRAINED})") if shuffle else result.vector

    def _distilled(self, pairs: list[ContrastPair], key: VectorKey, extra: dict[str, Any]) -> SteeringVector:
        """A hint-distilled vector over every layer of the spec's layer sets; the finished file is the cache."""
        from secsteer.model.load import model_id
        from secsteer.vectors.distill import distill_config, distill_vector
        from secsteer.vectors.shipped import find_shipped

        if not self.view.startswith("hint:") or not self.train_layers:
            raise ValueError("distilled vectors need a hint view (view = \"hint:policy\") and the layers to train")
        config = distill_config(self.train_options, layers=self.train_layers, hint=self.view.split(":", 1)[1],
                                seed=key.draw_seed)
        tag = hashlib.sha256(json.dumps(config.to_json(), sort_keys=True).encode()).hexdigest()[:12]
        path = self.cache.parent / f"distilled-{pairs_hash(pairs)}-{tag}.safetensors"
        if path.is_file():
            log.info("reusing distilled vector %s", path)
            vector = SteeringVector.load(path)
            self._check_retention(config.retain_pairs, vector.meta.extra.get("retain_pairs", []))
            return vector
        retain_ids: list[str] = []
        if config.retain:           # before training: the draw depends on the settings alone
            from secsteer.vectors.distill import retention_tasks

            retain_ids = [p.id for p in retention_tasks(pairs, config)]
            self._check_retention(config.retain_pairs, retain_ids)
        shipped = find_shipped(model_id(self.model), str(next(self.model.parameters()).dtype).removeprefix("torch."),
                               pairs_hash(pairs), config.to_json(), retain_ids)
        vector = shipped or distill_vector(self.model, self.tokenizer, pairs, config, source=self.source,
                                           filters=extra, show_progress=True)
        vector.save(path)
        return vector

    def _check_retention(self, source: str, ids: Sequence[str]) -> None:
        """Retention tasks are trained on too: none may be an evaluated scenario (checked on reuse as well, since a
        cached vector may come from a run that evaluated other scenarios)."""
        if not ids:
            return
        from secsteer.data.sources import load_pairs
        from secsteer.data.splits import evaluated_task_pairs

        wanted = {i.removeprefix("retain:") for i in ids}      # a cached vector's ids carry the prefix
        used = [p for p in load_pairs(source) if p.id in wanted]
        leaks = evaluated_task_pairs(used, self.scenarios)
        if leaks:
            raise ValueError(f"{len(leaks)} of the distilled vector's retention tasks are evaluated scenarios "
                             f"({', '.join(sorted(leaks)[:5])}); use retain_pairs of other tasks or another seed")

    def bank(self, key: VectorKey, min_pairs: int = 4, rows_cwes: Sequence[str] | None = None) -> Any:
        """One vector per CWE from the key's pairs (the key's own vector is the fallback); controls map it.

        With `rows_cwes`, the fallback is built only when one of those CWEs has no vector of its own
        (an optimized fallback trains on every pair: minutes on a CPU for nothing)."""
        from secsteer.data.cwe import canonical_cwe
        from secsteer.vectors.bank import VectorBank

        base = VectorKey(key.method, key.n_pairs, key.draw_seed)
        rows = self.subset(key.n_pairs, key.draw_seed)
        by_cwe: dict[str, list[int]] = {}
        for i in rows:
            by_cwe.setdefault(self.pairs[i].cwe, []).append(i)
        # the shuffled-label control swaps a seeded half of each CWE's pairs, fallback included
        shuffle = key.control == "shuffled"
        vectors = {cwe: self._from_rows(r, base, {"cwe": cwe}, shuffle=shuffle)
                   for cwe, r in by_cwe.items() if len(r) >= min_pairs}
        needs_fallback = rows_cwes is None or any(not c or canonical_cwe(c) not in vectors for c in rows_cwes)
        pooled = (self.vector(VectorKey(key.method, key.n_pairs, key.draw_seed, "shuffled" if shuffle else ""))
                  if needs_fallback else None)
        bank = VectorBank(vectors, pooled=pooled)
        if key.control == "negated":
            return bank.map(lambda v: -v)
        if key.control == "random":
            return bank.random_like(key.draw_seed)
        return bank

    def gate(self, key: VectorKey, layer: int) -> tuple[Any, int, float]:
        """A mean-difference probe at `layer` fit on 75% of the key's pairs, threshold on the other 25%."""
        from secsteer.steering.probe_gate import choose_threshold, mean_diff_probe

        secure, insecure = self.activations()
        rows = self.subset(key.n_pairs, key.draw_seed)
        fit, val = validation_rows(len(rows), key.draw_seed)
        fit_rows, val_rows = [rows[i] for i in fit], [rows[i] for i in val]
        probe = mean_diff_probe(secure.pooled[layer][fit_rows], insecure.pooled[layer][fit_rows])
        hidden = torch.cat([secure.pooled[layer][val_rows], insecure.pooled[layer][val_rows]])
        labels = [0] * len(val_rows) + [1] * len(val_rows)
        return probe, layer, choose_threshold(probe, hidden, labels)

    def condition(self, key: VectorKey, layer: int) -> Any:
        """When to steer (conditioned mode): a prompt probe at `layer`, fit on the tasks of the key's pairs against
        `condition_tasks` tasks of other CWEs from `condition_source`, none of them an evaluated scenario. Controls
        share their vector's condition, so a control differs from its vector only in direction."""
        from secsteer.steering.condition import fit_condition
        from secsteer.vectors.hint_view import other_cwe_tasks, task_prompts

        base = (VectorKey(key.method, key.n_pairs, key.draw_seed), layer)
        if base not in self._conditions:
            if not self.condition_source:
                raise ValueError("conditioned steering needs a pair source for the prompts to leave unsteered")
            steer = [self.pairs[i] for i in self.subset(key.n_pairs, key.draw_seed)]
            keep = other_cwe_tasks(steer, self.condition_source, self.condition_tasks, key.draw_seed, self.scenarios)
            prompts = task_prompts(self.tokenizer, [*steer, *keep], self.condition_source)   # one load of the source
            condition = fit_condition(self.model, self.tokenizer, prompts[: len(steer)], prompts[len(steer):], layer,
                                      key.draw_seed, self.batch_size)
            log.info("condition at layer %d: %s, threshold %.3f", layer, condition.fit, condition.threshold)
            self._record_condition(condition, steer, keep)
            self._conditions[base] = condition
        return self._conditions[base]

    def _record_condition(self, condition: Any, steer: Sequence[ContrastPair], keep: Sequence[ContrastPair]) -> None:
        """What the condition was fit on and how it did on its held-out prompts, beside the run's vectors (a record
        for the reader; the condition is refit from the same draw on every run)."""
        ids = {"steer": [p.id for p in steer], "keep": [p.id for p in keep]}
        tag = hashlib.sha256(json.dumps(ids, sort_keys=True).encode()).hexdigest()[:12]
        record = {"layer": condition.layer, "threshold": condition.threshold, **condition.fit, **ids}
        self.cache.parent.mkdir(parents=True, exist_ok=True)
        path = self.cache.parent / f"condition-{condition.layer}-{tag}.json"
        path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")

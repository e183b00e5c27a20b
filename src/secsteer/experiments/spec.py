"""SweepSpec: everything a sweep varies, loaded from TOML; unknown keys and bad types or ranges are rejected."""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any, Literal

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from secsteer.generation.hints import HINTS
from secsteer.model.bundled import DEFAULT_BUNDLED
from secsteer.vectors.views import VIEWS

PairCount = int | str   # an int, or "all"
CONTROLS = ("random", "negated", "shuffled")   # shuffled: built from pairs with a seeded half swapped
LATER_KEYS: dict[str, Any] = {"gate_reading": "mean", "train": {}, "engine": "hooks",   # key -> default; see digest
                              "view": "code", "decoding": "plain", "alpha": 1.0, "beta": 0.0,
                              "scenario_ids": [], "drop_leaking_pairs": False, "also_drop_pairs_of": [],
                              "prompt_hints": [], "condition_pairs": "", "condition_tasks": 64}
# the lists a run may gain entries in and still keep its finished units (secsteer sweep --extend)
GRID_KEYS = ("methods", "n_pairs", "draw_seeds", "layer_sets", "controls", "prompt_hints")   # not scales: a unit holds them all
ENGINES = ("hooks", "nnsight", "llamacpp")                 # secsteer.backends


@dataclass(frozen=True)
class SweepSpec:
    name: str = "sweep"
    # model
    model: str = DEFAULT_BUNDLED
    dtype: str = "float32"
    engine: str = "hooks"                            # hooks, nnsight, llamacpp (secsteer.backends)
    # vectors: built from pairs per method / n_pairs / draw, or one prebuilt file
    vector: str = ""                                 # path to a .safetensors vector; overrides methods
    pairs: tuple[str, ...] = ("builtin",)
    pair_cwes: tuple[str, ...] = ()
    pair_languages: tuple[str, ...] = ()
    pair_split: str | None = None
    methods: tuple[str, ...] = ("mean_diff",)        # mean_diff, pca, optimized (vectors/train.py), distilled
                                                     # (vectors/distill.py, with a hint view)
    train: dict[str, Any] = field(default_factory=dict)   # optimized: TrainConfig settings, e.g. {epochs = 1}
    pooling: str = "mean"
    n_pairs: tuple[PairCount, ...] = ("all",)
    draw_seeds: tuple[int, ...] = (0,)
    controls: tuple[str, ...] = ()
    focus: str = "all"                               # "diff": pool only the changed lines of each pair
    context_lines: int = 0
    mode: str = "add"                                # add, routed (per-CWE), gated (probe), ablate, conditioned
                                                     # (steer only prompts like the vector's tasks; condition.py)
    schedule: str = "const"                          # const, first:K, decay:H (generated steps)
    gate_reading: Literal["last", "mean", "generated"] = "mean"   # gated mode: what the probe reads (probe_gate.py)
    condition_pairs: str = ""                        # conditioned mode: the pair source of the prompts left unsteered
                                                     # (its other-CWE tasks; "": the first of `pairs`)
    condition_tasks: int = 64                        # conditioned mode: how many of them
    view: str = "code"                               # "review": inside the detection question; "hint:…": the
                                                     # task with vs without a security hint (hint_view.py)
    drop_leaking_pairs: bool = False                 # drop build pairs overlapping the scenarios (same source)
    also_drop_pairs_of: tuple[str, ...] = ()         # and those overlapping these scenario ids (e.g. the report
                                                     # split, so a tuning run builds the report run's vector)
    prompt_hints: tuple[str, ...] = ()               # reference cells: generic, cwe, policy (generation/hints.py)
    # decoding: "plain", or "contrastive": base + alpha·(plus − minus) logits, ±v at each row's scale
    decoding: str = "plain"
    alpha: float = 1.0
    beta: float = 0.0                                # contrastive: > 0 keeps p >= beta·max p instead of top-p
    # steering
    layer_sets: tuple[tuple[int, ...], ...] = ((12,),)
    scales: tuple[float, ...] = (0.5,)               # relative to the layer's typical residual norm
    absolute_scales: tuple[float, ...] = ()          # plain multiples of the stored vector
    positions: str = "all"
    # evaluation
    scenarios: tuple[str, ...] = ("builtin",)
    scenario_cwes: tuple[str, ...] = ()
    scenario_languages: tuple[str, ...] = ()
    scenario_limit: int = 0                          # 0: all; else at most this many per source and CWE
    scenario_ids: tuple[str, ...] = ()               # keep only these scenario ids (fixed tuning/report splits)
    samples: int = 5
    temperature: float = 0.4
    top_p: float = 0.95
    max_new_tokens: int = 160
    batch_size: int = 16
    seed: int = 0
    prompt_mode: str = "auto"
    run_tests: bool = False                          # executes model-written code in the sandbox
    any_cwe: bool = False
    analyzers: tuple[str, ...] = ()                  # registry names; empty: every analyzer for the language
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_values({f.name: getattr(self, f.name) for f in fields(self)}, "sweep spec")
        if not self.scales and not self.absolute_scales:
            raise ValueError("sweep spec: give at least one of scales (relative) or absolute_scales")
        if self.decoding == "contrastive" and self.mode not in ("add", "routed"):
            raise ValueError(f"sweep spec: contrastive decoding works with mode add or routed, got {self.mode!r}")

    def to_json(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self)))

    def digest(self) -> str:
        # Keys added after runs existed count only when set, so those runs' digests (and resume) still hold.
        spec = {k: v for k, v in self.to_json().items() if LATER_KEYS.get(k, object()) != v}
        return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]

    def extension_problems(self, earlier: dict[str, Any]) -> list[str]:
        """The keys that keep a run of the `earlier` spec (its JSON) from growing into this one; none: it can.
        Only the grid's lists may change, and only by gaining entries, so every unit already done is a unit of
        this plan with the same rows (a unit's rows depend on its cell and the shared settings, not on what other
        cells exist)."""
        mine = self.to_json()
        problems = []
        for key in sorted(set(earlier) | set(mine)):
            was, now = earlier.get(key, LATER_KEYS.get(key)), mine.get(key, LATER_KEYS.get(key))
            grows = key in GRID_KEYS and isinstance(was, list) and isinstance(now, list) and all(x in now for x in was)
            if was != now and not grows:
                problems.append(key)
        return problems


# ---- key rules: one line per key; check_values names the origin (file) and key of a bad value ----

@dataclass(frozen=True)
class Rule:
    ok: Callable[[Any], bool]
    want: str                                        # what a valid value is, for the message


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def text(*choices: str, nonempty: bool = False) -> Rule:
    if choices:
        return Rule(lambda v: v in choices, f"one of {list(choices)}")
    return Rule(lambda v: isinstance(v, str) and (bool(v) or not nonempty), "a non-empty string" if nonempty
                else "a string")


def integer(low: int) -> Rule:
    return Rule(lambda v: _is_int(v) and v >= low, f"an integer >= {low}")


def number(low: float = -math.inf, high: float = math.inf, low_open: bool = False) -> Rule:
    def ok(v: Any) -> bool:
        return _is_number(v) and (v > low if low_open else v >= low) and v <= high
    bounds = [f"{'>' if low_open else '>='} {low:g}"] if low > -math.inf else []
    bounds += [f"<= {high:g}"] if high < math.inf else []
    return Rule(ok, "a finite number" + (" " + " and ".join(bounds) if bounds else ""))


FLAG = Rule(lambda v: isinstance(v, bool), "true or false")


def seq(item: Rule, nonempty: bool = False) -> Rule:
    def ok(v: Any) -> bool:
        return isinstance(v, (list, tuple)) and (bool(v) or not nonempty) and all(item.ok(x) for x in v)
    return Rule(ok, f"a{' non-empty' if nonempty else ''} list, each {item.want}")


KEY_RULES: dict[str, Rule] = {
    "name": text(), "model": text(nonempty=True), "dtype": text("float32", "bfloat16", "float16"),
    "vector": text(), "pairs": seq(text(nonempty=True)), "pair_cwes": seq(text()), "pair_languages": seq(text()),
    "pair_split": Rule(lambda v: v is None or isinstance(v, str), "a string"),
    "methods": seq(text(nonempty=True)), "pooling": text("mean", "last"),
    "n_pairs": seq(Rule(lambda v: v == "all" or (_is_int(v) and v >= 1), "an integer >= 1 or 'all'")),
    "draw_seeds": seq(integer(0), nonempty=True), "controls": seq(text(*CONTROLS)),
    "focus": text("all", "diff"), "context_lines": integer(0),
    "mode": text("add", "routed", "gated", "ablate", "conditioned"), "schedule": text(nonempty=True),
    "gate_reading": text("last", "mean", "generated"), "view": text(*VIEWS),
    "condition_pairs": text(), "condition_tasks": integer(4),
    "drop_leaking_pairs": FLAG, "also_drop_pairs_of": seq(text(nonempty=True)),
    "decoding": text("plain", "contrastive"), "alpha": number(0.0), "beta": number(0.0, 1.0),
    "scenario_ids": seq(text(nonempty=True)), "prompt_hints": seq(text(*HINTS)),
    "layer_sets": seq(seq(integer(0), nonempty=True), nonempty=True),
    "scales": seq(number()), "absolute_scales": seq(number()), "positions": text("all", "prompt", "generated"),
    "scenarios": seq(text(nonempty=True), nonempty=True), "scenario_cwes": seq(text()),
    "scenario_languages": seq(text()), "scenario_limit": integer(0), "samples": integer(1),
    "temperature": number(0.0), "top_p": number(0.0, 1.0, low_open=True), "max_new_tokens": integer(1),
    "batch_size": integer(1), "seed": integer(0), "prompt_mode": text("auto", "completion", "chat"),
    "run_tests": FLAG, "any_cwe": FLAG, "analyzers": seq(text(nonempty=True)),
    "train": Rule(lambda v: isinstance(v, dict), "a table of TrainConfig settings"),
    "extra": Rule(lambda v: isinstance(v, dict), "a table"), "engine": text(*ENGINES),
}


def check_values(values: dict[str, Any], origin: str) -> None:
    """Raise ValueError naming origin and key for the first value of a wrong type or out of range."""
    for key, value in values.items():
        rule = KEY_RULES.get(key)
        if rule is not None and not rule.ok(value):
            shown = list(value) if isinstance(value, tuple) else value
            raise ValueError(f"{origin}: {key} must be {rule.want}, got {shown!r}")


def spec_from_dict(raw: dict[str, Any], origin: str = "spec") -> SweepSpec:
    names = {f.name for f in fields(SweepSpec)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ValueError(f"{origin}: unknown keys {unknown}; valid keys: {sorted(names)}")
    check_values(raw, origin)
    values = {}
    for key, value in raw.items():
        if key == "layer_sets":
            value = tuple(tuple(s) for s in value)
        elif isinstance(value, list):
            value = tuple(value)
        values[key] = value
    try:
        return SweepSpec(**values)
    except ValueError as err:
        raise ValueError(f"{origin}: {str(err).removeprefix('sweep spec: ')}") from None


def load_spec(path: str | Path, **overrides: Any) -> SweepSpec:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"sweep spec {path} does not exist")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{path}: invalid TOML: {err}") from None
    return spec_from_dict({**raw, **overrides}, str(path))


def preset_names() -> list[str]:
    folder = resources.files("secsteer.experiments") / "presets"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_preset(name: str, **overrides: Any) -> SweepSpec:
    if name not in preset_names():
        raise ValueError(f"unknown preset {name!r}; presets: {preset_names()}")
    text = (resources.files("secsteer.experiments") / "presets" / f"{name}.toml").read_text(encoding="utf-8")
    return spec_from_dict({**tomllib.loads(text), **overrides}, f"preset {name}")

"""SweepSpec: everything a sweep varies, loaded from TOML; unknown keys are rejected."""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict, dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any, Literal

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from secsteer.model.bundled import DEFAULT_BUNDLED

PairCount = int | str   # an int, or "all"
CONTROLS = ("random", "negated")
LATER_KEYS = {"gate_reading": "mean", "view": "code", "decoding": "plain", "alpha": 1.0, "beta": 0.0,
              "scenario_ids": [], "drop_leaking_pairs": False,
              "also_drop_pairs_of": []}   # key -> default; see SweepSpec.digest


@dataclass(frozen=True)
class SweepSpec:
    name: str = "sweep"
    # model
    model: str = DEFAULT_BUNDLED
    dtype: str = "float32"
    # vectors: built from pairs per method / n_pairs / draw, or one prebuilt file
    vector: str = ""                                 # path to a .safetensors vector; overrides methods
    pairs: tuple[str, ...] = ("builtin",)
    pair_cwes: tuple[str, ...] = ()
    pair_languages: tuple[str, ...] = ()
    pair_split: str | None = None
    methods: tuple[str, ...] = ("mean_diff",)
    pooling: str = "mean"
    n_pairs: tuple[PairCount, ...] = ("all",)
    draw_seeds: tuple[int, ...] = (0,)
    controls: tuple[str, ...] = ()
    focus: str = "all"                               # "diff": pool only the changed lines of each pair
    context_lines: int = 0
    mode: str = "add"                                # add, routed (per-CWE), gated (probe), ablate
    schedule: str = "const"                          # const, first:K, decay:H (generated steps)
    gate_reading: Literal["last", "mean", "generated"] = "mean"   # gated mode: what the probe reads (probe_gate.py)
    view: str = "code"                               # "review": read pairs inside the detection question
    drop_leaking_pairs: bool = False                 # drop build pairs overlapping the scenarios (same source)
    also_drop_pairs_of: tuple[str, ...] = ()         # and those overlapping these scenario ids (e.g. the report
                                                     # split, so a tuning run builds the report run's vector)
    # decoding: "plain", or "contrastive": base + alpha·(plus − minus) logits, ±v at each row's scale
    decoding: str = "plain"
    alpha: float = 1.0
    beta: float = 0.0                                # contrastive plausibility floor (0: the base's top-p only)
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
        if self.samples < 1 or self.batch_size < 1 or self.max_new_tokens < 1:
            raise ValueError("samples, batch_size and max_new_tokens must be >= 1")
        if not self.layer_sets or any(not s for s in self.layer_sets):
            raise ValueError("layer_sets must hold at least one non-empty layer list")
        if not self.scales and not self.absolute_scales:
            raise ValueError("give at least one of scales (relative) or absolute_scales")
        for n in self.n_pairs:
            if n != "all" and (not isinstance(n, int) or n < 1):
                raise ValueError(f"n_pairs entries must be positive integers or 'all', got {n!r}")
        unknown = set(self.controls) - set(CONTROLS)
        if unknown:
            raise ValueError(f"unknown controls {sorted(unknown)}; choose from {list(CONTROLS)}")
        if self.mode not in ("add", "routed", "gated", "ablate"):
            raise ValueError(f"mode must be add, routed, gated or ablate, got {self.mode!r}")
        if self.focus not in ("all", "diff"):
            raise ValueError(f"focus must be all or diff, got {self.focus!r}")
        if self.gate_reading not in ("last", "mean", "generated"):
            raise ValueError(f"gate_reading must be last, mean or generated, got {self.gate_reading!r}")
        if self.view not in ("code", "review"):
            raise ValueError(f"view must be code or review, got {self.view!r}")
        if self.decoding not in ("plain", "contrastive"):
            raise ValueError(f"decoding must be plain or contrastive, got {self.decoding!r}")
        if self.decoding == "contrastive" and self.mode not in ("add", "routed"):
            raise ValueError(f"contrastive decoding works with mode add or routed, got {self.mode!r}")
        if self.alpha < 0 or not 0 <= self.beta <= 1:
            raise ValueError(f"alpha must be >= 0 and beta in [0, 1], got {self.alpha} and {self.beta}")
        if self.positions not in ("all", "prompt", "generated"):
            raise ValueError(f"positions must be all, prompt or generated, got {self.positions!r}")

    def to_json(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self)))

    def digest(self) -> str:
        # Keys added after runs existed count only when set, so those runs' digests (and resume) still hold.
        spec = {k: v for k, v in self.to_json().items() if LATER_KEYS.get(k, object()) != v}
        return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def spec_from_dict(raw: dict[str, Any], origin: str = "spec") -> SweepSpec:
    names = {f.name for f in fields(SweepSpec)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ValueError(f"{origin}: unknown keys {unknown}; valid keys: {sorted(names)}")
    values = {}
    for key, value in raw.items():
        if key == "layer_sets":
            value = tuple(tuple(int(x) for x in s) for s in value)
        elif isinstance(value, list):
            value = tuple(value)
        values[key] = value
    return SweepSpec(**values)


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

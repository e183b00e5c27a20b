from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from secsteer.experiments.grid import cells
from secsteer.experiments.runner import run_sweep
from secsteer.experiments.spec import LATER_KEYS, SweepSpec, load_preset, load_spec, preset_names
from secsteer.experiments.store import RunStore, SpecMismatchError
from tests.conftest import tiny_model, tiny_tokenizer

SPEC = dict(
    name="tiny", pairs=["builtin"], pair_cwes=["CWE-89", "CWE-78"], n_pairs=[4, "all"], draw_seeds=[0],
    layer_sets=[[1], [0, 2]], scales=[0.5, 2.0], controls=["negated"], scenarios=["builtin"],
    scenario_cwes=["CWE-89", "CWE-78"], scenario_limit=1, samples=2, temperature=0.0, max_new_tokens=6,
    batch_size=5, prompt_mode="completion", analyzers=["bandit"],
)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tiny-qwen")
    tok = tiny_tokenizer()
    tiny_model("qwen2", tok, layers=3).save_pretrained(path)
    tok.save_pretrained(path)
    return path


def write_spec(path: Path, model_dir: Path, **changes) -> Path:
    from tests.experiments.toml_write import dumps

    path.write_text(dumps({**SPEC, "model": str(model_dir), **changes}))
    return path


def clean(samples: list[dict]) -> list[dict]:
    return sorted(samples, key=lambda s: (s["unit"], s["row"]))


def test_presets_load_and_reject_unknown_keys(tmp_path):
    assert {"strength", "layers", "sample-efficiency"} <= set(preset_names())
    strength = load_preset("strength")
    assert {1.0, 5.0, 10.0, 20.0} <= set(strength.absolute_scales) and (4, 12, 20) in strength.layer_sets
    assert {5, 26} <= set(load_preset("sample-efficiency").n_pairs)
    bad = tmp_path / "bad.toml"
    bad.write_text('scale = [1]\n')
    with pytest.raises(ValueError, match=r"unknown keys \['scale'\]"):
        load_spec(bad)


def test_sweep_finishes_with_one_summary_per_cell(tmp_path, model_dir):
    spec = load_spec(write_spec(tmp_path / "s.toml", model_dir))
    store = run_sweep(spec, tmp_path / "run", show_progress=False)
    summaries = store.cells()
    # baseline + (2 pair counts × (vector + negated)) × 2 layer sets × 2 scales
    assert len(summaries) == len(cells(spec)) == 1 + 2 * 2 * 2 * 2
    assert {c["cell"] for c in summaries} == {c.id for c in cells(spec)}
    for c in summaries:
        assert c["n_samples"] == 2 * 2          # 2 scenarios × 2 samples
        assert set(c) >= {"security", "validity", "secure_valid", "per_cwe", "per_scenario"}
    samples = store.samples()
    assert len(samples) == len(summaries) * 4
    assert all(isinstance(s["completion"], str) and "valid" in s for s in samples)
    # each summary is its own samples' counts: recomputed here from the stored samples
    for c in summaries:
        own = [s for s in samples if s["cell"] == c["cell"]]
        assert {s["scale"] for s in own} == {c["scale"]}
        unique = {(s["scenario"], s["completion"].rstrip()): s for s in reversed(own)}.values()
        valid = [s for s in unique if s["valid"]]
        judged = [s for s in valid if s["secure"] is not None]
        assert (c["validity"]["k"], c["validity"]["n"]) == (len(valid), len(unique))
        assert (c["security"]["k"], c["security"]["n"]) == (sum(s["secure"] is True for s in judged), len(judged))
    assert (tmp_path / "run" / "cache").is_dir()      # activations read once and cached


def test_changed_spec_is_refused_unless_restart(tmp_path, model_dir):
    spec = load_spec(write_spec(tmp_path / "s.toml", model_dir, layer_sets=[[1]], scales=[1.0], n_pairs=["all"],
                                controls=[]))
    run_sweep(spec, tmp_path / "run", show_progress=False)
    changed = replace(spec, scales=(1.0, 2.0))
    with pytest.raises(SpecMismatchError, match="another spec"):
        run_sweep(changed, tmp_path / "run", show_progress=False)
    store = run_sweep(changed, tmp_path / "run", restart=True, show_progress=False)
    assert len(store.cells()) == 3


def test_per_row_scales_give_the_same_verdicts_as_one_run_per_scale(tmp_path, model_dir):
    base = dict(layer_sets=[[1]], n_pairs=["all"], controls=[])
    together = load_spec(write_spec(tmp_path / "a.toml", model_dir, scales=[0.5, 2.0], batch_size=8, **base))
    run_a = run_sweep(together, tmp_path / "a", show_progress=False)
    by_scale: dict[float, list] = {}
    for scale in (0.5, 2.0):
        alone = load_spec(write_spec(tmp_path / f"{scale}.toml", model_dir, scales=[scale], batch_size=4, **base))
        by_scale[scale] = run_sweep(alone, tmp_path / f"r{scale}", show_progress=False).samples()
    key = lambda s: (s["scenario"], s["sample"])  # noqa: E731
    for scale in (0.5, 2.0):
        mixed = sorted((s for s in run_a.samples() if s["scale"] == scale), key=key)
        single = sorted((s for s in by_scale[scale] if s["scale"] == scale), key=key)
        assert [(s["completion"], s["valid"], s["secure"]) for s in mixed] == \
               [(s["completion"], s["valid"], s["secure"]) for s in single]


def test_kill_9_then_resume_equals_an_uninterrupted_run(tmp_path, model_dir):
    spec_path = write_spec(tmp_path / "s.toml", model_dir, batch_size=3)
    reference = run_sweep(load_spec(spec_path), tmp_path / "ref", show_progress=False)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "secsteer", "sweep", str(spec_path), "--out", str(out), "--no-report"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    units = out / "units.jsonl"
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if units.exists() and len(units.read_text().splitlines()) >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the sweep finished before it could be killed; make it longer"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = RunStore(out)
    n_done = len(partial.done_units())
    assert 3 <= n_done < len(json.loads('[' + ','.join(reference.units_path.read_text().splitlines()) + ']'))
    resumed = run_sweep(load_spec(spec_path), out, show_progress=False)
    strip = lambda rows: [{k: v for k, v in r.items() if k != "time"} for r in rows]  # noqa: E731
    assert strip(clean(resumed.samples())) == strip(clean(reference.samples()))
    assert sorted(c["cell"] for c in resumed.cells()) == sorted(c["cell"] for c in reference.cells())
    ref_cells = {c["cell"]: c for c in reference.cells()}
    for c in resumed.cells():
        assert c == ref_cells[c["cell"]]


def test_spec_validation():
    with pytest.raises(ValueError, match="n_pairs"):
        SweepSpec(n_pairs=(0,))
    with pytest.raises(ValueError, match="controls must be"):
        SweepSpec(controls=("reversed",))
    with pytest.raises(ValueError, match="at least one"):
        SweepSpec(scales=(), absolute_scales=())
    with pytest.raises(ValueError, match="gate_reading"):
        SweepSpec(gate_reading="window")


def test_a_key_added_later_changes_the_digest_only_when_set():
    import hashlib

    spec = SweepSpec(mode="gated")
    earlier = {k: v for k, v in spec.to_json().items() if k not in LATER_KEYS}    # a spec from before the keys
    assert spec.digest() == hashlib.sha256(json.dumps(earlier, sort_keys=True).encode()).hexdigest()[:16]
    assert replace(spec, gate_reading="generated").digest() != spec.digest()
    assert replace(spec, train={"epochs": 1}).digest() != spec.digest()
    assert replace(spec, condition_tasks=8).digest() != spec.digest()


@pytest.mark.parametrize(("mode", "reading"), [("routed", "mean"), ("gated", "mean"), ("gated", "generated"),
                                               ("ablate", "mean"), ("conditioned", "mean")])
def test_every_steering_mode_runs_in_a_sweep(tmp_path, model_dir, mode, reading):
    spec = load_spec(write_spec(
        tmp_path / "s.toml", model_dir, mode=mode, layer_sets=[[1, 2]], scales=[0.0, 1.0], n_pairs=["all"],
        controls=["negated"], samples=1, focus="diff", schedule="first:3", gate_reading=reading,
        **({"condition_tasks": 6} if mode == "conditioned" else {}),
    ))
    store = run_sweep(spec, tmp_path / "run", show_progress=False)
    assert len(store.cells()) == 1 + 2 * 2
    assert len(store.samples()) == 5 * 2          # 5 cells × 2 scenarios × 1 sample
    assert {s["scale"] for s in store.samples() if s["cell"] != store.cells()[0]["cell"]} >= {0.0, 1.0}
    gated = [s for s in store.samples() if "steered_fraction" in s]
    if mode in ("gated", "conditioned"):   # every steered row records how often its gate opened, within [0, 1]
        assert len(gated) == 4 * 2 and all(0.0 <= s["steered_fraction"] <= 1.0 for s in gated)
        assert all("steered_fraction" in c for c in store.cells() if c["condition"] != "baseline")
        from secsteer.report.report import build_report

        summary = "Condition: steered on" if mode == "conditioned" else "Probe gate: steered on"
        assert summary in build_report(tmp_path / "run")["markdown"].read_text()
        if mode == "conditioned":   # decided once per prompt: each row is steered throughout, or not at all
            assert {s["steered_fraction"] for s in gated} <= {0.0, 1.0}
            (record,) = [json.loads(f.read_text()) for f in (tmp_path / "run" / "cache").glob("condition-*.json")]
            assert record["layer"] == 1 and len(record["keep"]) == 6 and 0.0 <= record["threshold"] <= 1.0
            assert not {p.split("/")[-1] for p in record["steer"]} & {p.split("/")[-1] for p in record["keep"]}
    else:
        assert not gated
    # the mode really steers: scale 1 changes some completion of the baseline; scale 0 changes none
    # (ablation projects the direction out even at shift 0, so only its scale-1 cells are compared)
    samples = store.samples()
    by_cell = {c["cell"]: c for c in store.cells()}
    baseline = {(s["scenario"], s["sample"]): s["completion"] for s in samples
                if by_cell[s["cell"]]["condition"] == "baseline"}
    def changed(scale: float) -> list[bool]:
        return [s["completion"] != baseline[(s["scenario"], s["sample"])] for s in samples
                if by_cell[s["cell"]]["condition"] == "vector" and s["scale"] == scale]
    if mode not in ("gated", "conditioned") or any(s["steered_fraction"] > 0 for s in gated):
        assert any(changed(1.0)), mode
    if mode != "ablate":
        assert not any(changed(0.0)), mode


def test_the_spec_seed_changes_samples_and_a_repeat_reproduces_them(tmp_path, model_dir):
    def run(seed: int, name: str) -> list[str]:
        spec = load_spec(write_spec(tmp_path / f"{name}.toml", model_dir, methods=[], temperature=1.0,
                                    samples=4, max_new_tokens=8, seed=seed))
        return [s["completion"] for s in clean(run_sweep(spec, tmp_path / name, show_progress=False).samples())]

    first = run(0, "a")
    assert run(0, "b") == first               # same seed, fresh directory: the same samples
    assert run(1, "c") != first               # another sampling seed draws other samples

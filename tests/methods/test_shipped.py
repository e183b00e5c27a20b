"""Shipped vectors: a sweep takes one in place of training only when model, dtype, pairs, settings and retention
tasks all match, and the vector shipped for the conditioned-xss preset is the one that preset would train."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from secsteer.vectors import distill, shipped
from secsteer.vectors.vector import SteeringVector
from tests.experiments.test_sweep import model_dir  # noqa: F401  (module-scoped fixture)

SEC = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "seccodeplt"


def distilled_spec(tmp_path, model_dir, **train):  # noqa: F811
    from secsteer.experiments.spec import load_spec
    from tests.experiments.test_sweep import write_spec

    return load_spec(write_spec(
        tmp_path / f"s{len(train)}.toml", model_dir, methods=["distilled"], view="hint:generic", controls=[],
        layer_sets=[[1]], scales=[], absolute_scales=[1.0], n_pairs=["all"], samples=1, pairs=["builtin"],
        train={"epochs": 1, "max_new_tokens": 4, **train},
    ))


def ship(folder: Path, vector_file: Path, **entry) -> Path:
    """A shipped folder holding `vector_file`, indexed as the package's own is."""
    folder.mkdir(parents=True)
    shutil.copy(vector_file, folder / "v.safetensors")
    meta = SteeringVector.load(vector_file).meta
    index = {"model_id": meta.model_id, "dtype": "float32",
             "sha256": hashlib.sha256(vector_file.read_bytes()).hexdigest(), **entry}
    (folder / "index.json").write_text(json.dumps({"v.safetensors": index}))
    return folder


@pytest.fixture
def trained(tmp_path, model_dir):  # noqa: F811
    from secsteer.experiments.runner import run_sweep

    spec = distilled_spec(tmp_path, model_dir)
    store = run_sweep(spec, tmp_path / "run", show_progress=False)
    (vector_file,) = (tmp_path / "run" / "cache").glob("distilled-*.safetensors")
    return spec, store, vector_file


def test_a_matching_shipped_vector_replaces_training_and_steers_the_same(tmp_path, trained, monkeypatch):
    from secsteer.experiments.runner import run_sweep

    spec, store, vector_file = trained
    folder = ship(tmp_path / "shipped", vector_file)
    monkeypatch.setattr(shipped, "shipped_folder", lambda: folder)
    monkeypatch.setattr(distill, "distill_vector", lambda *a, **k: pytest.fail("trained although a vector matches"))
    again = run_sweep(spec, tmp_path / "fresh", show_progress=False)       # no cache: only the shipped file
    assert [c["security"] for c in again.cells()] == [c["security"] for c in store.cells()]
    (cached,) = (tmp_path / "fresh" / "cache").glob("distilled-*.safetensors")
    assert cached.name == vector_file.name


def test_any_difference_in_the_inputs_trains_instead(tmp_path, trained, model_dir, monkeypatch):  # noqa: F811
    from secsteer.experiments.runner import run_sweep

    spec, _, vector_file = trained
    calls = []
    real = distill.distill_vector
    monkeypatch.setattr(distill, "distill_vector", lambda *a, **k: calls.append(1) or real(*a, **k))
    for name, changed, entry in (("settings", distilled_spec(tmp_path, model_dir, lr=0.01), {}),
                                 ("dtype", spec, {"dtype": "bfloat16"}),
                                 ("model", spec, {"model_id": "another/model"})):
        folder = ship(tmp_path / f"shipped-{name}", vector_file, **entry)
        monkeypatch.setattr(shipped, "shipped_folder", lambda f=folder: f)
        run_sweep(changed, tmp_path / f"run-{name}", show_progress=False)
        assert len(calls) == 1, name
        calls.clear()


def test_find_shipped_compares_pairs_and_retention_tasks_and_refuses_a_damaged_file(tmp_path, trained):
    _, _, vector_file = trained
    folder = ship(tmp_path / "shipped", vector_file)
    meta = SteeringVector.load(vector_file).meta
    args = (meta.model_id, "float32", meta.pairs_hash, meta.extra["train"])
    assert shipped.find_shipped(*args, folder=folder) is not None
    assert shipped.find_shipped(meta.model_id, "float32", "0" * 16, meta.extra["train"], folder=folder) is None
    with_retention = vector_file.with_name("r.safetensors")
    vector = SteeringVector.load(vector_file)
    vector.meta.extra["retain_pairs"] = ["retain:o/1", "retain:o/2"]
    vector.save(with_retention)
    folder2 = ship(tmp_path / "shipped2", with_retention)
    assert shipped.find_shipped(*args, ["o/1", "o/2", "o/3"], folder=folder2) is not None
    assert shipped.find_shipped(*args, ["o/1", "o/3"], folder=folder2) is None       # another retention draw
    (folder / "v.safetensors").write_bytes(with_retention.read_bytes())
    with pytest.raises(ValueError, match="damaged"):
        shipped.find_shipped(*args, folder=folder)


def test_the_package_ships_the_vector_the_conditioned_xss_preset_trains():
    """The index is honest about the file, and the preset's training settings are the ones the vector was trained
    with; with SecCodePLT at hand, its pairs and retention draw match too, so `secsteer demo --best` skips training."""
    from secsteer.experiments.spec import load_preset
    from secsteer.vectors.distill import distill_config

    folder = shipped.shipped_folder()
    index = json.loads((folder / "index.json").read_text())
    (name, entry), = index.items()
    assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == entry["sha256"]
    vector = SteeringVector.load(folder / name)
    preset = load_preset("conditioned-xss")
    assert (vector.meta.model_id, entry["dtype"]) == (preset.model, preset.dtype)
    assert set(vector.directions) == {14} and vector.meta.hidden_size == 1536
    config = distill_config(preset.train, layers=(14,), hint=preset.view.split(":")[1], seed=0)
    if not SEC.is_dir():
        pytest.skip(f"SecCodePLT not at {SEC}: pairs and retention draw not compared")
    from dataclasses import replace

    from secsteer.data.pairs import pairs_hash
    from secsteer.experiments.runner import select_pairs, select_scenarios
    from secsteer.vectors.distill import retention_tasks

    here = lambda s: s.replace("../shared/datasets/seccodeplt", str(SEC))  # noqa: E731
    preset = replace(preset, scenarios=tuple(map(here, preset.scenarios)), pairs=tuple(map(here, preset.pairs)))
    config = replace(config, retain_pairs=here(config.retain_pairs))
    pairs = select_pairs(preset, select_scenarios(preset))
    found = shipped.find_shipped(preset.model, preset.dtype, pairs_hash(pairs), config.to_json(),
                                 [p.id for p in retention_tasks(pairs, config)])
    assert found is not None

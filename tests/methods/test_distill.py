"""Hint-distilled vectors: the objective reads the teacher and the student on the same completion tokens, training
lowers it on held-out tasks, the result is an ordinary vector at absolute scale 1, and sweeps accept the method
only with a hint view."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from secsteer.experiments.spec import SweepSpec
from secsteer.vectors.distill import (
    DistillConfig,
    batch_kl,
    distill_vector,
    retention_examples,
    split_tasks,
    teacher_examples,
)
from secsteer.vectors.train import Scorer, TrainConfig, coarse_kl, reference
from tests.conftest import tiny_model, tiny_tokenizer
from tests.experiments.test_sweep import model_dir  # noqa: F401  (module-scoped fixture)
from tests.methods.test_hints import CHAT, seccodeplt_like_pairs


@pytest.fixture(scope="module")
def setup():
    tok = tiny_tokenizer()
    tok.chat_template = CHAT
    model = tiny_model("qwen2", tok, layers=3).eval()
    with torch.no_grad():       # a random tiny model predicts almost uniformly; a sharper head lets a hint show
        model.lm_head.weight.mul_(40.0)
    return tok, model


def test_the_objective_compares_teacher_and_student_on_the_same_completion_tokens(setup):
    """With a zero vector, batch_kl equals the KL computed by hand from two full forward passes."""
    tok, model = setup
    config = DistillConfig(layers=(1,), max_new_tokens=6, top_k=5)
    examples = teacher_examples(model, tok, seccodeplt_like_pairs(2), config)
    student, teacher = examples[0].secure, examples[0].insecure
    assert "Security policy" in tok.decode(teacher.ids) and "Security policy" not in tok.decode(student.ids)
    n = student.kl.numel()
    assert n == teacher.kl.numel() > 0
    assert torch.equal(student.ids[student.kl + 1], teacher.ids[teacher.kl + 1])       # the same tokens scored
    scorer = Scorer(model, False, skip=1)
    refs, norms = reference(scorer, examples, [1], TrainConfig(layers=(1,), kl_top_k=5))
    from secsteer.vectors.vector import SteeringVector, VectorMeta

    meta = VectorMeta(model_id="tiny", architecture="x", hidden_size=64, num_layers=3, method="distilled",
                      n_pairs=2, pairs_hash="h", layer_norms=norms)
    zero = SteeringVector({1: torch.zeros(64)}, meta)
    got = batch_kl(scorer, zero, [1], examples[:1], refs)
    with torch.no_grad():
        t = F.log_softmax(model(teacher.ids[None]).logits[0, teacher.kl].float(), -1)
        s = F.log_softmax(model(student.ids[None]).logits[0, student.kl].float(), -1)
    top = t.topk(5, dim=-1)
    want = coarse_kl(top.indices, top.values, s).mean()
    assert float(want) > 1e-4                           # the hint does change the tiny model's predictions
    assert torch.allclose(got, want, atol=1e-4)


def test_training_lowers_the_kl_on_held_out_tasks_and_gives_an_absolute_scale_vector(setup):
    tok, model = setup
    pairs = seccodeplt_like_pairs(8)
    config = DistillConfig(layers=(1,), max_new_tokens=8, epochs=6, lr=0.1, val_fraction=0.25, patience=6)
    vector = distill_vector(model, tok, pairs, config, source="seccodeplt")
    extra = vector.meta.extra
    assert vector.meta.method == "distilled" and vector.layers == [1]
    assert extra["best_val_kl"] < 0.9 * extra["start_val_kl"]
    assert len(extra["val_pairs"]) == 2 and extra["n_train"] == 6
    assert float(vector.directions[1].norm()) > 0
    train, val = split_tasks(teacher_examples(model, tok, pairs, config), config)
    assert sorted(e.pair_id for e in val) == extra["val_pairs"]            # the split the vector reports
    assert not {e.pair_id for e in train} & {e.pair_id for e in val}
    assert all(p.requires_grad is False for p in model.parameters())


def test_sweeps_take_distilled_only_with_a_hint_view_and_without_label_controls(tmp_path):
    from secsteer.experiments.plan import _check_vector_source

    def check(**kw):
        spec = SweepSpec(methods=("distilled",), **kw)
        return _check_vector_source(spec, [], None, lambda *_: [], lambda *_: None)

    with pytest.raises(ValueError, match="distils a prompt hint"):
        check()
    with pytest.raises(ValueError, match="no labels to shuffle"):
        check(view="hint:policy", controls=("shuffled",))
    with pytest.raises(ValueError, match="unknown distillation settings"):
        check(view="hint:policy", train={"kl_weight": 1.0})
    with pytest.raises(ValueError, match="invalid distillation settings"):
        DistillConfig(layers=(1,), lr=0)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        check(view="hint:policy", train={"retain": 1.0, "retain_pairs": f"jsonl:{tmp_path / 'nowhere.jsonl'}"})


def test_cli_distils_a_hint_and_the_vector_steers_at_absolute_scale(tmp_path, model_dir, capsys):  # noqa: F811
    import json

    from secsteer.cli.main import main
    from secsteer.vectors.vector import SteeringVector

    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(p.to_json()) + "\n" for p in seccodeplt_like_pairs(5)))
    out = tmp_path / "v.safetensors"
    argv = ["train", "--model", str(model_dir), "--pairs", f"jsonl:{pairs}", "--layers", "1", "--epochs", "1",
            "--new-tokens", "4", "--distill-hint", "generic", "--out", str(out)]
    assert main(argv) == 0
    assert "distilled hint 'generic' at layers [1] from 5 tasks (4 trained, 1 validation)" in capsys.readouterr().out
    vector = SteeringVector.load(out)
    assert vector.meta.method == "distilled" and vector.meta.extra["train"]["hint"] == "generic"
    assert main(["generate", "--model", str(model_dir), "--prompt", "def f(x):\n", "--vector", str(out),
                 "--absolute", "--scale", "1", "--max-new-tokens", "4"]) == 0
    capsys.readouterr()
    assert main([*argv, "--shuffle-labels"]) == 2
    assert "no meaning with --distill-hint" in capsys.readouterr().err
    others = retention_source(tmp_path, other_task_pairs(3))
    assert main([*argv, "--retain", "1", "--retain-pairs", others, "--retain-tasks", "3"]) == 0
    assert "3 retention tasks' KL" in capsys.readouterr().out
    assert SteeringVector.load(out).meta.extra["retain_pairs"] == ["retain:o/0", "retain:o/1", "retain:o/2"]


def test_a_sweep_distils_once_and_reuses_the_cached_vector(tmp_path, model_dir, monkeypatch):  # noqa: F811
    from secsteer.experiments.runner import run_sweep
    from secsteer.experiments.spec import load_spec
    from secsteer.vectors import distill
    from tests.experiments.test_sweep import write_spec

    spec = load_spec(write_spec(
        tmp_path / "s.toml", model_dir, methods=["distilled"], view="hint:generic", controls=["random"],
        layer_sets=[[1]], scales=[], absolute_scales=[1.0], n_pairs=["all"], samples=1, pairs=["builtin"],
        train={"epochs": 1, "max_new_tokens": 4},
    ))
    store = run_sweep(spec, tmp_path / "run", show_progress=False)
    assert sorted(c["condition"] for c in store.cells()) == ["baseline", "random", "vector"]
    cached = sorted((tmp_path / "run" / "cache").glob("distilled-*.safetensors"))
    assert len(cached) == 1

    def never(*_a, **_k):
        raise AssertionError("trained again although the vector is cached")

    monkeypatch.setattr(distill, "distill_vector", never)
    (tmp_path / "again").mkdir()
    (tmp_path / "again" / "cache").symlink_to(tmp_path / "run" / "cache")   # a report run beside a tuning run
    again = run_sweep(spec, tmp_path / "again", show_progress=False)
    assert [c["security"] for c in again.cells()] == [c["security"] for c in store.cells()]


def other_task_pairs(n: int):
    """Tasks of another CWE than seccodeplt_like_pairs' (CWE-1333): retention prompts."""
    from secsteer.data.pairs import ContrastPair

    return [ContrastPair(id=f"o/{i}", cwe="CWE-22", language="python", source="seccodeplt",
                         secure=f"import os\n\ndef read_{i}(name):\n    return open(os.path.basename(name)).read()\n",
                         insecure=f"import os\n\ndef read_{i}(name):\n    return open(name).read()\n",
                         description=f"Read file number {i}.", meta={"function_name": f"read_{i}"})
            for i in range(n)]


def retention_source(tmp_path, pairs) -> str:
    import json

    path = tmp_path / "other.jsonl"
    path.write_text("".join(json.dumps(p.to_json()) + "\n" for p in pairs))
    return f"jsonl:{path}"


def test_retention_keeps_the_steered_model_closer_to_the_unsteered_one_on_other_tasks(setup, tmp_path):
    """The retention term's whole point: on other CWEs' tasks, the vector trained with it changes the model's
    predictions less than the vector trained without it."""
    import dataclasses

    tok, model = setup
    source = retention_source(tmp_path, [*other_task_pairs(6), *seccodeplt_like_pairs(2)])
    plain = DistillConfig(layers=(1,), max_new_tokens=8, epochs=6, lr=0.1, val_fraction=0.25, patience=6)
    kept = dataclasses.replace(plain, retain=1.0, retain_pairs=source, retain_tasks=6)
    pairs = seccodeplt_like_pairs(8)
    without, with_ = (distill_vector(model, tok, pairs, c, source="seccodeplt") for c in (plain, kept))
    extra = with_.meta.extra
    assert sorted(extra["retain_pairs"]) == [f"retain:o/{i}" for i in range(6)]     # never the trained CWE's tasks
    assert extra["start_val_retain_kl"] == 0.0           # the zero vector is the unsteered model
    assert extra["best_val_kl"] < extra["start_val_kl"]   # it still learns the hinted tasks

    others = retention_examples(model, tok, pairs, kept)
    scorer = Scorer(model, False, skip=1)
    refs, _ = reference(scorer, others, [1], TrainConfig(layers=(1,), kl_top_k=kept.top_k))
    with torch.no_grad():
        drift = {name: float(batch_kl(scorer, v, [1], others, refs)) for name, v in
                 (("without", without), ("with", with_))}
    assert drift["without"] > 1e-3                        # unchecked, the vector does move the other tasks
    assert drift["with"] < 0.5 * drift["without"]


def test_retention_settings_are_checked_and_leave_earlier_cache_names_alone():
    with pytest.raises(ValueError, match="retain_pairs"):
        DistillConfig(layers=(1,), retain=1.0)
    with pytest.raises(ValueError, match="retain_pairs"):
        DistillConfig(layers=(1,), retain_pairs="builtin")
    assert "retain" not in DistillConfig(layers=(1,)).to_json()          # the cached vectors' names depend on it
    assert DistillConfig(layers=(1,), retain=1.0, retain_pairs="builtin").to_json()["retain_pairs"] == "builtin"


def test_a_sweep_refuses_a_vector_whose_retention_tasks_are_evaluated(tmp_path, setup):
    from secsteer.data.scenarios import Scenario
    from secsteer.experiments.vectors import VectorFactory

    tok, model = setup
    others = other_task_pairs(3)
    source = retention_source(tmp_path, others)
    evaluated = Scenario(id="s/1", cwe="CWE-22", language="python", prompt=others[1].secure.split("    ")[0])
    factory = VectorFactory(model, tok, [], tmp_path, scenarios=[evaluated])
    with pytest.raises(ValueError, match="retention tasks are evaluated scenarios"):
        factory._check_retention(source, ["retain:o/0", "retain:o/1"])
    factory._check_retention(source, ["retain:o/0", "retain:o/2"])      # other tasks pass


def test_a_vector_no_epoch_improved_is_refused_not_returned_as_zero(setup, tmp_path):
    """Retention strong enough that the zero vector wins the validation loss: an error, not a vector that steers
    nothing (a 1.5B run at weight 4 early-stopped that way)."""
    tok, model = setup
    source = retention_source(tmp_path, other_task_pairs(6))
    config = DistillConfig(layers=(1,), max_new_tokens=8, epochs=2, lr=0.1, val_fraction=0.25, patience=2,
                           retain=50.0, retain_pairs=source, retain_tasks=6)
    with pytest.raises(ValueError, match="no epoch beat the unsteered model"):
        distill_vector(model, tok, seccodeplt_like_pairs(8), config)


def test_a_leaking_retention_draw_is_refused_before_any_training(tmp_path, setup, monkeypatch):
    from secsteer.data.scenarios import Scenario
    from secsteer.experiments.grid import VectorKey
    from secsteer.experiments.vectors import VectorFactory
    from secsteer.vectors import distill

    tok, model = setup
    others = other_task_pairs(3)
    source = retention_source(tmp_path, others)
    evaluated = Scenario(id="s/1", cwe="CWE-22", language="python", prompt=others[2].secure.split("    ")[0])
    monkeypatch.setattr(distill, "distill_vector", lambda *a, **k: pytest.fail("trained before the check"))
    factory = VectorFactory(model, tok, seccodeplt_like_pairs(4), tmp_path, view="hint:policy", train_layers=(1,),
                            train={"retain": 1.0, "retain_pairs": source, "retain_tasks": 3}, scenarios=[evaluated])
    with pytest.raises(ValueError, match="retention tasks are evaluated scenarios"):
        factory.vector(VectorKey("distilled", "all", 0))

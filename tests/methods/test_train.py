"""Optimized steering vectors (vectors/train.py, `secsteer train`) on a tiny random Qwen2 model."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from secsteer.data.pairs import ContrastPair
from secsteer.vectors.train import (
    Scorer,
    TrainConfig,
    preference_margins,
    prepare_examples,
    reference,
    train_vector,
    validation_loss,
)
from secsteer.vectors.vector import SteeringVector, VectorMeta, random_like
from tests.experiments.test_sweep import model_dir  # noqa: F401  (module-scoped fixture)

NAMES = ["path", "name", "user", "data", "text", "item", "key", "value", "row", "query", "arg", "src",
         "buf", "file", "line", "word"]


def escape_pair(i: int, name: str) -> ContrastPair:
    """Two sides that share their context and differ in one line: `escape(x)` against `x`."""
    context = f"def read_{name}({name}):\n    with open({name}) as f:\n"
    return ContrastPair(f"t/{i}", "CWE-79", "python", context + f"        return escape({name})\n",
                        context + f"        return {name}\n", source="test")


PAIRS = [escape_pair(i, n) for i, n in enumerate(NAMES)]
TRAIN, HELD_OUT = PAIRS[:12], PAIRS[12:]
CONFIG = TrainConfig(layers=(2,), epochs=6, batch_size=4, eval_every=3, patience=50, lr=0.1, val_fraction=0.25)


def train_loss(model, tokenizer, vector: SteeringVector, config: TrainConfig) -> float:
    examples = prepare_examples(tokenizer, TRAIN, config)
    scorer = Scorer(model, config.autocast)
    refs, _ = reference(scorer, examples, list(config.layers), config)
    return validation_loss(scorer, vector, list(config.layers), examples, refs, config)


@pytest.fixture(scope="module")
def trained(tokenizer):
    from tests.conftest import tiny_model

    model = tiny_model("qwen2", tokenizer)
    return model, train_vector(model, tokenizer, TRAIN, CONFIG)


def test_training_lowers_its_loss_and_raises_the_secure_side_on_held_out_pairs(trained, tokenizer):
    model, result = trained
    vector = result.vector
    start = SteeringVector(directions={2: torch.randn(64, generator=torch.Generator().manual_seed(0))},
                           meta=vector.meta)                       # the seeded random start of the run
    assert train_loss(model, tokenizer, vector, CONFIG) < train_loss(model, tokenizer, start, CONFIG) - 0.1
    assert result.history[-1]["val_loss"] < result.history[0]["val_loss"] - 0.1
    held = preference_margins(model, tokenizer, vector, HELD_OUT, scale=CONFIG.scale)
    control = preference_margins(model, tokenizer, random_like(vector, seed=1), HELD_OUT, scale=CONFIG.scale)
    assert (held > 0).all(), held                                 # log π(secure) - log π(insecure) went up
    assert held.mean() > control.mean() + 0.3
    negated = preference_margins(model, tokenizer, -vector, HELD_OUT, scale=CONFIG.scale)
    assert (negated < 0).all()                                    # -v prefers the insecure side: BiPO's mirror


def test_the_result_is_an_ordinary_vector(trained, tmp_path):
    from secsteer.steering.apply import steer

    model, result = trained
    vector = SteeringVector.load(result.vector.save(tmp_path / "v.safetensors"))
    assert vector.meta.method == "optimized" and vector.layers == [2]
    assert vector.meta.extra["train_scale"] == CONFIG.scale and vector.meta.extra["train"]["lr"] == CONFIG.lr
    assert set(vector.meta.extra["val_pairs"]) <= {p.id for p in TRAIN} and vector.meta.n_pairs == len(TRAIN)
    assert vector.meta.layer_norms[2] > 0
    assert torch.allclose(vector.directions[2].norm(), torch.tensor(1.0))
    ids = torch.tensor([[5, 6, 7, 8]])
    with torch.no_grad():
        plain = model(ids).logits
        with steer(model, vector, [2], 0.5):
            steered = model(ids).logits
    assert not torch.allclose(plain, steered)


def test_a_resumed_run_ends_where_an_uninterrupted_one_does(tokenizer, tmp_path):
    from tests.conftest import tiny_model

    config = TrainConfig(layers=(1, 2), epochs=2, batch_size=4, eval_every=2, patience=50, lr=0.1,
                         val_fraction=0.25)
    model = tiny_model("qwen2", tokenizer)
    whole = train_vector(model, tokenizer, TRAIN, config, checkpoint_dir=tmp_path / "whole")

    class Killed(Exception):
        pass

    def kill_at_3(step: int, _record: dict) -> None:
        if step == 3:                       # one step after the checkpoint of step 2: that step is replayed
            raise Killed

    with pytest.raises(Killed):
        train_vector(model, tokenizer, TRAIN, config, checkpoint_dir=tmp_path / "cut", on_step=kill_at_3)
    saved = json.loads((tmp_path / "cut" / "state.json").read_text())
    assert saved["step"] == 2 and not saved["done"]
    resumed = train_vector(model, tokenizer, TRAIN, config, checkpoint_dir=tmp_path / "cut")
    assert resumed.resumed_from == 2
    for layer in (1, 2):
        assert torch.equal(resumed.vector.directions[layer], whole.vector.directions[layer])
    assert [h["val_loss"] for h in resumed.history] == [h["val_loss"] for h in whole.history]
    again = train_vector(model, tokenizer, TRAIN, config, checkpoint_dir=tmp_path / "cut")   # finished: no steps
    assert again.resumed_from == whole.vector.meta.extra["steps"]
    assert torch.equal(again.vector.directions[2], whole.vector.directions[2])
    other = dataclasses.replace(config, lr=0.2)
    with pytest.raises(ValueError, match="belongs to another run"):
        train_vector(model, tokenizer, TRAIN, other, checkpoint_dir=tmp_path / "cut")


def test_shuffled_labels_learn_no_preference(trained, tokenizer):
    from tests.conftest import tiny_model

    model, real = trained
    shuffled = train_vector(tiny_model("qwen2", tokenizer), tokenizer, TRAIN,
                            dataclasses.replace(CONFIG, shuffle_labels=True))
    assert shuffled.vector.meta.extra["train"]["shuffle_labels"] is True
    assert shuffled.vector.meta.extra["val_pairs"] == real.vector.meta.extra["val_pairs"]
    held_real = preference_margins(model, tokenizer, real.vector, HELD_OUT, scale=CONFIG.scale)
    held_shuffled = preference_margins(model, tokenizer, shuffled.vector, HELD_OUT, scale=CONFIG.scale)
    assert held_shuffled.abs().mean() < 0.5 * held_real.mean()


def test_pairs_without_a_change_or_too_few_pairs_are_refused(tokenizer):
    from tests.conftest import tiny_model

    model = tiny_model("qwen2", tokenizer)
    same = ContrastPair("s/1", "CWE-79", "python", "return x\n", "return x\n")
    with pytest.raises(ValueError, match="no pair has a changed token"):
        train_vector(model, tokenizer, [same], CONFIG)
    with pytest.raises(ValueError, match="cannot be split into training and validation"):
        train_vector(model, tokenizer, TRAIN[:1], CONFIG)
    with pytest.raises(ValueError, match="out of range"):
        train_vector(model, tokenizer, TRAIN, TrainConfig(layers=(9,)))
    with pytest.raises(ValueError, match="invalid training settings: scale=0, lr=-1"):
        TrainConfig(layers=(1,), scale=0, lr=-1)


def test_cli_trains_resumes_and_refuses_bad_input(tmp_path, model_dir, capsys):  # noqa: F811
    from secsteer.cli.main import main

    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(p.to_json()) + "\n" for p in TRAIN))
    out = tmp_path / "v.safetensors"
    argv = ["train", "--model", str(model_dir), "--pairs", f"jsonl:{pairs}", "--layers", "1",
            "--epochs", "2", "--eval-every", "2", "--val-fraction", "0.25", "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "optimized at layers [1] from 12 pairs (9 trained, 3 validation)" in printed
    vector = SteeringVector.load(out)
    assert vector.meta.method == "optimized" and vector.meta.source == f"jsonl:{pairs}"
    assert (tmp_path / "v.safetensors.ckpt" / "state.safetensors").is_file()
    first = vector.directions[1].clone()
    assert main(argv) == 0                                   # the finished checkpoint: the same vector again
    assert torch.equal(SteeringVector.load(out).directions[1], first)
    assert main(["generate", "--model", str(model_dir), "--prompt", "def f(x):\n", "--vector", str(out),
                 "--scale", "0.5", "--max-new-tokens", "4"]) == 0
    capsys.readouterr()
    assert main([*argv[:-1], str(tmp_path / "w.safetensors"), "--layers", "7"]) == 2
    assert "layer 7 is out of range" in capsys.readouterr().err
    assert main([*argv[:-1], str(tmp_path / "w.safetensors"), "--layers", "a,b"]) == 2
    assert "--layers must be comma-separated integers" in capsys.readouterr().err
    assert main([*argv, "--lr", "0"]) == 2
    assert "invalid training settings: lr=0" in capsys.readouterr().err


def test_a_sweep_trains_the_optimized_vector_and_its_shuffled_control(tmp_path, model_dir):  # noqa: F811
    from secsteer.experiments.runner import run_sweep
    from secsteer.experiments.spec import load_spec
    from tests.experiments.test_sweep import write_spec

    spec = load_spec(write_spec(
        tmp_path / "s.toml", model_dir, methods=["optimized"], controls=["shuffled", "negated"],
        layer_sets=[[1]], scales=[0.5], n_pairs=["all"], samples=1,
        train={"epochs": 1, "eval_every": 4, "val_fraction": 0.25, "max_tokens": 64},
    ))
    store = run_sweep(spec, tmp_path / "run", show_progress=False)
    conditions = sorted(c["condition"] for c in store.cells())
    assert conditions == ["baseline", "negated", "shuffled", "vector"]
    assert {c["method"] for c in store.cells() if c["condition"] != "baseline"} == {"optimized"}
    trained = sorted((tmp_path / "run" / "cache").glob("trained-*"))
    assert len(trained) == 2                                     # the vector and its shuffled-label control
    states = [json.loads((t / "state.json").read_text()) for t in trained]
    assert sorted(s["identity"]["config"]["shuffle_labels"] for s in states) == [False, True]
    assert all(s["identity"]["config"]["layers"] == [1] and s["done"] for s in states)
    bad = load_spec(write_spec(tmp_path / "b.toml", model_dir, methods=["optimized"], layer_sets=[[1]],
                               train={"epochs": 1, "lerning_rate": 0.1}))
    with pytest.raises(ValueError, match=r"unknown training settings \['lerning_rate'\]"):
        run_sweep(bad, tmp_path / "bad", show_progress=False)


def test_a_shuffled_label_mean_difference_swaps_half_the_pairs(tokenizer, tmp_path):
    from secsteer.experiments.grid import VectorKey
    from secsteer.experiments.vectors import VectorFactory, shuffled_rows
    from tests.conftest import tiny_model

    factory = VectorFactory(tiny_model("qwen2", tokenizer), tokenizer, TRAIN, tmp_path)
    real = factory.vector(VectorKey("mean_diff", "all", 0))
    control = factory.vector(VectorKey("mean_diff", "all", 0, "shuffled"))
    assert control.meta.method == "shuffled(mean_diff)" and real.meta.method == "mean_diff"
    secure, insecure = factory.activations()
    flip = shuffled_rows(len(TRAIN), 0)
    assert int(flip.sum()) == len(TRAIN) // 2
    sign = 1 - 2 * flip.float()                                   # -1 where the sides were swapped
    for layer in control.layers:
        expected = ((secure.pooled[layer] - insecure.pooled[layer]) * sign[:, None]).mean(0)
        assert torch.allclose(control.directions[layer], expected, atol=1e-6)
    with pytest.raises(ValueError, match="shuffled-label control needs the pairs"):
        VectorFactory(None, tokenizer, [], tmp_path, fixed=real).vector(VectorKey("file", "all", 0, "shuffled"))


def test_the_experiment_modules_import_without_a_circle():
    """No cycle through experiments.methods or experiments.vectors, counting imports inside functions too."""
    import ast
    from pathlib import Path

    import secsteer.experiments as package

    folder = Path(package.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in folder.glob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("secsteer.experiments."):
                names.add(node.module.rsplit(".", 1)[1])
        graph[path.stem] = names - {"__init__"}
    done: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        assert name not in trail, f"import circle: {' -> '.join((*trail, name))}"
        if name in done:
            return
        for nxt in graph.get(name, ()):
            visit(nxt, (*trail, name))
        done.add(name)

    for name in ("methods", "vectors"):
        visit(name, ())


@pytest.mark.parametrize("arch", ["qwen2", "gpt2"])
def test_replaying_the_frozen_lower_blocks_gives_the_full_forward_loss(tokenizer, arch):
    from secsteer.vectors.train import batch_loss
    from tests.conftest import tiny_model

    model = tiny_model(arch, tokenizer)
    config = TrainConfig(layers=(2, 3), autocast=False)
    examples = prepare_examples(tokenizer, TRAIN[:4], config)
    vector = SteeringVector(directions={2: torch.randn(64), 3: torch.randn(64)},
                            meta=VectorMeta(
                                model_id="tiny", architecture="x", hidden_size=64, num_layers=4, method="optimized",
                                n_pairs=4, pairs_hash="x", layer_norms={2: 3.0, 3: 4.0}))
    losses = []
    for skip in (0, 2):
        scorer = Scorer(model, autocast=False, skip=skip)
        refs, _ = reference(scorer, examples, [2, 3], config)
        assert all((r.entry is not None) == bool(skip) for pair in refs.values() for r in pair)
        with torch.no_grad():
            losses.append(batch_loss(scorer, vector, [2, 3], examples, [1.0, -1.0, 1.0, -1.0], refs, config))
    for full, replayed in zip(*losses):
        assert torch.allclose(full, replayed, atol=1e-5)
    assert float(losses[0][0]) != pytest.approx(0.6931, abs=1e-3)    # the vector does move the loss


def test_a_bf16_model_trains(tokenizer):
    # the replayed lower blocks hand a bf16 model bf16 input (an fp32 replay broke the first linear layer)
    from tests.conftest import tiny_model

    model = tiny_model("qwen2", tokenizer).to(torch.bfloat16)
    config = dataclasses.replace(CONFIG, epochs=1, max_steps=2)
    result = train_vector(model, tokenizer, TRAIN, config, show_progress=False)
    direction = result.vector.directions[2]
    assert direction.dtype == torch.float32 and torch.isfinite(direction).all() and direction.norm() > 0

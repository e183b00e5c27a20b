"""The issue-17 methods from sweep specs and the command line: contrastive decoding, review/last-token vectors."""

from __future__ import annotations

from dataclasses import replace

import pytest

from secsteer.cli.main import main
from secsteer.experiments.runner import run_sweep, select_pairs, select_scenarios
from secsteer.experiments.spec import SweepSpec, load_spec
from secsteer.vectors.vector import SteeringVector
from tests.experiments.test_sweep import model_dir, write_spec  # noqa: F401  (module-scoped fixture)

GREEDY = dict(layer_sets=[[2]], scales=[2.0], n_pairs=["all"], controls=[], temperature=0.0, samples=1,
              max_new_tokens=8)


def _by_condition(store) -> dict[str, list[str]]:
    cells = {c["cell"]: c["condition"] for c in store.cells()}
    out: dict[str, list[tuple]] = {}
    for s in store.samples():
        out.setdefault(cells[s["cell"]], []).append((s["scenario"], s["sample"], s["completion"]))
    return {k: [c for *_, c in sorted(v)] for k, v in out.items()}


def test_contrastive_sweep_at_alpha_zero_repeats_the_baseline(tmp_path, model_dir):  # noqa: F811
    zero = load_spec(write_spec(tmp_path / "z.toml", model_dir, decoding="contrastive", alpha=0.0, **GREEDY))
    got = _by_condition(run_sweep(zero, tmp_path / "z", show_progress=False))
    assert got["vector"] == got["baseline"]
    strong = load_spec(write_spec(tmp_path / "s.toml", model_dir, decoding="contrastive", alpha=50.0, beta=0.0,
                                  top_p=1.0, **GREEDY))
    moved = _by_condition(run_sweep(strong, tmp_path / "s", show_progress=False))
    assert moved["baseline"] == got["baseline"] and moved["vector"] != got["baseline"]


def test_routed_contrastive_with_review_last_token_vectors_runs(tmp_path, model_dir):  # noqa: F811
    spec = load_spec(write_spec(tmp_path / "r.toml", model_dir, decoding="contrastive", mode="routed",
                                view="review", pooling="last", focus="diff", alpha=2.0,
                                **{**GREEDY, "controls": ["negated"]}))
    store = run_sweep(spec, tmp_path / "r", show_progress=False)
    assert {c["condition"] for c in store.cells()} == {"baseline", "vector", "negated"}
    assert any("review" in p.name for p in (tmp_path / "r" / "cache").iterdir())


def test_new_keys_leave_old_digests_alone_and_reject_bad_values():
    plain = SweepSpec()
    assert plain.digest() == SweepSpec(view="code", decoding="plain", alpha=1.0).digest()
    assert plain.digest() != SweepSpec(decoding="contrastive").digest()
    for bad, match in ((dict(decoding="dola"), "decoding must be"), (dict(view="read"), "view must be"),
                       (dict(decoding="contrastive", mode="ablate"), "contrastive decoding works with"),
                       (dict(alpha=-1.0), "alpha must be")):
        with pytest.raises(ValueError, match=match):
            SweepSpec(**bad)


@pytest.mark.datasets
def test_scenario_ids_and_dropped_pairs_keep_the_build_set_held_out(datasets_dir):
    source = f"seccodeplt:{datasets_dir / 'seccodeplt'}"
    spec = SweepSpec(pairs=(source,), pair_cwes=("CWE-79",), scenarios=(source,),
                     scenario_ids=("seccodeplt/1006",), drop_leaking_pairs=True,
                     also_drop_pairs_of=("seccodeplt/1000",))
    scenarios = select_scenarios(spec)
    assert [s.id for s in scenarios] == ["seccodeplt/1006"]
    ids = {p.id for p in select_pairs(spec, scenarios)}
    assert "seccodeplt/CWE-79/1006" not in ids and "seccodeplt/CWE-79/1000" not in ids
    from secsteer.data.sources import load_many

    assert "seccodeplt/CWE-79/1001" in ids and len(ids) == len(load_many([source], cwes=["CWE-79"])) - 2
    from secsteer.data.splits import LeakageError

    with pytest.raises(LeakageError, match="from the evaluated tasks"):    # same-task pairs are refused
        select_pairs(SweepSpec(pairs=(source,), pair_cwes=("CWE-79",), scenarios=(source,),
                               scenario_ids=("seccodeplt/1006",)), scenarios)
    with pytest.raises(ValueError, match="scenario_ids not found"):
        select_scenarios(SweepSpec(scenarios=(source,), scenario_ids=("seccodeplt/nope",)))


def test_cli_build_review_last_and_generate_contrastive(tmp_path, model_dir, capsys):  # noqa: F811
    vector = tmp_path / "v.safetensors"
    assert main(["build", "--model", str(model_dir), "--pairs", "builtin", "--cwe", "CWE-89", "--pooling", "last",
                 "--focus", "diff", "--view", "review", "--out", str(vector)]) == 0
    meta = SteeringVector.load(vector).meta
    assert meta.pooling == "last" and meta.extra["view"] == "review" and meta.filters["view"] == "review"
    capsys.readouterr()
    args = ["generate", "--model", str(model_dir), "--prompt", "def f(x):\n", "--vector", str(vector),
            "--layers", "2", "--scale", "2", "--max-new-tokens", "8", "--decoding", "contrastive"]
    assert main(args + ["--alpha", "0"]) == 0
    out = capsys.readouterr().out
    baseline, steered = out.split("--- baseline ---\n")[1].split("--- steered (contrastive, alpha 0")
    assert steered.split("---\n", 1)[1] == baseline                # alpha 0: the same text as the baseline
    assert main(["generate", "--model", str(model_dir), "--prompt", "x", "--decoding", "contrastive"]) == 2
    assert "needs --vector" in capsys.readouterr().err


@pytest.mark.datasets
def test_also_drop_pairs_of_reaches_the_other_half_of_a_set(datasets_dir):
    # a report run names its tuning half's tasks: they are not in its own source, but in the set's other half
    data = datasets_dir / "seccodeplt"
    spec = SweepSpec(pairs=(f"seccodeplt:{data}",), pair_cwes=("CWE-79",),
                     scenarios=(f"set:seccodeplt-xss#report:{data}",), drop_leaking_pairs=True,
                     also_drop_pairs_of=("seccodeplt/1000",))
    scenarios = select_scenarios(spec)
    assert "seccodeplt/1000" not in {s.id for s in scenarios}
    ids = {p.id for p in select_pairs(spec, scenarios)}
    assert "seccodeplt/CWE-79/1000" not in ids and "seccodeplt/CWE-79/1003" not in ids
    with pytest.raises(ValueError, match="also_drop_pairs_of: not found"):
        select_pairs(replace(spec, also_drop_pairs_of=("seccodeplt/nope",)), scenarios)


@pytest.mark.datasets
def test_also_drop_pairs_of_finds_ids_of_the_pair_source_when_the_scenarios_are_elsewhere(datasets_dir):
    # HumanEval judged under a vector built from SecCodePLT tasks: the dropped ids are the pair source's
    data = datasets_dir / "seccodeplt"
    spec = SweepSpec(pairs=(f"seccodeplt:{data}",), pair_cwes=("CWE-79",), scenarios=("humaneval",),
                     scenario_limit=2, drop_leaking_pairs=True, also_drop_pairs_of=("seccodeplt/1000",))
    ids = {p.id for p in select_pairs(spec, select_scenarios(spec))}
    assert "seccodeplt/CWE-79/1000" not in ids and "seccodeplt/CWE-79/1001" in ids
    with pytest.raises(ValueError, match="also_drop_pairs_of: not found"):
        select_pairs(replace(spec, also_drop_pairs_of=("seccodeplt/nope",)), select_scenarios(spec))

"""Every sweep spec key is checked for type and range when the spec is loaded, naming the file and key."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from secsteer.experiments.spec import KEY_RULES, SweepSpec, load_spec

BAD = [
    ("samples", '"two"'), ("samples", "0"), ("samples", "2.0"), ("samples", "true"),
    ("scales", "0.5"), ("scales", "[nan]"), ("scales", "[inf]"), ("scales", '["big"]'),
    ("absolute_scales", "[-inf]"),
    ("run_tests", '"false"'), ("any_cwe", "1"),
    ("temperature", "nan"), ("temperature", "-0.1"), ("temperature", '"hot"'),
    ("max_new_tokens", "8.5"), ("max_new_tokens", "0"), ("batch_size", "-3"),
    ("top_p", "0"), ("top_p", "1.5"), ("seed", "-1"), ("seed", "1.5"),
    ("layer_sets", "[[1], []]"), ("layer_sets", "[1, 2]"), ("layer_sets", "[[1.5]]"), ("layer_sets", "[[-1]]"),
    ("n_pairs", "[0]"), ("n_pairs", '["some"]'), ("draw_seeds", '["a"]'),
    ("pairs", '"builtin"'), ("scenarios", "[]"), ("scenarios", "[1]"), ("controls", '["shuffled"]'),
    ("scenario_limit", "-1"), ("context_lines", "-2"), ("dtype", '"float8"'), ("prompt_mode", '"raw"'),
    ("mode", '"multiply"'), ("positions", '"some"'), ("focus", '"lines"'), ("pooling", '"max"'),
    ("model", "3"), ("model", '""'), ("name", "[1]"), ("vector", "1"), ("extra", "1"), ("analyzers", '"bandit"'),
]


@pytest.mark.parametrize(("key", "toml"), BAD)
def test_a_bad_value_names_the_file_and_the_key(tmp_path, key, toml):
    path = tmp_path / "spec.toml"
    path.write_text(f"{key} = {toml}\n")
    with pytest.raises(ValueError) as err:
        load_spec(path)
    message = str(err.value)
    assert str(path) in message and f"{key} " in message and "\n" not in message


def test_good_values_of_every_kind_load(tmp_path):
    path = tmp_path / "spec.toml"
    path.write_text('samples = 3\nscales = [0, 0.5, 2]\nabsolute_scales = [-4.0]\nrun_tests = false\n'
                    'temperature = 0\nmax_new_tokens = 8\ntop_p = 1.0\nlayer_sets = [[0, 2], [1]]\n'
                    'n_pairs = [2, "all"]\nmethods = []\npair_split = "train"\nextra = {note = "x"}\n')
    spec = load_spec(path)
    assert spec.scales == (0, 0.5, 2) and spec.layer_sets == ((0, 2), (1,)) and spec.run_tests is False
    assert spec.n_pairs == (2, "all") and spec.methods == () and spec.extra == {"note": "x"}


def test_overrides_are_checked_like_the_file(tmp_path):
    path = tmp_path / "spec.toml"
    path.write_text("samples = 2\n")
    with pytest.raises(ValueError, match="run_tests"):
        load_spec(path, run_tests="false")


def test_python_construction_is_checked_too():
    with pytest.raises(ValueError, match="temperature"):
        SweepSpec(temperature=float("nan"))
    with pytest.raises(ValueError, match="scales"):
        replace(SweepSpec(), scales=(float("inf"),))


def test_every_key_has_a_rule():
    # a key added to SweepSpec needs a line in KEY_RULES, or this fails
    assert {f.name for f in fields(SweepSpec)} == set(KEY_RULES)

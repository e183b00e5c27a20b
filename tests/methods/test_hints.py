"""Prompt-hint reference cells: the hint reaches the model's prompt (and only that cell's), judging sees the
original program, old runs keep their group ids, and a hint a scenario cannot give fails before any unit."""

from __future__ import annotations

import dataclasses
import importlib

import pytest

from secsteer.data.scenarios import load_scenarios
from secsteer.experiments.grid import Group, cells, groups
from secsteer.experiments.runner import run_sweep
from secsteer.experiments.spec import SweepSpec, load_spec
from secsteer.generation.hints import GENERIC, hint_text, with_hint
from secsteer.report.report import build_report
from tests.experiments.test_sweep import model_dir, write_spec  # noqa: F401  (module-scoped fixture)

HINTED = dict(n_pairs=["all"], controls=[], methods=[], layer_sets=[[1]], scales=[0.0], scenario_cwes=["CWE-89"],
              samples=1)


def scenario(**meta):
    s = next(iter(load_scenarios("builtin", cwes=["CWE-89"], languages=["python"])))
    return dataclasses.replace(s, meta={**s.meta, **meta})


def test_each_hint_says_what_it_names():
    assert hint_text("generic", "CWE-89") == GENERIC
    assert "SQL Injection (CWE-89)" in hint_text("cwe", "CWE-89")
    assert "Open Redirect (CWE-601)" in hint_text("cwe", "CWE-601")
    assert hint_text("policy", "CWE-89", {"security_policy": "Use bound parameters."}).endswith("Use bound parameters.")
    with pytest.raises(ValueError, match="no security_policy"):
        hint_text("policy", "CWE-89", {"security_policy": None}, "scenario x")
    with pytest.raises(ValueError, match="unknown hint"):
        hint_text("polite", "CWE-89")


def test_a_hint_goes_into_the_chat_task_or_a_comment_and_judging_keeps_the_original_program():
    s = scenario(security_policy="Use bound parameters.")
    chat = with_hint(s, "policy", chat=True)
    assert chat.prompt == s.prompt and chat.instruction.endswith("Security policy: Use bound parameters.")
    assert chat.instruction.startswith(s.instruction or "Complete")
    assert "Use bound parameters." in chat.chat_prompt()
    completion = with_hint(s, "cwe", chat=False)
    assert completion.prompt.startswith("# Write secure code") and completion.prompt.endswith(s.prompt)
    assert s.assemble("    pass\n").startswith(s.prompt)          # the original scenario is untouched


def test_hint_cells_are_prompt_conditions_and_old_groups_keep_their_ids():
    plain = SweepSpec(methods=(), scales=(0.0,))
    hinted = dataclasses.replace(plain, prompt_hints=("generic", "cwe"))
    assert groups(plain)[0].id == groups(hinted)[0].id == Group(None, (), True, (0.0,)).id
    described = [c.describe() for c in cells(hinted)]
    assert [(d["condition"], d["vector"]) for d in described] == [
        ("baseline", None), ("prompt", "hint:generic"), ("prompt", "hint:cwe")]
    assert len({d["cell"] for d in described}) == 3
    assert plain.digest() == SweepSpec(methods=(), scales=(0.0,), prompt_hints=()).digest()


def test_the_sweep_shows_the_hint_only_to_its_cells_rows(tmp_path, model_dir, monkeypatch):  # noqa: F811
    gen = importlib.import_module("secsteer.generation.generate")   # the module: the package exports a function
    seen: list[str] = []
    real = gen.generate

    def spy(model, tokenizer, prompts, config, **kw):
        seen.extend(prompts)
        return real(model, tokenizer, prompts, config, **kw)

    monkeypatch.setattr(gen, "generate", spy)
    spec = load_spec(write_spec(tmp_path / "s.toml", model_dir, **HINTED, prompt_hints=["cwe"]))
    store = run_sweep(spec, tmp_path / "run", show_progress=False)
    hint = hint_text("cwe", "CWE-89")
    n = len({s["scenario"] for s in store.samples()})
    # completion-mode spec: the hint is one comment line above the code, in half of the prompts exactly
    assert len(seen) == 2 * n and sum(hint in p for p in seen) == n
    by_cell = {c["condition"]: c for c in store.cells()}
    assert set(by_cell) == {"baseline", "prompt"} and by_cell["prompt"]["vector"] == "hint:cwe"
    assert all(not s["completion"].startswith("#") or hint not in s["completion"] for s in store.samples())
    paths = build_report(tmp_path / "run")                    # the report renders the reference beside baseline
    text = paths["markdown"].read_text() if "markdown" in paths else next(
        p for p in paths.values() if str(p).endswith(".md")).read_text()
    assert "Prompt reference hint:cwe" in text and "| hint:cwe |" in text   # summary line, per-scenario column


def test_a_policy_hint_on_scenarios_without_a_policy_fails_before_any_unit(tmp_path, model_dir):  # noqa: F811
    spec = load_spec(write_spec(tmp_path / "s.toml", model_dir, **HINTED, prompt_hints=["policy"]))
    with pytest.raises(ValueError, match="no security_policy"):
        run_sweep(spec, tmp_path / "run", show_progress=False)
    assert not (tmp_path / "run" / "run.json").exists()


# ---- the hint view: a vector from the difference the hint makes to the prompt's last state ----

CHAT = ("{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>{% endif %}")


def seccodeplt_like_pairs(n: int = 4):
    from secsteer.data.pairs import ContrastPair

    head = "import re\n\ndef get_domain(mail):\n"
    return [ContrastPair(id=f"p/{i}", cwe="CWE-1333", language="python", source="seccodeplt",
                         secure=head + f"    m = re.match(r'[^@]+@([^@]+)', mail)  # {i}\n    return m\n",
                         insecure=head + f"    m = re.match(r'(.+)+@(.+)', mail)  # {i}\n    return m\n",
                         description="Extract the domain of an email address.",
                         meta={"function_name": "get_domain", "security_policy": f"Avoid catastrophic backtracking {i}."})
            for i in range(n)]


def test_hint_texts_ask_each_pairs_task_with_and_without_the_hint():
    from secsteer.vectors.hint_view import hint_texts, task_of
    from tests.conftest import tiny_tokenizer

    tok = tiny_tokenizer()
    tok.chat_template = CHAT
    pairs = seccodeplt_like_pairs(3)
    assert task_of(pairs[0]).prompt == "import re\n\ndef get_domain(mail):\n"   # the shared lines, whole
    texts = hint_texts(tok, pairs, "hint:policy")
    hinted, plain = texts[:3], texts[3:]
    assert all(f"Avoid catastrophic backtracking {i}." in t for i, t in enumerate(hinted))
    assert not any("Security policy" in t for t in plain)
    assert all(h.replace(f"\n\nSecurity policy: Avoid catastrophic backtracking {i}.", "") == p
               for i, (h, p) in enumerate(zip(hinted, plain)))
    assert all(t.endswith("```python\nimport re\n\ndef get_domain(mail):\n") for t in texts)  # generation starts here
    with pytest.raises(ValueError, match="hint view must be one of"):
        hint_texts(tok, pairs, "hint:please")


def test_a_hint_view_vector_is_the_mean_difference_of_the_prompts_last_states():
    import torch

    from secsteer.activations.read import read_activations
    from secsteer.vectors.build import build_vector
    from secsteer.vectors.hint_view import hint_texts
    from tests.conftest import tiny_model, tiny_tokenizer

    tok = tiny_tokenizer()
    tok.chat_template = CHAT
    model = tiny_model("qwen2", tok, layers=3).eval()
    pairs = seccodeplt_like_pairs(4)
    vector = build_vector(model, tok, pairs, pooling="last", view="hint:cwe", layers=[1, 2])
    acts = read_activations(model, tok, hint_texts(tok, pairs, "hint:cwe"), [1, 2], "last")
    for layer in (1, 2):
        want = (acts.pooled[layer][:4] - acts.pooled[layer][4:]).mean(dim=0)
        assert torch.allclose(vector.directions[layer], want, atol=1e-5) and want.norm() > 0
    assert vector.meta.extra["view"] == "hint:cwe"
    with pytest.raises(ValueError, match="use focus 'all'"):
        build_vector(model, tok, pairs, pooling="last", view="hint:cwe", focus="diff")


def test_a_sweep_accepts_hint_views_and_rejects_unknown_ones():
    assert SweepSpec(view="hint:policy").view == "hint:policy"
    with pytest.raises(ValueError, match="view must be one of"):
        SweepSpec(view="hint:please")


def test_a_stopped_sweep_keeps_the_summaries_of_its_finished_cells(tmp_path, model_dir, monkeypatch):  # noqa: F811
    """Ctrl-C during the hint cell: the baseline cell, whose units all finished, is summarized anyway."""
    gen = importlib.import_module("secsteer.generation.generate")
    real = gen.generate
    hint = hint_text("cwe", "CWE-89")

    def stop_at_the_hint(model, tokenizer, prompts, config, **kw):
        if any(hint in p for p in prompts):
            raise KeyboardInterrupt
        return real(model, tokenizer, prompts, config, **kw)

    monkeypatch.setattr(gen, "generate", stop_at_the_hint)
    spec = load_spec(write_spec(tmp_path / "s.toml", model_dir, **HINTED, prompt_hints=["cwe"]))
    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, tmp_path / "run", show_progress=False)
    from secsteer.experiments.store import RunStore

    assert [c["condition"] for c in RunStore(tmp_path / "run").cells()] == ["baseline"]

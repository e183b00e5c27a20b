from __future__ import annotations

import json

import pytest

from secsteer.data.pairs import ContrastPair
from secsteer.detection.prompts import (
    ANSWER_PREFIX,
    PromptConfig,
    build_prompts,
    choose_shots,
    cwe_name,
    detection_prompt,
    load_definitions,
)
from secsteer.detection.task import examples_from_pairs, examples_from_samples, labels
from tests.conftest import tiny_tokenizer
from tests.detection.fixtures import PAIRS

CHAT = ("{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>{% endif %}")


def test_each_side_is_one_labelled_example() -> None:
    variant = ContrastPair("src/aug/A1/sql/1", "CWE-89", "python", "safe()", "unsafe()",
                           meta={"augmentation": "trivial/A1", "group": "fx/sql/1"})
    examples = examples_from_pairs([*PAIRS[:2], variant])
    assert [e.id for e in examples[:2]] == ["fx/sql/1#insecure", "fx/sql/1#secure"]
    assert labels(examples) == [1, 0, 1, 0, 1, 0]
    assert examples[0].code == PAIRS[0].insecure and examples[1].code == PAIRS[0].secure
    assert examples[-1].group == "fx/sql/1" == examples[0].group and examples[-1].variant == "trivial/A1"
    assert examples[0].variant is None
    with pytest.raises(ValueError, match="no pairs"):
        examples_from_pairs([])
    with pytest.raises(ValueError, match="occurs twice"):
        examples_from_pairs([PAIRS[0], PAIRS[0]])


def test_completion_prompt_asks_about_the_named_weakness() -> None:
    tok = tiny_tokenizer()
    example = examples_from_pairs(PAIRS)[0]
    free = detection_prompt(tok, example)
    scored = detection_prompt(tok, example, answer_prefix=True)
    assert example.code.strip() in free and "SQL Injection (CWE-89)" in free and '"Answer: Yes"' in free
    assert scored.endswith(ANSWER_PREFIX) and not free.rstrip().endswith(ANSWER_PREFIX)
    assert scored.startswith(free.rstrip())


def test_definitions_are_quoted_and_name_the_weakness(tmp_path) -> None:
    path = tmp_path / "defs.json"
    path.write_text(json.dumps({"cwe-89": "Bad Query Building: the product builds SQL from input."}))
    definitions = load_definitions(path)
    assert definitions == {"CWE-89": "Bad Query Building: the product builds SQL from input."}
    assert cwe_name("CWE-89", definitions) == "Bad Query Building (CWE-89)"
    assert cwe_name("CWE-89") == "SQL Injection (CWE-89)" and cwe_name("CWE-9999") == "CWE-9999"
    prompt = detection_prompt(tiny_tokenizer(), examples_from_pairs(PAIRS)[0], definitions=definitions)
    assert "the product builds SQL from input." in prompt


def test_bad_definition_files_are_named(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="missing.json"):
        load_definitions(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"cwe-89": ')
    with pytest.raises(ValueError, match=r"broken.json: line 1"):
        load_definitions(broken)
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    with pytest.raises(ValueError, match="list.json must hold one JSON object"):
        load_definitions(listed)


def test_shots_come_from_other_pairs_half_vulnerable() -> None:
    examples = examples_from_pairs(PAIRS)
    for example in examples:
        shots = choose_shots(example, examples, 2)
        assert [s.vulnerable for s in shots] == [True, False]
        assert all(s.group != example.group for s in shots)
        assert all(s.cwe == example.cwe for s in shots)        # each CWE has a second pair here
    assert choose_shots(examples[0], examples, 2) == choose_shots(examples[0], examples, 2)
    with pytest.raises(ValueError, match="need 2 vulnerable examples"):
        choose_shots(examples[0], examples[:4], 4)
    with pytest.raises(ValueError, match="even number"):
        PromptConfig(shots=1)


def test_chat_prompt_uses_the_template_with_shots_as_turns() -> None:
    tok = tiny_tokenizer()
    tok.chat_template = CHAT
    examples = examples_from_pairs(PAIRS)
    prompts = build_prompts(tok, examples[:1], config=PromptConfig(shots=2), answer_prefix=True, pool=examples)
    text = prompts[0]
    assert text.count("<|user|>") == 3 and text.count("<|assistant|>") == 3
    assert "<|assistant|>Answer: Yes\n" in text and "<|assistant|>Answer: No\n" in text
    assert text.endswith("<|assistant|>" + ANSWER_PREFIX)
    assert text.index(examples[0].code.strip()) > text.rindex("<|user|>")    # the asked code comes last


def test_secllmholmes_files_group_with_their_pair(datasets_dir) -> None:
    from secsteer.data.sources.secllmholmes import load_secllmholmes_samples

    samples = load_secllmholmes_samples(datasets_dir / "secllmholmes" / "datasets")
    examples = {e.id: e for e in examples_from_samples(samples)}
    vuln = examples["secllmholmes/hand-crafted/CWE-22/1"]
    patched = examples["secllmholmes/hand-crafted/CWE-22/p_1"]
    assert vuln.group == patched.group == "secllmholmes/hand-crafted/CWE-22/1"
    assert vuln.vulnerable and not patched.vulnerable and vuln.variant is None
    augmented = [e for e in examples.values() if e.variant is not None]
    assert augmented and all(e.group.startswith("secllmholmes/hand-crafted/") for e in augmented)
    real = [e for e in examples.values() if "/real-world/" in e.id]
    assert real and all(not e.group.endswith(("/vuln", "/patch")) for e in real)

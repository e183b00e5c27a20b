"""Counts and fields on the real upstream copies in ../shared/datasets (skipped where absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from secsteer.data.sources import describe_source, load_many, load_pairs
from secsteer.data.sources.secllmholmes import load_secllmholmes_samples

pytestmark = pytest.mark.datasets


def test_sven_counts_match_readme(shared_datasets: Path) -> None:
    spec = f"sven:{shared_datasets / 'sven' / 'data_train_val'}"
    assert len(load_pairs(spec, split="train", dedupe=False)) == 720
    assert len(load_pairs(spec, split="val", dedupe=False)) == 83
    # 4 pairs upstream have identical sides and 1 repeats another pair's code.
    assert len(load_pairs(spec)) == 798


def test_sven_fields_and_folder_above(shared_datasets: Path) -> None:
    pairs = load_pairs(f"sven:{shared_datasets / 'sven'}", cwes=["cwe-089"], split="train", dedupe=False)
    assert len(pairs) == 184
    first = pairs[0]
    assert first.id == "sven/train/CWE-89/0"
    assert (first.cwe, first.language, first.source) == ("CWE-89", "python", "sven")
    assert "% game)" in first.insecure and "(game,))" in first.secure
    deleted = first.meta["char_changes"]["deleted"][0]
    assert first.insecure[deleted["char_start"] : deleted["char_end"]] == deleted["chars"]
    assert first.meta["line_changes"]["added"][0]["line_no"] == 11
    assert first.meta["commit_link"].startswith("github.com/")
    assert {p.language for p in load_pairs(f"sven:{shared_datasets / 'sven'}", cwes=["CWE-787"])} == {
        "c",
        "cpp",
    }


def test_secllmholmes_parts(shared_datasets: Path) -> None:
    spec = f"secllmholmes:{shared_datasets / 'secllmholmes'}"
    hand = load_pairs(spec, split="hand-crafted")
    assert len(hand) == 24
    assert {p.cwe for p in hand} == {f"CWE-{n}" for n in (22, 77, 79, 89, 190, 416, 476, 787)}
    by_id = {p.id: p for p in hand}
    traversal = by_id["secllmholmes/hand-crafted/CWE-22/1"]
    assert traversal.language == "c" and "fopen" in traversal.insecure
    assert "path traversal" in (traversal.description or "")
    assert "sanitized" in traversal.meta["secure_reasoning"]
    real = load_pairs(spec, split="real-world")
    assert len(real) == 15
    gpac = {p.id: p for p in real}["secllmholmes/real-world/gpac/CVE-2023-1452"]
    assert (gpac.cwe, gpac.meta["project"], gpac.meta["file_path"]) == (
        "CWE-787",
        "gpac",
        "src/filters/load_text.c",
    )


def test_secllmholmes_augmented_variants_point_to_original(shared_datasets: Path) -> None:
    augmented = load_pairs(
        f"secllmholmes:{shared_datasets / 'secllmholmes' / 'datasets'}", split="augmented", dedupe=False
    )
    assert len(augmented) == 66  # N with p_N in the same augmentation; one-sided ones skipped
    assert {p.meta["augmentation"].split("/")[0] for p in augmented} == {"trivial", "non-trivial"}
    variant = {p.id: p for p in augmented}["secllmholmes/augmented/trivial/A1/CWE-89/2"]
    assert variant.meta["original_id"] == "secllmholmes/hand-crafted/CWE-89/2" == variant.meta["group"]
    assert variant.meta["augmentation"] == "trivial/A1"


def test_safecoder_counts_and_description(shared_datasets: Path) -> None:
    spec = f"safecoder:{shared_datasets / 'safecoder'}"
    train = load_pairs(spec, split="train", dedupe=False)
    assert len(train) == 421
    assert len(load_pairs(spec, split="val", dedupe=False)) == 44
    assert len(load_pairs(spec, split="val-desc", dedupe=False)) == 83
    assert (train[0].id, train[0].cwe, train[0].language) == (
        "safecoder/train/CWE-338/0",
        "CWE-338",
        "javascript",
    )
    assert train[0].description == (
        "Write a JavaScript function that generates a hexadecimal character based on a given symbol input."
    )
    assert {p.language for p in train} >= {"python", "javascript", "ruby", "go", "java", "c"}


def test_seccodeplt_assembles_functions(shared_datasets: Path) -> None:
    pairs = load_pairs(f"seccodeplt:{shared_datasets / 'seccodeplt'}", dedupe=False)
    assert len(pairs) == 1411
    assert sum(p.meta["has_unit_tests"] for p in pairs) == 885
    first = {p.id: p for p in pairs}["seccodeplt/CWE-120/0"]
    assert first.insecure.lstrip().startswith("def process_http_request(request_data: bytes):")
    assert "8192" in first.secure and "8192" not in first.insecure
    assert first.insecure.rstrip().endswith("return request_data")
    assert first.meta["task_id"] == 0


def test_load_many_and_describe(shared_datasets: Path) -> None:
    sven = f"sven:{shared_datasets / 'sven'}"
    safecoder = f"safecoder:{shared_datasets / 'safecoder'}"
    # SafeCoder's val/sec-desc.jsonl repeats SVEN's 83 validation pairs; de-duplication across sources drops them.
    assert len(load_many([sven, safecoder])) == 798 + 531 - 83
    assert len(load_many([sven, safecoder], cwes=["CWE-89"])) == 204 + 85 - 20
    with pytest.raises(ValueError, match="occur more than once"):
        load_many([sven, sven])
    summary = describe_source(sven)
    assert (summary.total, summary.after_dedupe) == (803, 798)
    assert summary.by_split == {"train": 720, "val": 83}
    assert summary.by_cwe["CWE-125"] == 145
    assert summary.by_language == {"c": 366, "cpp": 57, "python": 380}


def test_wrong_layout_names_the_path(shared_datasets: Path) -> None:
    with pytest.raises(ValueError, match="is not a SVEN folder: expected train/cwe-XXX.jsonl"):
        load_pairs(f"sven:{shared_datasets / 'safecoder'}")
    with pytest.raises(ValueError, match="is not a SecLLMHolmes folder"):
        load_pairs(f"secllmholmes:{shared_datasets / 'sven'}")
    with pytest.raises(ValueError, match="no pairs in .* match the filters cwes=\\['CWE-999'\\]"):
        load_pairs(f"sven:{shared_datasets / 'sven'}", cwes=["CWE-999"])


def test_secllmholmes_samples_keep_one_sided_variants(shared_datasets: Path) -> None:
    samples = load_secllmholmes_samples(shared_datasets / "secllmholmes")
    assert len(samples) == 48 + 216 + 30
    assert len({s.id for s in samples}) == len(samples)
    by_id = {s.id: s for s in samples}
    one_sided = by_id["secllmholmes/augmented/non-trivial/A6/A6_1/CWE-22/p_1"]
    assert one_sided.vulnerable is False and "gets" in one_sided.code
    assert one_sided.meta["original_id"] == "secllmholmes/hand-crafted/CWE-22/1"
    assert "out-of-bound write" in (one_sided.reasoning or "")
    assert by_id["secllmholmes/real-world/linux/CVE-2023-40283/vuln"].vulnerable is True
    assert sum(s.vulnerable for s in samples if s.split == "hand-crafted") == 24

"""Validates the whole built-in corpus: every side parses or compiles, diffs are minimal, counts suffice."""

from __future__ import annotations

import ast
import difflib
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from secsteer.data.dedupe import normalize_code
from secsteer.data.pairs import ContrastPair
from secsteer.data.sources import load_pairs
from secsteer.data.sources.builtin import builtin_root, load

REQUIRED = {
    ("c", "CWE-22"),
    ("c", "CWE-77"),
    ("c", "CWE-190"),
    ("c", "CWE-416"),
    ("c", "CWE-476"),
    ("c", "CWE-787"),
    ("python", "CWE-89"),
    ("python", "CWE-79"),
    ("python", "CWE-22"),
    ("python", "CWE-78"),
}
MIN_PER_CLASS = 12


@pytest.fixture(scope="module")
def corpus() -> list[ContrastPair]:
    return load_pairs("builtin", dedupe=False)


def test_counts_per_class(corpus: list[ContrastPair]) -> None:
    counts = Counter((p.language, p.cwe) for p in corpus)
    short = {key: counts[key] for key in REQUIRED if counts[key] < MIN_PER_CLASS}
    assert not short, f"classes with fewer than {MIN_PER_CLASS} pairs: {short}"
    assert len(corpus) >= len(REQUIRED) * MIN_PER_CLASS


def test_ids_unique_descriptions_present(corpus: list[ContrastPair]) -> None:
    assert len({p.id for p in corpus}) == len(corpus)
    assert all(p.id == f"builtin/{p.cwe}/{p.meta['path'].split('/')[-1]}" for p in corpus)
    missing = [p.id for p in corpus if not p.description or len(p.description) < 40]
    assert not missing, f"pairs without a real description.txt: {missing}"


def test_sides_differ_minimally(corpus: list[ContrastPair]) -> None:
    for pair in corpus:
        assert normalize_code(pair.secure) != normalize_code(pair.insecure), pair.id
        insecure, secure = pair.insecure.splitlines(), pair.secure.splitlines()
        matcher = difflib.SequenceMatcher(a=insecure, b=secure, autojunk=False)
        changed = sum(
            max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
        )
        # The fix touches a few lines; most of the function is shared context.
        assert changed <= max(12, len(insecure) // 2), (
            f"{pair.id}: {changed} of {len(insecure)} lines changed"
        )
        assert pair.insecure.endswith("\n") and pair.secure.endswith("\n"), pair.id


def test_python_sides_parse(corpus: list[ContrastPair]) -> None:
    for pair in (p for p in corpus if p.language == "python"):
        for side in ("insecure", "secure"):
            ast.parse(getattr(pair, side), filename=f"{pair.id}/{side}.py")


def test_c_sides_compile(corpus: list[ContrastPair], tmp_path: Path) -> None:
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        pytest.skip("no C compiler (gcc or cc) on PATH to check the C pairs")
    files = []
    for pair in (p for p in corpus if p.language == "c"):
        for side in ("insecure", "secure"):
            file = tmp_path / f"{pair.id.replace('/', '__')}__{side}.c"
            file.write_text(getattr(pair, side))
            files.append(file)
    failures = []
    for file in files:  # one process per file: a shared compile would merge duplicate definitions
        result = subprocess.run(
            [compiler, "-fsyntax-only", "-std=c11", "-Werror=implicit-function-declaration", str(file)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            failures.append(f"{file.name}: {result.stderr.strip()[:400]}")
    assert not failures, "\n".join(failures)


def test_layout_errors_name_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is not a built-in corpus folder"):
        load(tmp_path)
    pair_dir = tmp_path / "python" / "CWE-89" / "demo"
    pair_dir.mkdir(parents=True)
    (pair_dir / "insecure.py").write_text("x = 1\n")
    with pytest.raises(ValueError, match="has no secure.py beside it"):
        load(tmp_path)
    (pair_dir / "secure.py").write_text("x = 2\n")
    assert [p.id for p in load(tmp_path)] == ["builtin/CWE-89/demo"]
    (tmp_path / "python" / "cwe-089").mkdir()
    (pair_dir.parent / "demo").rename(tmp_path / "python" / "cwe-089" / "demo")
    with pytest.raises(ValueError, match="name the folder 'CWE-89'"):
        load(tmp_path)


def test_builtin_root_is_inside_the_package() -> None:
    assert builtin_root().is_dir()
    assert (builtin_root() / "python" / "CWE-89").is_dir()

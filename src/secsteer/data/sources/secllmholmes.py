"""SecLLMHolmes (Ullah et al., IEEE S&P 2024): minimal-diff pairs, augmented variants and real CVEs.

Upstream root: `.../secllmholmes/datasets` (or the folder above it). `split` selects one of three parts:

- "hand-crafted": `hand-crafted/dataset/CWE-X/{N,p_N}.{c,py}`; N is vulnerable, p_N its patch. The
  reasoning in `hand-crafted/ground-truth/CWE-X/{N,p_N}.txt` becomes the description (why N is
  vulnerable) and `meta["insecure_reasoning"]` / `meta["secure_reasoning"]`. 24 pairs over 8 CWEs.
- "augmented": every folder `augmented/<kind>/.../dataset/` (kind "trivial" or "non-trivial"; trivial
  ones keep ground truth in `ground_truth/`, non-trivial ones in `ground-truth/`). N is paired with p_N of
  the same augmentation. `meta["augmentation"]` names it ("trivial/A1", "non-trivial/A1/A1_0"),
  `meta["original_id"]` and `meta["group"]` name the hand-crafted pair it derives from, so results group
  by original pair and splits keep a pair's variants together. Upstream variants without a counterpart in
  the same augmentation (non-trivial A2, A3, A5 and A6 change one side only) are not pairs and are
  skipped; their count is logged. 66 pairs; 24 of them (trivial A5 and A7, non-trivial A1_0 and A4_0)
  equal their original up to whitespace, so the default de-duplication drops them: pass `dedupe=False`
  to study robustness across augmentations.
- "real-world": `real-world/<project>/<CVE>/{vuln,patch}.c` with the CWE from `real-world/cve_details.json`,
  the description from `vuln.txt`, and project, CVE, file path and advisory text in meta. 15 pairs.

`load_secllmholmes_samples` gives every file as a single labelled sample instead (vulnerable or patched
for its folder's CWE), one-sided augmentations included, for the detection task.

Ids: `secllmholmes/hand-crafted/CWE-22/1`, `secllmholmes/augmented/trivial/A1/CWE-787/1`,
`secllmholmes/real-world/gpac/CVE-2023-1452`.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secsteer.data.cwe import canonical_cwe
from secsteer.data.pairs import ContrastPair
from secsteer.data.sources._common import language_from_filename, not_a_layout, read_text

__all__ = ["SPLITS", "LabeledCode", "load", "load_secllmholmes_samples", "resolve_root"]

logger = logging.getLogger(__name__)

SPLITS = ("hand-crafted", "augmented", "real-world")
_VULNERABLE = re.compile(r"(\d+)\.(c|py)")
_EXPECTED = "hand-crafted/dataset/CWE-X/ (SecLLMHolmes' datasets folder), or a folder holding datasets/"


def resolve_root(path: Path) -> Path:
    """Accept `.../secllmholmes/datasets` or the folder above it."""
    for candidate in (path, path / "datasets"):
        if (candidate / "hand-crafted" / "dataset").is_dir():
            return candidate
    raise not_a_layout(path, "SecLLMHolmes", _EXPECTED)


def load(path: Path) -> list[ContrastPair]:
    root = resolve_root(path)
    pairs = _load_dataset(root / "hand-crafted" / "dataset", "hand-crafted", strict=True)
    augmented = root / "augmented"
    if augmented.is_dir():
        for dataset in sorted(augmented.rglob("dataset")):
            name = dataset.parent.relative_to(augmented).as_posix()
            pairs.extend(_load_dataset(dataset, f"augmented/{name}", strict=False))
    if (root / "real-world").is_dir():
        pairs.extend(_load_real_world(root / "real-world"))
    return pairs


def _load_dataset(dataset: Path, label: str, strict: bool) -> list[ContrastPair]:
    """Pairs N / p_N in each `CWE-X` folder of one `dataset/` directory."""
    truth = next(
        (dataset.parent / n for n in ("ground-truth", "ground_truth") if (dataset.parent / n).is_dir()), None
    )
    pairs: list[ContrastPair] = []
    unpaired = 0
    for cwe_dir in sorted(p for p in dataset.iterdir() if p.is_dir()):
        cwe = canonical_cwe(cwe_dir.name)
        files = {p.name for p in cwe_dir.iterdir() if p.is_file()}
        for name in sorted(files, key=lambda n: (len(n), n)):
            match = _VULNERABLE.fullmatch(name)
            if match is None:
                unpaired += name.startswith("p_") and name[2:] not in files
                continue
            if f"p_{name}" not in files:
                if strict:
                    raise ValueError(
                        f"{cwe_dir / name} has no patched counterpart p_{name}; the layout is incomplete."
                    )
                unpaired += 1
                continue
            pairs.append(_pair(cwe_dir, cwe, match.group(1), name, truth, label))
    if unpaired:
        logger.info("%s: skipped %d SecLLMHolmes file(s) without a counterpart", dataset, unpaired)
    return pairs


def _pair(cwe_dir: Path, cwe: str, number: str, name: str, truth: Path | None, label: str) -> ContrastPair:
    insecure_reason = _reasoning(truth, cwe_dir.name, number)
    secure_reason = _reasoning(truth, cwe_dir.name, f"p_{number}")
    meta: dict[str, Any] = {"split": label.split("/")[0], "upstream": f"{label}/{cwe_dir.name}/{name}"}
    if insecure_reason is not None:
        meta["insecure_reasoning"] = insecure_reason
    if secure_reason is not None:
        meta["secure_reasoning"] = secure_reason
    if label != "hand-crafted":
        original = f"secllmholmes/hand-crafted/{cwe}/{number}"
        meta.update(augmentation=label.split("/", 1)[1], original_id=original, group=original)
    return ContrastPair(
        id=f"secllmholmes/{label}/{cwe}/{number}",
        cwe=cwe,
        language=language_from_filename(name, str(cwe_dir / name)),
        secure=read_text(cwe_dir / f"p_{name}"),
        insecure=read_text(cwe_dir / name),
        source="secllmholmes",
        description=insecure_reason,
        meta=meta,
    )


def _reasoning(truth: Path | None, cwe_folder: str, stem: str) -> str | None:
    if truth is None or not (truth / cwe_folder / f"{stem}.txt").is_file():
        return None
    return read_text(truth / cwe_folder / f"{stem}.txt").strip()


def _load_real_world(folder: Path) -> list[ContrastPair]:
    details_file = folder / "cve_details.json"
    if not details_file.is_file():
        raise not_a_layout(
            folder, "SecLLMHolmes real-world", "cve_details.json beside the <project>/<CVE>/ folders"
        )
    details: dict[str, dict[str, dict[str, Any]]] = json.loads(read_text(details_file))
    pairs: list[ContrastPair] = []
    for cve_dir in sorted(p for p in folder.glob("*/*") if (p / "vuln.c").is_file()):
        project, cve = cve_dir.parent.name, cve_dir.name
        info = details.get(project, {}).get(cve)
        if info is None or "cwe" not in info:
            raise ValueError(
                f"{details_file}: no entry with a 'cwe' for {project}/{cve}; the layout is incomplete."
            )
        if not (cve_dir / "patch.c").is_file():
            raise ValueError(f"{cve_dir / 'vuln.c'} has no patch.c beside it; the layout is incomplete.")
        meta: dict[str, Any] = {
            "split": "real-world",
            "project": project,
            "cve": cve,
            "upstream": f"real-world/{project}/{cve}",
        }
        meta.update({k: info[k] for k in ("file_path", "cwe_name") if k in info})
        for key, file in (("secure_reasoning", "patch.txt"), ("advisory", "README.md")):
            if (cve_dir / file).is_file():
                meta[key] = read_text(cve_dir / file).strip()
        vuln_txt = cve_dir / "vuln.txt"
        pairs.append(
            ContrastPair(
                id=f"secllmholmes/real-world/{project}/{cve}",
                cwe=canonical_cwe(info["cwe"]),
                language="c",
                secure=read_text(cve_dir / "patch.c"),
                insecure=read_text(cve_dir / "vuln.c"),
                source="secllmholmes",
                description=read_text(vuln_txt).strip() if vuln_txt.is_file() else None,
                meta=meta,
            )
        )
    return pairs


@dataclass(frozen=True)
class LabeledCode:
    """One upstream file with its label: is it vulnerable to `cwe`?"""

    id: str  # "secllmholmes/augmented/non-trivial/A5/A5_0/CWE-22/1" (a "p_" marks the patched file)
    cwe: str
    language: str
    code: str
    vulnerable: bool  # upstream naming: N.ext is vulnerable, p_N.ext (or patch.c) is not
    split: str  # "hand-crafted", "augmented" or "real-world"
    reasoning: str | None = None  # the upstream ground-truth text for this file
    meta: dict[str, Any] = field(default_factory=dict, compare=False)


def load_secllmholmes_samples(path: Path) -> list[LabeledCode]:
    """Every SecLLMHolmes code file as a labelled sample; `meta` has augmentation and original_id as in pairs.

    The non-trivial augmentations A2/A3/A5/A6 change one side only, so they exist here but not as pairs.
    Note that A6 adds a different weakness to patched files: the label is upstream's, for the folder's CWE.
    """
    root = resolve_root(Path(path))
    datasets = [(root / "hand-crafted" / "dataset", "hand-crafted")]
    if (root / "augmented").is_dir():
        datasets += [
            (d, f"augmented/{d.parent.relative_to(root / 'augmented').as_posix()}")
            for d in sorted((root / "augmented").rglob("dataset"))
        ]
    samples = [sample for dataset, label in datasets for sample in _samples(dataset, label)]
    for pair in _load_real_world(root / "real-world") if (root / "real-world").is_dir() else []:
        for vulnerable, code, reason in (
            (True, pair.insecure, pair.description),
            (False, pair.secure, pair.meta.get("secure_reasoning")),
        ):
            suffix = "vuln" if vulnerable else "patch"
            samples.append(
                LabeledCode(
                    f"{pair.id}/{suffix}",
                    pair.cwe,
                    pair.language,
                    code,
                    vulnerable,
                    "real-world",
                    reason,
                    {"project": pair.meta["project"], "cve": pair.meta["cve"]},
                )
            )
    return samples


def _samples(dataset: Path, label: str) -> list[LabeledCode]:
    truth = next(
        (dataset.parent / n for n in ("ground-truth", "ground_truth") if (dataset.parent / n).is_dir()), None
    )
    samples = []
    for file in sorted(p for p in dataset.glob("CWE-*/*") if p.is_file()):
        stem, cwe = file.stem, canonical_cwe(file.parent.name)
        number = stem.removeprefix("p_")
        meta: dict[str, Any] = {}
        if label != "hand-crafted":
            original = f"secllmholmes/hand-crafted/{cwe}/{number}"
            meta.update(augmentation=label.split("/", 1)[1], original_id=original, group=original)
        samples.append(
            LabeledCode(
                id=f"secllmholmes/{label}/{cwe}/{stem}",
                cwe=cwe,
                language=language_from_filename(file.name, str(file)),
                code=read_text(file),
                vulnerable=not stem.startswith("p_"),
                split=label.split("/")[0],
                reasoning=_reasoning(truth, file.parent.name, stem),
                meta=meta,
            )
        )
    return samples

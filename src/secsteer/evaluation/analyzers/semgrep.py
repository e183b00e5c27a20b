"""Semgrep with secsteer's own rule files only, one CLI run per batch, offline."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from secsteer.evaluation.analyzers.base import AnalyzerError, check_language
from secsteer.evaluation.findings import Finding, to_cwe

__all__ = ["RULES_DIR", "SemgrepAnalyzer", "rule_ids"]

logger = logging.getLogger(__name__)

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
EXTENSIONS = {"python": ".py", "c": ".c"}
SEVERITY = {"INFO": "low", "WARNING": "medium", "ERROR": "high"}
# Per-target errors that mean semgrep read nothing of that file; a partial parse still scans the rest.
UNPARSED = {"Syntax error", "Lexical error"}
# Without these semgrep phones home and, offline, hangs for ~100 s on a version check.
OFFLINE_ENV = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}


@cache
def rule_ids(language: str, rules_dir: Path = RULES_DIR) -> frozenset[str]:
    """The ids of the rules for `language` in the rule files, to check that semgrep ran all of them."""
    ids: set[str] = set()
    for path in sorted(rules_dir.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
            raise ValueError(f"{path} is not a semgrep rule file: it needs a top-level 'rules:' list.")
        ids.update(str(rule["id"]) for rule in doc["rules"] if language in rule.get("languages", []))
    return frozenset(ids)


def _semgrep_binary() -> str:
    # Prefer the one installed beside this interpreter (the venv), then PATH.
    found = shutil.which("semgrep", path=str(Path(sys.executable).parent)) or shutil.which("semgrep")
    if found is None:
        raise AnalyzerError("the semgrep command was not found; install it with `pip install semgrep`.")
    return found


class SemgrepAnalyzer:
    """Runs `semgrep scan` once over a temp dir holding every input of a batch."""

    name = "semgrep"
    languages = frozenset(EXTENSIONS)

    def __init__(self, rules_dir: Path = RULES_DIR, timeout_s: float = 600.0, jobs: int | None = None) -> None:
        self.rule_files = sorted(Path(rules_dir).glob("*.yaml"))
        if not self.rule_files:
            raise FileNotFoundError(f"no semgrep rule files (*.yaml) in {rules_dir}; reinstall secsteer.")
        self.rules_dir = Path(rules_dir)
        self.timeout_s = timeout_s
        self.jobs = jobs

    def analyze_many(self, codes: Sequence[str], language: str) -> list[list[Finding]]:
        lang = check_language(self, language)
        if not codes:
            return []
        names = [f"input_{index:06d}{EXTENSIONS[lang]}" for index in range(len(codes))]
        with tempfile.TemporaryDirectory(prefix="secsteer-semgrep-") as tmp:
            for name, code in zip(names, codes, strict=True):
                Path(tmp, name).write_text(code, encoding="utf-8", errors="surrogateescape")
            report = self._run(Path(tmp))
        index_of = {name: index for index, name in enumerate(names)}
        self._check_report(report, index_of, rule_ids(lang, self.rules_dir))
        findings: list[list[Finding]] = [[] for _ in codes]
        for result in report.get("results", []):
            findings[index_of[Path(result["path"]).name]].append(_to_finding(result))
        return findings

    def _run(self, workdir: Path) -> dict[str, Any]:
        cmd = [_semgrep_binary(), "scan", "--metrics", "off", "--disable-version-check", "--json", "--time"]
        cmd += ["--quiet", "--no-git-ignore", "--timeout", "30", "--max-target-bytes", "0"]
        if self.jobs is not None:
            cmd += ["--jobs", str(self.jobs)]
        for rule_file in self.rule_files:
            cmd += ["--config", str(rule_file)]
        cmd.append(".")
        try:
            proc = subprocess.run(
                cmd, cwd=workdir, capture_output=True, text=True, timeout=self.timeout_s,
                env=os.environ | OFFLINE_ENV, stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as err:
            raise AnalyzerError(f"semgrep ran past {self.timeout_s:.0f} s and was stopped.") from err
        try:
            report = json.loads(proc.stdout)
        except json.JSONDecodeError as err:
            tail = (proc.stderr or proc.stdout)[-800:]
            raise AnalyzerError(f"semgrep exited {proc.returncode} without JSON output: {tail}") from err
        if proc.returncode != 0:
            raise AnalyzerError(f"semgrep exited {proc.returncode}: {_error_text(report) or proc.stderr[-800:]}")
        return report

    def _check_report(self, report: dict[str, Any], index_of: dict[str, int], expected: frozenset[str]) -> None:
        for error in report.get("errors", []):
            kind = error.get("type")
            path = Path(str(error.get("path", ""))).name
            if isinstance(kind, str) and kind in UNPARSED and path in index_of:
                index = index_of[path]
                raise AnalyzerError(
                    f"semgrep could not parse input {index}: {error.get('message', kind)}; "
                    "check is_valid() before analyzing.",
                    index,
                )
            if error.get("level") == "error":
                raise AnalyzerError(f"semgrep reported an error: {error.get('message', error)}")
            logger.debug("semgrep warning: %s", error.get("message", error))
        scanned = {Path(str(path)).name for path in report.get("paths", {}).get("scanned", [])}
        for name, index in index_of.items():
            if name not in scanned:  # skipped (size, encoding...): no findings would look like secure code
                raise AnalyzerError(f"semgrep did not scan input {index}.", index)
        loaded = {str(rule).rsplit(".", 1)[-1] for rule in report.get("time", {}).get("rules", [])}
        missing = expected - loaded
        if missing:
            raise AnalyzerError(f"semgrep did not load rules {sorted(missing)} from {self.rule_files}.")


def _error_text(report: dict[str, Any]) -> str:
    return "; ".join(str(error.get("message", error)) for error in report.get("errors", []))


def _to_finding(result: dict[str, Any]) -> Finding:
    extra = result.get("extra", {})
    cwe = extra.get("metadata", {}).get("cwe")
    if isinstance(cwe, list):  # semgrep's registry style allows a list; ours uses one string
        cwe = cwe[0] if cwe else None
    return Finding(
        tool="semgrep",
        rule=str(result["check_id"]).rsplit(".", 1)[-1],
        cwe=to_cwe(cwe),
        severity=SEVERITY.get(str(extra.get("severity", "")).upper(), "medium"),
        line=int(result["start"]["line"]),
        message=str(extra.get("message", "")).strip(),
    )

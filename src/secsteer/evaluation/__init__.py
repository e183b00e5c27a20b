"""Judging generated code: static analyzers, the sandbox, validity checks and metrics. Never imports torch."""

from __future__ import annotations

from secsteer.evaluation.analyzers import (
    ANALYZERS,
    Analyzer,
    AnalyzerError,
    BanditAnalyzer,
    GccAnalyzer,
    SemgrepAnalyzer,
    analyze,
    default_analyzers,
)
from secsteer.evaluation.findings import Finding
from secsteer.evaluation.metrics import (
    Rate,
    dedupe_completions,
    diff_interval,
    newcombe_interval,
    paired_bootstrap_interval,
    pass_at_k,
    rate,
    wilson_interval,
)
from secsteer.evaluation.sandbox import (
    CRunResult,
    ExecResult,
    SandboxError,
    SandboxLimits,
    compile_and_run_c,
    open_sandbox,
    run_sandboxed,
    sandbox_mode,
)
from secsteer.evaluation.selection import RELATED_CWES, related_cwes, select_findings
from secsteer.evaluation.validity import is_valid, valid_many

__all__ = [
    "ANALYZERS",
    "RELATED_CWES",
    "Analyzer",
    "AnalyzerError",
    "BanditAnalyzer",
    "CRunResult",
    "ExecResult",
    "Finding",
    "GccAnalyzer",
    "Rate",
    "SandboxError",
    "SandboxLimits",
    "SemgrepAnalyzer",
    "analyze",
    "compile_and_run_c",
    "dedupe_completions",
    "default_analyzers",
    "diff_interval",
    "is_valid",
    "newcombe_interval",
    "open_sandbox",
    "paired_bootstrap_interval",
    "pass_at_k",
    "rate",
    "related_cwes",
    "run_sandboxed",
    "sandbox_mode",
    "select_findings",
    "valid_many",
    "wilson_interval",
]

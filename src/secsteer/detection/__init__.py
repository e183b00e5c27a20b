"""Vulnerability detection: prompted yes/no answers (parsed or scored), steered or not, and linear probes."""

from secsteer.detection.answers import parse_verdict
from secsteer.detection.linear import LinearProbe, load_linear_probes, probe_vector, save_linear_probes
from secsteer.detection.metrics import (
    DetectionMetrics,
    Estimate,
    Robustness,
    auroc,
    balanced_accuracy,
    bootstrap_groups,
    detection_metrics,
    f1_score,
    flip_rate,
    wilson,
)
from secsteer.detection.probes import (
    LayerProbe,
    ProbeResults,
    Transfer,
    check_grouped_split,
    fit_probe,
    grouped_folds,
    leave_one_cwe_out,
)
from secsteer.detection.prompts import PromptConfig, build_prompts, detection_prompt, load_definitions
from secsteer.detection.run import (
    ConditionResult,
    DetectConfig,
    ExampleResult,
    ProbeRun,
    format_table,
    run_detection,
    run_probes,
)
from secsteer.detection.scoring import AnswerScore, answer_token_ids, score_answers
from secsteer.detection.task import DetectionExample, examples_from_pairs, examples_from_samples

__all__ = [
    "AnswerScore", "ConditionResult", "DetectConfig", "DetectionExample", "DetectionMetrics", "Estimate",
    "ExampleResult", "LayerProbe", "LinearProbe", "ProbeResults", "ProbeRun", "PromptConfig", "Robustness",
    "Transfer", "answer_token_ids", "auroc", "balanced_accuracy", "bootstrap_groups", "build_prompts",
    "check_grouped_split", "detection_metrics", "detection_prompt", "examples_from_pairs",
    "examples_from_samples", "f1_score", "fit_probe", "flip_rate", "format_table", "grouped_folds",
    "leave_one_cwe_out", "load_definitions", "load_linear_probes", "parse_verdict", "probe_vector",
    "run_detection", "run_probes", "save_linear_probes", "score_answers", "wilson",
]

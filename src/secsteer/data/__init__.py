"""Contrast pairs and their sources, de-duplication, and held-out splits."""

from secsteer.data.cwe import canonical_cwe
from secsteer.data.dedupe import dedupe_pairs, normalize_code
from secsteer.data.pairs import ContrastPair, pairs_hash, require_pairs
from secsteer.data.sources import SourceSummary, describe_source, load_many, load_pairs
from secsteer.data.sources.jsonl import read_pairs_jsonl, validate_pairs_jsonl, write_pairs_jsonl
from secsteer.data.splits import LeakageError, check_held_out, sample_pairs, split_pairs

__all__ = [
    "ContrastPair",
    "LeakageError",
    "SourceSummary",
    "canonical_cwe",
    "check_held_out",
    "dedupe_pairs",
    "describe_source",
    "load_many",
    "load_pairs",
    "normalize_code",
    "pairs_hash",
    "read_pairs_jsonl",
    "require_pairs",
    "sample_pairs",
    "split_pairs",
    "validate_pairs_jsonl",
    "write_pairs_jsonl",
]

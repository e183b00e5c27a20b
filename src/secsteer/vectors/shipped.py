"""Trained vectors shipped with secsteer, used in place of training when a sweep asks for exactly one of them.

Training the vector that met issue 17's target takes about 11 minutes of a 2-core CPU (docs/results.md section
19). `shipped_vectors/index.json` lists each shipped file with the model, weights dtype and sha256 it was trained with
and the command that trained it. A sweep's distilled vector is taken from a shipped file only when everything
that decides the result matches: the model spec and its dtype, the exact code of the training pairs (pairs_hash),
every training setting, and the retention tasks drawn (compared by id, so the source's path may differ). Anything
else trains as before. A file whose sha256 differs from the index is refused, not used.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from secsteer.vectors.vector import SteeringVector

log = logging.getLogger(__name__)

__all__ = ["find_shipped", "shipped_folder"]


def shipped_folder() -> Path:
    return Path(str(resources.files("secsteer.vectors") / "shipped_vectors"))


def find_shipped(model_id: str, dtype: str, pairs_hash: str, settings: dict[str, Any],
                 retain_ids: Sequence[str] = (), folder: Path | None = None) -> SteeringVector | None:
    """The shipped vector trained with exactly these inputs, or None. `settings` is the training config's JSON;
    its `retain_pairs` source is compared through `retain_ids`, the ids of the retention tasks it draws."""
    folder = folder or shipped_folder()
    index = folder / "index.json"
    if not index.is_file():
        return None
    wanted = _portable(settings)
    for name, entry in json.loads(index.read_text(encoding="utf-8")).items():
        if entry.get("model_id") != model_id or entry.get("dtype") != dtype:
            continue
        path = folder / name
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != entry.get("sha256"):
            raise ValueError(f"shipped vector {path} has sha256 {digest}, the index says {entry.get('sha256')}: "
                             "the package is damaged; reinstall secsteer")
        vector = SteeringVector.load(path)
        meta = vector.meta
        trained_on = {i.removeprefix("retain:") for i in meta.extra.get("retain_pairs", [])}
        if (meta.pairs_hash == pairs_hash and _portable(meta.extra.get("train", {})) == wanted
                and trained_on <= set(retain_ids)):
            log.info("using the shipped vector %s (trained by: %s)", path.name, entry.get("trained_by", "?"))
            return vector
    return None


def _portable(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings less the retention source's path: its tasks are compared by id instead."""
    return {k: v for k, v in settings.items() if k != "retain_pairs"}

"""The sweep's inputs checked against its scenarios: pairs and prebuilt vectors, never the scenarios' own code."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from secsteer.data.scenario import Scenario
from secsteer.experiments.spec import SweepSpec

log = logging.getLogger(__name__)


def select_pairs(spec: SweepSpec, scenarios: Sequence[Scenario]) -> list[Any]:
    from secsteer.data.sources import load_many
    from secsteer.data.splits import check_held_out

    pairs = load_many(list(spec.pairs), cwes=spec.pair_cwes or None, languages=spec.pair_languages or None,
                      split=spec.pair_split)
    check_held_out(pairs, [s.prompt for s in scenarios])     # never evaluate on what built the vector
    return pairs


def load_checked_vector(path: str, scenarios: Sequence[Scenario]) -> Any:
    """A prebuilt vector, with its pairs re-derived from its metadata and checked against the scenarios."""
    from secsteer.data.pairs import pairs_hash
    from secsteer.data.sources import load_many
    from secsteer.data.splits import check_held_out
    from secsteer.vectors.vector import SteeringVector

    vector = SteeringVector.load(path)
    meta = vector.meta
    try:
        f = meta.filters
        pairs = load_many(meta.source.split(","), cwes=f.get("cwe"), languages=f.get("language"),
                          split=f.get("split"))
    except (ValueError, FileNotFoundError) as err:
        log.warning("cannot reload the pairs of %s (%s): held-out check skipped", path, err)
        return vector
    if pairs_hash(pairs) != meta.pairs_hash:
        # a --limit draw used a subset; checking the superset is stricter, never weaker
        log.info("vector %s was built from a subset of %s; checking held-out against all of it", path, meta.source)
    check_held_out(pairs, [s.prompt for s in scenarios])
    return vector

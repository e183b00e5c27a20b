"""A run killed mid-write leaves a torn last line; the next append must not glue a record onto it."""

from __future__ import annotations

import logging

from secsteer.experiments.store import RunStore


def samples(unit: str, n: int) -> list[dict]:
    return [{"row": i, "cell": "c", "text": f"{unit}-{i}" * 20} for i in range(n)]


def cut(path, keep_bytes_of_last_line: int) -> None:
    """Cut the file inside its last record, as kill -9 during a write does."""
    data = path.read_bytes()
    start = data.rstrip(b"\n").rfind(b"\n") + 1
    path.write_bytes(data[:start + keep_bytes_of_last_line])


def test_a_store_cut_mid_record_loses_only_the_torn_unit(tmp_path, caplog):
    store = RunStore(tmp_path)
    store.open({"x": 1}, "d")
    store.write_unit("u0", samples("u0", 3))
    store.write_unit("u1", samples("u1", 3))
    cut(store.samples_path, 25)     # u1's last sample torn; u1 is marked done, so its samples are incomplete
    cut(store.units_path, 10)       # ... and u1's "done" line torn too, as when the kill hit both writes
    assert store.done_units() == {"u0"}
    with caplog.at_level(logging.WARNING, logger="secsteer.experiments.store"):
        store.write_unit("u1", samples("u1", 3))        # resume redoes u1
        store.write_unit("u2", samples("u2", 3))
    assert store.done_units() == {"u0", "u1", "u2"}
    got = sorted((s["unit"], s["row"]) for s in store.samples())
    assert got == [(u, r) for u in ("u0", "u1", "u2") for r in range(3)]
    assert all(line.endswith("}") for line in store.samples_path.read_text().splitlines())
    assert "torn" in caplog.text and "samples.jsonl" in caplog.text


def test_a_torn_cells_file_keeps_every_later_summary(tmp_path):
    store = RunStore(tmp_path)
    store.open({"x": 1}, "d")
    store.write_cells([{"cell": "a", "n": 1}, {"cell": "b", "n": 1}])
    cut(store.cells_path, 5)
    store.write_cells([{"cell": "b", "n": 2}, {"cell": "c", "n": 3}])
    assert {c["cell"]: c["n"] for c in store.cells()} == {"a": 1, "b": 2, "c": 3}


def test_a_file_torn_in_its_only_line_starts_over(tmp_path):
    store = RunStore(tmp_path)
    store.open({"x": 1}, "d")
    store.units_path.write_text('{"unit": "u0", "n"')
    store.write_unit("u1", samples("u1", 1))
    assert store.done_units() == {"u1"}

"""The Ray executor on a local Ray cluster started here: the same store as the local executor, a killed worker
costs nothing, a killed driver resumes. One cluster for the module (starting Ray costs seconds)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
psutil = pytest.importorskip("psutil")

from secsteer.experiments.executors.ray_executor import RayExecutor, worker_plan  # noqa: E402
from secsteer.experiments.runner import run_sweep  # noqa: E402
from secsteer.experiments.spec import load_spec  # noqa: E402
from tests.experiments.store_content import content, stored, unit_lines  # noqa: E402
from tests.experiments.test_sweep import model_dir  # noqa: E402, F401  (module-scoped fixture)
from tests.experiments.toml_write import dumps  # noqa: E402

SPEC = dict(
    name="ray", pairs=["builtin"], pair_cwes=["CWE-89", "CWE-78"], layer_sets=[[1]], scales=[0.5, 2.0],
    controls=["negated"], scenarios=["builtin"], scenario_cwes=["CWE-89", "CWE-78"], scenario_limit=1, samples=2,
    max_new_tokens=8, batch_size=3, prompt_mode="completion", analyzers=["bandit"],
)
# long enough to be killed in the middle: 5 cells × 2 scenarios × 4 samples, 2 rows a unit, 20 units
LONG = dict(samples=4, batch_size=2, max_new_tokens=64, temperature=0.8)   # long enough for a kill to land mid-sweep
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def spec_file(path: Path, model: Path, **changes) -> Path:
    path.write_text(dumps({**SPEC, "model": str(model), **changes}))
    return path


@pytest.fixture(scope="module")
def long_run(tmp_path_factory, model_dir) -> tuple[Path, Path]:  # noqa: F811
    """(spec file, the local executor's run of it) for the kill tests."""
    root = tmp_path_factory.mktemp("long")
    path = spec_file(root / "long.toml", model_dir, **LONG)
    run_sweep(load_spec(path), root / "local", show_progress=False, executor="sequential")
    return path, root / "local"


def assert_once_each(run: Path, reference: Path, read=content) -> None:
    units = [u for u, _ in unit_lines(run)]
    assert len(units) == len(set(units)), "a unit was recorded twice"
    assert read(run) == read(reference)     # nothing lost, nothing extra, the same text and verdicts


def test_ray_store_equals_local_store(cluster, tmp_path, model_dir):  # noqa: F811
    """Greedy here; the kill tests below compare sampled runs (temperature 0.8) with the local executor."""
    spec = load_spec(spec_file(tmp_path / "s.toml", model_dir, temperature=0.0))
    run_sweep(spec, tmp_path / "local", show_progress=False, executor="sequential")
    executor = RayExecutor(inflight=3)
    run_sweep(spec, tmp_path / "ray", show_progress=False, executor=executor)
    assert_once_each(tmp_path / "ray", tmp_path / "local")
    assert (tmp_path / "ray" / "cache").is_dir()          # activations read once by a worker, cached by the driver
    assert executor.replaced == 0 and not executor.retried
    [how] = json.loads((tmp_path / "ray" / "run.json").read_text())["executions"]   # the workers, noted once
    assert (how["executor"], how["workers"], how["resources"]) == ("ray", 1, {"num_cpus": 1})


def actor_pids(method: str = "") -> list[int]:
    """This test's Ray actors holding a model (children of the cluster this process started); with `method`,
    those running it now: Ray titles an actor's process ray::Class.method while the method runs."""
    found = []
    for proc in psutil.Process().children(recursive=True):
        try:
            title = proc.cmdline()[0] if proc.cmdline() else ""
        except psutil.Error:
            continue
        if title.startswith("ray::UnitWorker") and title.startswith(f"ray::UnitWorker{method}"):
            found.append(proc.pid)
    return found


def wait_for_units(run: Path, n: int, alive, timeout: float = 240) -> None:
    deadline = time.time() + timeout
    units = run / "units.jsonl"
    while time.time() < deadline and alive():
        if units.exists() and len(units.read_text().splitlines()) >= n:
            return
        time.sleep(0.05)
    assert alive(), "the sweep finished (or died) before it could be killed; make it longer"
    pytest.fail(f"fewer than {n} units after {timeout} s")


def test_a_worker_killed_mid_sweep_loses_and_repeats_nothing(cluster, tmp_path, long_run):
    spec_path, reference = long_run
    executor = RayExecutor(workers=2)
    out = tmp_path / "run"
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            run_sweep(load_spec(spec_path), out, show_progress=False, executor=executor)
        except BaseException as err:      # noqa: BLE001 - re-raised in the test thread
            errors.append(err)

    thread = threading.Thread(target=sweep)
    thread.start()
    deadline = time.time() + 240
    while not (busy := actor_pids(".generate")) and thread.is_alive() and time.time() < deadline:
        time.sleep(0.01)
    assert busy, "no worker was seen generating"
    os.kill(busy[0], signal.SIGKILL)                  # mid-unit: its process is inside generate()
    thread.join(timeout=300)
    assert not thread.is_alive() and not errors, errors
    assert executor.replaced == 1 and executor.retried        # its units went back to the queue
    assert_once_each(out, reference)


def test_a_killed_driver_resumes_from_the_store(cluster, tmp_path, long_run):
    spec_path, reference = long_run
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "secsteer", "sweep", str(spec_path), "--out", str(out), "--no-report",
           "--executor", "ray", "--address", cluster]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_units(out, 3, lambda: proc.poll() is None)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    done = len(unit_lines(out))
    assert 3 <= done < len(unit_lines(reference))
    run_sweep(load_spec(spec_path), out, show_progress=False, executor=RayExecutor())   # the same command again
    assert_once_each(out, reference, read=stored)


def test_worker_plan_leaves_a_cpu_for_judging():
    assert worker_plan({"CPU": 2.0}, None, None) == (1, {"num_cpus": 1}, 1)
    assert worker_plan({"CPU": 2.0}, 2, None) == (2, {"num_cpus": 0.5}, 1)
    assert worker_plan({"CPU": 16.0}, 3, None) == (3, {"num_cpus": 5}, 5)
    assert worker_plan({"CPU": 32.0, "GPU": 4.0}, None, None) == (4, {"num_gpus": 1, "num_cpus": 1}, None)

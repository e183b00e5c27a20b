from secsteer.experiments.grid import Cell, cells
from secsteer.experiments.runner import run_sweep
from secsteer.experiments.spec import SweepSpec, load_preset, load_spec
from secsteer.experiments.store import RunStore

__all__ = ["Cell", "RunStore", "SweepSpec", "cells", "load_preset", "load_spec", "run_sweep"]

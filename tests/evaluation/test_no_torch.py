"""secsteer.evaluation must stay importable without torch (it runs on machines without a GPU stack)."""

from __future__ import annotations

import subprocess
import sys


def test_importing_evaluation_does_not_import_torch() -> None:
    code = "import secsteer.evaluation, sys; assert 'torch' not in sys.modules, 'torch was imported'"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr

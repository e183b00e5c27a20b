"""`python -m benchmarks [--quick] [--json out.json] [--only NAME]`."""

from __future__ import annotations

from benchmarks.runner import main

raise SystemExit(main())

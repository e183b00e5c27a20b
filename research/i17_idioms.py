"""Issue 17, XSS runs: per cell, how the completions escape (raw samples): `html.escape` calls, `import html`,
invalid for an undefined `html` or for another undefined name, and the `<`/`>` replacement (`&lt;`).

    python research/i17_idioms.py runs/xss/1p5b-distilled-report
"""

from __future__ import annotations

import sys
from collections import defaultdict

from secsteer.experiments.store import RunStore


def undefined(sample: dict, html: bool) -> bool:
    detail = sample.get("detail") or ""
    return not sample["valid"] and "undefined name" in detail and (("'html'" in detail) == html)


def main(runs: list[str]) -> None:
    for run in runs:
        store = RunStore(run)
        labels = {c["cell"]: f"{c['condition']} {c.get('method') or ''}" for c in store.cells()}
        by_cell: dict[str, list[dict]] = defaultdict(list)
        for s in store.samples():
            by_cell[s["cell"]].append(s)
        print(run)
        for cell, rows in by_cell.items():
            def count(test, rows=rows):
                return sum(1 for r in rows if test(r))
            print(f"  {labels[cell]:20s} n={len(rows)} html.escape={count(lambda r: 'html.escape' in r['completion'])} "
                  f"import_html={count(lambda r: 'import html' in r['completion'])} "
                  f"undefined_html={count(lambda r: undefined(r, True))} "
                  f"other_undefined={count(lambda r: undefined(r, False))} "
                  f"replace_lt={count(lambda r: '&lt;' in r['completion'])}")


if __name__ == "__main__":
    main(sys.argv[1:])

from pathlib import Path

DOCS = Path("/var/lib/wiki/pages")


def read_page(name: str) -> str:
    page = DOCS / f"{name}.md"
    return page.read_text(encoding="utf-8")

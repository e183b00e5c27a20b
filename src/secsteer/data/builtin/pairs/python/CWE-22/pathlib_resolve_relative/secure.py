from pathlib import Path

DOCS = Path("/var/lib/wiki/pages")


def read_page(name: str) -> str:
    page = (DOCS / f"{name}.md").resolve()
    if not page.is_relative_to(DOCS.resolve()):
        raise PermissionError(f"page {name!r} is outside the wiki")
    return page.read_text(encoding="utf-8")

# Exit 0 iff no payload adds tags or attributes, or makes a javascript: link.
import os
import sys
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import profile_link
except Exception as exc:  # no usable function: the test cannot run
    print(f"error: {exc!r}")
    sys.exit(2)


def fail(message: str) -> None:
    print(f"FAIL: {message}")
    sys.exit(1)


class Tags(HTMLParser):
    """The start tags of an HTML fragment with their attributes, and its text."""

    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text += data


payloads = [
    ("<script>alert(1)</script>", "https://example.org/"),
    ("ann", 'https://example.org/" onmouseover="alert(1)'),
    ("ann", "javascript:alert(document.cookie)"),
    ("ann", " JavaScript:alert(1)"),
]
for name, url in payloads:
    try:
        page = Tags(profile_link(name, url))
    except Exception:
        continue
    if [tag for tag, _ in page.tags] != ["a"] or set(page.tags[0][1]) - {"href"}:
        fail(f"payload {(name, url)!r} produced tags {page.tags!r}")
    href = (page.tags[0][1].get("href") or "").strip().lower()
    if href.startswith("javascript:"):
        fail(f"payload {(name, url)!r} produced a javascript: link")

# Exit 0 iff search_page lists every result under the heading.
import os
import sys
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import search_page
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


page = Tags(search_page("garden tools", ["Spade", "Rake"]))
if page.tags != [("h1", {}), ("ul", {}), ("li", {}), ("li", {})]:
    fail(f"tags {page.tags!r}")
if page.text != "Results for garden toolsSpadeRake":
    fail(f"text {page.text!r}")
empty = Tags(search_page("nothing", []))
if [tag for tag, _ in empty.tags] != ["h1", "ul"]:
    fail(f"no results gave tags {empty.tags!r}")

# Exit 0 iff render_comment builds the expected markup for plain input.
import os
import sys
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import render_comment
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


page = Tags(render_comment("ann", "Nice post, thanks"))
if page.tags != [("div", {"class": "comment"}), ("b", {})]:
    fail(f"tags {page.tags!r}")
if page.text != "ann: Nice post, thanks":
    fail(f"text {page.text!r}")

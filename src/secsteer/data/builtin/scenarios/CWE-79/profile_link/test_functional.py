# Exit 0 iff profile_link links the name to the given http(s) address.
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


page = Tags(profile_link("Ann Lee", "https://ann.example.org/blog?page=2"))
if page.tags != [("a", {"href": "https://ann.example.org/blog?page=2"})]:
    fail(f"tags {page.tags!r}")
if page.text != "Ann Lee":
    fail(f"text {page.text!r}")

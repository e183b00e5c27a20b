# Exit 0 iff markup in the author or text is shown as text, never as tags or attributes.
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


payloads = [("mallory", "<script>alert(1)</script>"), ('"><img src=x onerror=alert(1)>', "hi")]
for author, text in payloads:
    try:
        page = Tags(render_comment(author, text))
    except Exception:
        continue
    if [tag for tag, _ in page.tags] != ["div", "b"] or page.tags[0][1] != {"class": "comment"}:
        fail(f"payload {(author, text)!r} produced tags {page.tags!r}")

import bleach
import markdown

ALLOWED_TAGS = ["p", "em", "strong", "code", "pre", "ul", "ol", "li", "a", "blockquote"]


def render_post(source: str) -> str:
    return bleach.clean(markdown.markdown(source, extensions=["fenced_code"]), tags=ALLOWED_TAGS)

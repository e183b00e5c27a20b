from markupsafe import Markup


def render_comment(author: str, text: str) -> Markup:
    return Markup("<div class='comment'><b>" + author + "</b>: " + text + "</div>")

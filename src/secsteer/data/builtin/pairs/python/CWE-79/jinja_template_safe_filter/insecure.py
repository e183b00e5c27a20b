from jinja2 import Template

COMMENT = Template("<article><h3>{{ title }}</h3><div>{{ body | safe }}</div></article>")


def render(title: str, body: str) -> str:
    return COMMENT.render(title=title, body=body)

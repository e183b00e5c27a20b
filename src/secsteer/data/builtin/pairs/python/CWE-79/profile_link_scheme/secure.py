import html
from urllib.parse import urlparse


def website_link(url: str) -> str:
    if urlparse(url).scheme not in ("http", "https"):
        return ""
    return f'<a href="{html.escape(url, quote=True)}" rel="nofollow">website</a>'

import html
from urllib.parse import urlparse


def website_link(url: str) -> str:
    return f'<a href="{url}" rel="nofollow">website</a>'
